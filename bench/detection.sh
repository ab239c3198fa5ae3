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
#    (default "0.5"); LFW_LIMIT=N looks at the first N photos only;
# 3. the second check's score (face_verify_score) of every box the SSD
#    finds with the check off, per set of photos (dogs.jpg, the rest of the
#    dlib set, named-people, misc, LFW dev): lowest, 1st percentile, median,
#    how many fall below facerec.verify_min_score, and the lowest ten.
#    VERIFY_SCORES=0 skips it.
set -euo pipefail
source "$(dirname "$0")/../tools/setup.sh"
cd "$FACEREC_TOP"
DLIB=$FACEREC_DATA/faces/dlib-detection
LFW=$FACEREC_DATA/lfw-dev/images
ssd_exact="SSD as face-api (float, second look and check off):SET facerec.second_look = off; SET facerec.verify_faces = off; SET facerec.nn_precision = float;"
ssd="SSD + second look + second check (default):"
unchecked="SSD + second look, no second check:SET facerec.verify_faces = off;"
tiny="tiny detector:SET facerec.detector = tiny;"
tiny_lm="SSD + second look, tiny landmarks:SET facerec.landmarks = tiny;"
refined="SSD + second look, 1 refinement pass:SET facerec.refine_landmarks = 1;"
CONFIGS=${CONFIGS:-"$ssd_exact|$ssd|$unchecked|$tiny|$tiny_lm|$refined"}
LFW_CONFIGS=${LFW_CONFIGS:-"$ssd_exact|$ssd|$unchecked|$tiny"}
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

[ "${VERIFY_SCORES:-1}" = 0 ] && exit 0
echo "== the second check's scores of the SSD's boxes (default settings, the check off)"
FACES=$FACEREC_DATA/faces
psql -q <<SQL
SET facerec.verify_faces = off;
CREATE TABLE photos AS
SELECT CASE WHEN f = 'dogs.jpg' THEN 'dogs.jpg' ELSE 'dlib set, other photos' END AS set,
	f AS file, pg_read_binary_file('$DLIB/' || f) AS img
FROM pg_ls_dir('$DLIB') f WHERE f LIKE '%.jpg'
UNION ALL
SELECT 'named-people train', p || '/' || f, pg_read_binary_file('$FACES/named-people/train/' || p || '/' || f)
FROM pg_ls_dir('$FACES/named-people/train') p, pg_ls_dir('$FACES/named-people/train/' || p) f
UNION ALL
SELECT 'named-people test', f, pg_read_binary_file('$FACES/named-people/test/' || f)
FROM pg_ls_dir('$FACES/named-people/test') f
UNION ALL
SELECT 'misc', f, pg_read_binary_file('$FACES/misc/' || f)
FROM pg_ls_dir('$FACES/misc') f WHERE f ~ '\.(jpg|png)$'
UNION ALL
SELECT 'LFW dev', file, img FROM lfw;
CREATE TABLE checked AS
SELECT p.set, p.file, d.face, round(d.width) AS width,
	face_verify_score(p.img, box(point(d.x, d.y), point(d.x + d.width, d.y + d.height))) AS score
FROM photos p, face_detect(p.img) d;
SQL
psql <<'SQL'
LOAD 'facerec';
SELECT set, count(*) AS boxes, round(min(score)::numeric, 2) AS lowest,
	round(percentile_cont(0.01) WITHIN GROUP (ORDER BY score)::numeric, 2) AS "1st percentile",
	round(percentile_cont(0.5) WITHIN GROUP (ORDER BY score)::numeric, 2) AS median,
	count(*) FILTER (WHERE score < current_setting('facerec.verify_min_score')::real) AS below_minimum
FROM checked GROUP BY set ORDER BY min(score);
SELECT set, file, face, width, round(score::numeric, 2) AS score
FROM checked ORDER BY score LIMIT 10;
SQL
