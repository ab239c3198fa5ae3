#!/bin/bash
# face_detect.sh: speed of the face pipeline (printed, never asserted).
# Run from the top of the tree after `make install`:
#   PG_CONFIG=... bench/face_detect.sh          (RUNS=15 by default)
# 1. face_detect on raw RGB (SSD at 512 + 68 landmarks per face), one
#    backend: the 500x332 group fixture (6 faces) and a 1920x1280 crop of
#    dlib-detection/bald_guys.jpg (decoded by the image layer);
#    each also with the SSD in float32 (facerec.nn_precision = float: the
#    default is int16), and the 1920x1280 one in int8;
# 2. the same with the tiny detector (facerec.detector = tiny) and with the
#    tiny landmark net (facerec.landmarks = tiny);
# 3. the same from JPEG bytes (decode included), and face_embedding of a
#    250x250 LFW photo end to end (decode, SSD, landmarks, crop, descriptor);
#    Each of the three also without the second check
#    (facerec.verify_faces = off), and the check's cost per box
#    (face_verify_score on the LFW photo's face);
# 4. the reference: face-api's SSD alone (no landmarks) on the group
#    fixture, when Node and tools/reference/node_modules are there.
set -euo pipefail
source "$(dirname "$0")/../tools/setup.sh"
cd "$FACEREC_TOP"
RUNS=${RUNS:-15}
group=$FACEREC_TOP/tools/reference/fixtures/group.500x332.rgb
bald=$FACEREC_DATA/faces/dlib-detection/bald_guys.jpg
lfw=$FACEREC_DATA/lfw-dev/images/Aaron_Sorkin/$(ls "$FACEREC_DATA/lfw-dev/images/Aaron_Sorkin" | head -1)

start_cluster
source "$FACEREC_TOP/bench/sql_timing.sh"
psql -c "CREATE EXTENSION facerec"

echo "== face_detect on raw RGB (one backend, $RUNS calls)"
time_calls 'group 500x332, 6 faces' "rgb bytea := pg_read_binary_file('$group');" \
	'count(*) FROM face_detect(rgb, 500, 332)'
time_calls "bald_guys 1920x1280, $(psql -At -c "SELECT count(*) FROM face_detect(image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280), 1920, 1280)") faces" \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280);" \
	'count(*) FROM face_detect(rgb, 1920, 1280)'
time_calls 'same, min_score 0.99 (fewer landmark runs)' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280);" \
	'count(*) FROM face_detect(rgb, 1920, 1280, 0.99)'
float="s text := set_config('facerec.nn_precision', 'float', false);"
time_calls 'float32: group 500x332' "rgb bytea := pg_read_binary_file('$group'); $float" \
	'count(*) FROM face_detect(rgb, 500, 332)'
time_calls 'float32: bald_guys 1920x1280' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280); $float" \
	'count(*) FROM face_detect(rgb, 1920, 1280)'
time_calls 'float32: same, min_score 0.99' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280); $float" \
	'count(*) FROM face_detect(rgb, 1920, 1280, 0.99)'
int8="s text := set_config('facerec.nn_precision', 'int8', false);"
time_calls 'int8: bald_guys 1920x1280' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280); $int8" \
	'count(*) FROM face_detect(rgb, 1920, 1280)'
time_calls 'int8: same, min_score 0.99' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280); $int8" \
	'count(*) FROM face_detect(rgb, 1920, 1280, 0.99)'

echo "== tiny detector, tiny landmarks (settings in the same backend)"
time_calls 'tiny: bald_guys 1920x1280' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280);
	 s text := set_config('facerec.detector', 'tiny', false);" \
	'count(*) FROM face_detect(rgb, 1920, 1280)'
time_calls 'tiny: same, min_score 0.99 (the tiny pass alone)' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280);
	 s text := set_config('facerec.detector', 'tiny', false);" \
	'count(*) FROM face_detect(rgb, 1920, 1280, 0.99)'
time_calls 'SSD + tiny landmarks: bald_guys 1920x1280' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280);
	 s text := set_config('facerec.landmarks', 'tiny', false);" \
	'count(*) FROM face_detect(rgb, 1920, 1280)'

echo "== from JPEG bytes (decode included)"
time_calls 'face_detect(bald_guys.jpg 1986x1545)' "img bytea := pg_read_binary_file('$bald');" \
	'count(*) FROM face_detect(img)'
time_calls 'face_embedding(LFW 250x250 jpeg)' "img bytea := pg_read_binary_file('$lfw');" \
	'face_embedding(img)'
unchecked="s text := set_config('facerec.verify_faces', 'off', false);"
time_calls 'no second check: bald_guys 1920x1280' \
	"rgb bytea := image_warp_rgb(pg_read_binary_file('$bald'), '{1,0,0,0,1,0}', 1920, 1280); $unchecked" \
	'count(*) FROM face_detect(rgb, 1920, 1280)'
time_calls 'no second check: face_detect(bald_guys.jpg 1986x1545)' \
	"img bytea := pg_read_binary_file('$bald'); $unchecked" 'count(*) FROM face_detect(img)'
time_calls 'no second check: face_embedding(LFW 250x250 jpeg)' \
	"img bytea := pg_read_binary_file('$lfw'); $unchecked" 'face_embedding(img)'
time_calls 'the second check of one box: face_verify_score(LFW 250x250 jpeg, its face)' \
	"img bytea := pg_read_binary_file('$lfw');
	 b box := (SELECT box(point(x, y), point(x + width, y + height)) FROM face_detect(img) LIMIT 1);" \
	'face_verify_score(img, b)'
time_calls 'float32: face_detect(bald_guys.jpg 1986x1545)' "img bytea := pg_read_binary_file('$bald'); $float" \
	'count(*) FROM face_detect(img)'
time_calls 'float32: face_embedding(LFW 250x250 jpeg)' "img bytea := pg_read_binary_file('$lfw'); $float" \
	'face_embedding(img)'

echo "== reference (face-api SSD only, tfjs wasm, one thread)"
if command -v node >/dev/null && [ -d tools/reference/node_modules ]; then
	(cd tools/reference && node detections.js --bench "$RUNS" "$group")
else
	echo "   skipped: no node or no tools/reference/node_modules (cd tools/reference && npm ci)"
fi
