#!/bin/bash
# detection.sh: accuracy of face_detect (printed, never asserted).
# Run from the top of the tree after `make install`:
#   PG_CONFIG=... bench/detection.sh
# Settings are lists of "label:SET ...;" items separated by "|".
# 1. for each of CONFIGS, on dlib's labelled photos
#    (../shared/data/faces/dlib-detection): recall and precision at
#    IoU >= 0.5, false positives on dogs.jpg, landmark error per inter-ocular
#    distance (bench/detection_eval.py says how);
# 2. for each of LFW_CONFIGS, on LFW dev (2,320 photos of one centred face
#    each): how many photos have no face at each min_score of LFW_SCORES
#    (default "0.5"); LFW_LIMIT=N looks at the first N photos only.
set -euo pipefail
source "$(dirname "$0")/../tools/setup.sh"
cd "$FACEREC_TOP"
DLIB=$FACEREC_DATA/faces/dlib-detection
LFW=$FACEREC_DATA/lfw-dev/images
ssd_exact="SSD as face-api (float, second look off):SET facerec.second_look = off; SET facerec.nn_precision = float;"
ssd="SSD + second look (default):"
tiny="tiny detector:SET facerec.detector = tiny;"
tiny_lm="SSD + second look, tiny landmarks:SET facerec.landmarks = tiny;"
refined="SSD + second look, 1 refinement pass:SET facerec.refine_landmarks = 1;"
CONFIGS=${CONFIGS:-"$ssd_exact|$ssd|$tiny|$tiny_lm|$refined"}
LFW_CONFIGS=${LFW_CONFIGS:-"$ssd_exact|$ssd|$tiny"}
LFW_SCORES=${LFW_SCORES:-0.5}
LFW_LIMIT=${LFW_LIMIT:-ALL}

start_cluster
source "$FACEREC_TOP/bench/sql_timing.sh"
psql -c "CREATE EXTENSION facerec"

IFS='|' read -ra configs <<<"$CONFIGS"
for config in "${configs[@]}"; do
	label=${config%%:*}
	echo "== $label (${config#*:})"
	psql -At <<SQL | /usr/bin/python3 bench/detection_eval.py "$DLIB" "$label"
${config#*:}
COPY (SELECT f, d.* FROM pg_ls_dir('$DLIB') f,
		face_detect(pg_read_binary_file('$DLIB/' || f)) d
	  WHERE f LIKE '%.jpg' ORDER BY f, d.face) TO STDOUT WITH (FORMAT csv);
SQL
done

[ -z "$LFW_CONFIGS" ] && exit 0
psql <<SQL
CREATE TABLE lfw AS
SELECT d || '/' || f AS file, pg_read_binary_file('$LFW/' || d || '/' || f) AS img
FROM pg_ls_dir('$LFW') d, pg_ls_dir('$LFW/' || d) f ORDER BY 1 LIMIT $LFW_LIMIT;
SQL
echo "== LFW: $(psql -At -c 'SELECT count(*) FROM lfw') photos"
IFS='|' read -ra configs <<<"$LFW_CONFIGS"
for config in "${configs[@]}"; do
	label=${config%%:*}
	for s in $LFW_SCORES; do
		psql -At <<SQL
${config#*:}
SELECT format('$label: LFW photos without a face at min_score $s: %s of %s',
	count(*) FILTER (WHERE NOT EXISTS (SELECT FROM face_detect(img, $s))), count(*))
FROM lfw;
SQL
	done
done
