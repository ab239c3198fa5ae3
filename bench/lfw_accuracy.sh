#!/bin/bash
# lfw_accuracy.sh: LFW face verification, end to end from the JPEG bytes,
# for each way of cutting the descriptor's chip (printed, never asserted).
# Run from anywhere after `make install`:
#   PG_CONFIG=... bench/lfw_accuracy.sh      (WORKERS=1 parallel workers + the leader; RUNS=15)
#
# Data: ../shared/data/lfw-dev (folds 1-3 of LFW View 2: 1,800 pairs, 2,320
# photos, 250x250 deep-funneled JPEG).  The photos go into a table as bytea;
# every step is one parallel query over it (WORKERS workers and the leader).
# 1. End to end: face_embedding(photo) under the default settings (the
#    fast main-face path when facerec.fast_main_face is on), and with
#    the fast path off ("end to end, SSD only"); then under each of
#    E2E_VARIANTS ("end to end <variant>", variants as in 3.).
# 2. Detection: face_embeddings(photo) of every photo (the SSD with its
#    second look), whose main face is the one face_embedding(photo) takes
#    without the fast path (the largest box holding the picture's centre,
#    else the largest; the higher score on a tie): its box is kept.  The
#    first look alone is counted with facerec.second_look off on the
#    photos that the first look may miss.
# 3. Each variant: face_embedding(photo, main box) under facerec.alignment,
#    facerec.mirror_descriptor ("+mirror"), facerec.descriptor_jitter
#    ("+jN") and facerec.refine_landmarks ("+rN"): the landmarks
#    and the chip are redone, the detector is not (it does not depend on
#    the variant).
# 4. Standard protocol: for each fold, the distance threshold that
#    maximises accuracy on the other two folds, applied to that fold; mean
#    accuracy and standard deviation (population) over the three folds.  A
#    pair with a photo where no face was found counts as "different" (the
#    verdict an application gets).  "all folds" is the threshold that is best
#    on all 1,800 pairs: face_match's default comes from that line for the
#    "end to end" variant.
# 5. ERRORS=variant (e.g. ERRORS="end to end"): the pairs it gets wrong, with
#    each photo's detector score, box and landmark-fit residual
#    (bench/lfw_errors.py); ERRORS_PNG=dir also draws each pair there.
# 6. Cost: face_embedding(photo, box) in one backend for each variant, and
#    face_embedding(photo) end to end (decode, detector, landmarks, chip,
#    descriptor) under the defaults and each of E2E_VARIANTS, medians of
#    RUNS calls on one 250x250 photo; and on one
#    where only the second look finds the face (more detector passes).
set -euo pipefail
source "$(dirname "$0")/../tools/setup.sh"
cd "$FACEREC_TOP"
RUNS=${RUNS:-15}
WORKERS=${WORKERS:-1}
ERRORS=${ERRORS-}
E2E_VARIANTS=${E2E_VARIANTS-"dlib5+mirror"}
VARIANTS=${VARIANTS:-"face_api dlib68 dlib5 dlib5+r1 dlib5+mirror"}
lfw=$FACEREC_DATA/lfw-dev/

start_cluster
source "$FACEREC_TOP/bench/sql_timing.sh"
source "$FACEREC_TOP/bench/lfw_lib.sh"
psql -c "CREATE EXTENSION facerec"
parallel="SET max_parallel_workers_per_gather = $WORKERS; SET parallel_setup_cost = 0;
	SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
now() { date +%s.%N; }
# a variant's settings as -c options: the alignment, then "+mirror"
# (facerec.mirror_descriptor), "+jN" (facerec.descriptor_jitter = N) and
# "+rN" (facerec.refine_landmarks = N)
variant_options() {
	local parts opts
	IFS=+ read -ra parts <<<"$1"
	opts="-c facerec.alignment=${parts[0]}"
	for p in "${parts[@]:1}"; do
		case $p in
		mirror) opts+=" -c facerec.mirror_descriptor=on" ;;
		j[0-9]) opts+=" -c facerec.descriptor_jitter=${p#j}" ;;
		r[0-9]) opts+=" -c facerec.refine_landmarks=${p#r}" ;;
		*) echo "unknown variant part $p" >&2; exit 1 ;;
		esac
	done
	echo "$opts"
}

echo "== loading the photos of $lfw"
lfw_load "$lfw"
n=$(psql -At -c "SELECT count(*) FROM photo")

echo "== end to end: face_embedding(photo) ($WORKERS workers + leader)"
# end_to_end LABEL OPTIONS: every photo's face_embedding(photo) under the
# -c OPTIONS, as variant LABEL
end_to_end() {
	local t0 t1
	t0=$(now)
	PGOPTIONS="$2" psql <<SQL
$parallel
INSERT INTO embedding SELECT '$1', name, num, face_embedding(img) FROM photo;
SQL
	t1=$(now)
	echo "$1 ($2): $n photos in $(printf %.1f "$(echo "$t1 - $t0" | bc)") s"
}
end_to_end "end to end" "-c facerec.fast_main_face=on"
end_to_end "end to end, SSD only" "-c facerec.fast_main_face=off"
for v in $E2E_VARIANTS; do
	end_to_end "end to end $v" "$(variant_options "$v")"
done

echo "== detection (SSD, landmarks, chip, descriptor; $WORKERS workers + leader)"
t0=$(now)
psql <<SQL
$parallel
-- face_embeddings in the select list: a ProjectSet that runs in the
-- workers (a LATERAL join would run it above the Gather, in the leader)
CREATE TABLE face AS SELECT name, num, (f).* FROM (SELECT name, num, face_embeddings(img) AS f FROM photo) s;
CREATE TABLE main_face AS
SELECT DISTINCT ON (p.name, p.num) p.name, p.num,
	box(point(x, y), point(x + width, y + height)) AS b, f.embedding
FROM photo p LEFT JOIN face f USING (name, num)
ORDER BY p.name, p.num, $LFW_MAIN_FACE;
-- the photos whose face only the second look finds
SET facerec.second_look = off;
CREATE TABLE second_look_only AS
SELECT name, num FROM main_face m JOIN photo p USING (name, num)
WHERE NOT EXISTS (SELECT FROM face_detect(p.img));
RESET facerec.second_look;
UPDATE photo p SET main_box = m.b FROM main_face m WHERE (m.name, m.num) = (p.name, p.num);
SQL
t1=$(now)
psql -At <<SQL
SELECT format('%s photos in %s s (%s ms per photo on each of the %s processes)', $n,
	round(($t1 - $t0)::numeric, 1), round(($t1 - $t0) * 1000 * ($WORKERS + 1) / $n), $WORKERS + 1);
SELECT format('no face at score >= 0.5: %s of %s photos (%s%%) at the first look; with the second look: %s',
	(SELECT count(*) FROM second_look_only), count(*),
	round(100.0 * (SELECT count(*) FROM second_look_only) / count(*), 1),
	count(*) FILTER (WHERE b IS NULL))
FROM main_face;
SQL

for v in $VARIANTS; do
	t0=$(now)
	PGOPTIONS="$(variant_options "$v")" psql <<SQL
$parallel
INSERT INTO embedding
SELECT '$v', name, num, face_embedding(img, main_box) FROM photo WHERE main_box IS NOT NULL;
SQL
	t1=$(now)
	echo "variant $v: $n photos in $(printf %.1f "$(echo "$t1 - $t0" | bc)") s"
done
psql -At <<SQL
SELECT format('end to end, SSD only vs the box path under the defaults (variant $(psql -At -c "LOAD 'facerec'" -c "SHOW facerec.alignment")): largest distance %s',
	max(m.e <-> e.e))
FROM embedding m JOIN embedding e USING (name, num)
WHERE m.variant = 'end to end, SSD only' AND e.variant = '$(psql -At -c "LOAD 'facerec'" -c "SHOW facerec.alignment")';
SQL

echo "== accuracy (3 folds of 600 pairs; threshold from the other two folds)"
lfw_score
psql <<'SQL'
SELECT * FROM accuracy ORDER BY variant;

SELECT variant,
	round(t::numeric, 4) AS "best threshold, all folds",
	round(100 * train_acc::numeric, 2) AS "its accuracy",
	(SELECT round(100 * avg(((d < 0.6) = same)::int), 2) FROM dist x WHERE x.variant = th.variant)
		AS "accuracy at 0.6",
	(SELECT count(*) FROM dist x WHERE x.variant = th.variant AND d = 'Infinity') AS "pairs missing a face",
	(SELECT round(100 * avg(((d < th.t) = same)::int), 2) FROM dist x
	 WHERE x.variant = th.variant AND d < 'Infinity') AS "accuracy, pairs with both faces",
	(SELECT round(avg(d)::numeric, 3) FROM dist x WHERE x.variant = th.variant AND same AND d < 'Infinity')
		AS "same: mean distance",
	(SELECT round(avg(d)::numeric, 3) FROM dist x WHERE x.variant = th.variant AND NOT same AND d < 'Infinity')
		AS "different: mean distance"
FROM threshold th WHERE test_fold = 0 ORDER BY 1;
SQL

if [ -n "$ERRORS" ]; then
	echo "== the pairs that variant $ERRORS gets wrong (threshold of its fold, as above)"
	psql -At -v v="$ERRORS" -v png="${ERRORS_PNG:+1}" <<'SQL' |
COPY (
	SELECT x.i, x.fold, x.same, x.d, x.t, ph.name, ph.num,
		CASE WHEN s.name IS NULL THEN f.score END, f.width, f.height,
		(SELECT array_agg(c ORDER BY k) FROM face_detect(ph.img) d,
			LATERAL unnest(d.landmarks) WITH ORDINALITY AS l(pt, j),
			LATERAL (VALUES (2 * j - 1, pt[0]), (2 * j, pt[1])) AS v(k, c)
		 WHERE box(point(d.x, d.y), point(d.x + d.width, d.y + d.height)) ~= ph.main_box),
		i.width, i.height,
		CASE WHEN :'png' = '1' THEN translate(encode(image_rgb(ph.img), 'base64'), E'\n', '') END
	FROM verdict x JOIN pair p USING (i)
		CROSS JOIN LATERAL (VALUES (p.name_a, p.num_a), (p.name_b, p.num_b)) AS ab(name, num)
		JOIN photo ph ON (ph.name, ph.num) = (ab.name, ab.num)
		LEFT JOIN second_look_only s ON (s.name, s.num) = (ph.name, ph.num)
		LEFT JOIN face f ON (f.name, f.num) = (ph.name, ph.num) AND
			box(point(f.x, f.y), point(f.x + f.width, f.y + f.height)) ~= ph.main_box
		CROSS JOIN LATERAL image_info(ph.img) AS i
	WHERE x.variant = :'v' AND x.wrong
	ORDER BY x.i, ab.name, ab.num
) TO STDOUT WITH (FORMAT csv);
SQL
		/usr/bin/python3 bench/lfw_errors.py --top "$FACEREC_TOP" ${ERRORS_PNG:+--png "$ERRORS_PNG"}
fi

echo "== cost in one backend, one 250x250 photo ($RUNS calls, medians)"
# the first photo (by name) whose face the first detector pass finds
first="(SELECT p FROM photo p WHERE main_box IS NOT NULL AND (name, num) NOT IN
	(SELECT name, num FROM second_look_only) ORDER BY name, num LIMIT 1)"
one="img bytea := ($first).img; b box := ($first).main_box;"
for v in $VARIANTS; do
	PGOPTIONS="$(variant_options "$v")" \
		time_calls "face_embedding(photo, box), $v" "$one" 'face_embedding(img, b)'
done
time_calls "face_embedding(photo) end to end" "$one" 'face_embedding(img)'
for v in $E2E_VARIANTS; do
	PGOPTIONS="$(variant_options "$v")" \
		time_calls "face_embedding(photo) end to end, $v" "$one" 'face_embedding(img)'
done
PGOPTIONS="-c facerec.fast_main_face=off" \
	time_calls "face_embedding(photo) end to end, SSD only" "$one" 'face_embedding(img)'
time_calls "the same, a photo where only the second look finds the face" \
	"img bytea := (SELECT img FROM photo JOIN second_look_only USING (name, num) ORDER BY name, num LIMIT 1);" 'face_embedding(img)'
