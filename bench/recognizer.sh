#!/bin/bash
# recognizer.sh: figures for the recognition network (printed, never
# asserted).  Run from the top of the tree after `make install`:
#   PG_CONFIG=... bench/recognizer.sh          (RUNS=500 by default)
# 1. the network alone (bench/bin/recognizer_bench, no server): median ms per
#    descriptor on one thread, GFLOP/s, the OpenBLAS kernel in use;
# 2. the reference (face-api on tfjs wasm, one thread) by the same input,
#    when Node and tools/reference/node_modules are there;
# 3. through SQL: face_chip_embedding(rgb, w, h) median per call, the first
#    call in a new backend (library load + weight mapping included), backend
#    RSS before and after 10,000 calls;
# 4. accuracy on ../shared/data/faces/dlib-aligned-chips (5 people x 11
#    chips, decoded by the image layer): fraction of all pairs classified
#    right at distance 0.6 (sql/face_chip_image.sql checks the same figure).
set -euo pipefail
source "$(dirname "$0")/../tools/setup.sh"
cd "$FACEREC_TOP"
RUNS=${RUNS:-500}
CALLS=${CALLS:-10000}
fixture=tools/reference/fixtures/salley.150x150.rgb
weights=models/face_recognition_model.frw

make -s -C bench
echo "== network alone, one thread"
bench/bin/recognizer_bench "$weights" "$RUNS" "$fixture"
standalone_ms=$(bench/bin/recognizer_bench "$weights" "$RUNS" "$fixture" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
echo "   (second run: median $standalone_ms ms)"

echo "== reference"
if command -v node >/dev/null && [ -d tools/reference/node_modules ]; then
	ref=$(cd tools/reference && node descriptors.js --bench "$((RUNS / 5))" "fixtures/$(basename "$fixture")")
	echo "$ref"
	ref_ms=$(echo "$ref" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
	awk -v r="$ref_ms" -v o="$standalone_ms" \
		'BEGIN { printf "   ours is %.1fx faster (reference %.1f GFLOP/s)\n", r / o, 0.5418 / r * 1e3 }'
else
	echo "   skipped: no node or no tools/reference/node_modules (cd tools/reference && npm ci)"
fi

start_cluster
source "$FACEREC_TOP/bench/sql_timing.sh"
psql -c "CREATE EXTENSION facerec"
fixture_abs=$FACEREC_TOP/$fixture

echo "== through SQL (one backend, $RUNS calls)"
time_calls 'face_chip_embedding(rgb, 150, 150)' "img bytea := pg_read_binary_file('$fixture_abs');" \
	'face_chip_embedding(img, 150, 150)' 10
time_calls 'face_chip_embedding(jpeg 150x150, decode included)' \
	"img bytea := pg_read_binary_file('$FACEREC_DATA/faces/dlib-aligned-chips/John_Salley/000179_02159509.jpg');" \
	'face_chip_embedding(img)' 10

echo "== first call in a new backend (5 backends)"
for i in 1 2 3 4 5; do
	psql -At <<SQL
DO \$\$
DECLARE rgb bytea := pg_read_binary_file('$fixture_abs'); t0 timestamptz := clock_timestamp();
BEGIN
	PERFORM face_chip_embedding(rgb, 150, 150);
	RAISE NOTICE 'first call: % ms', round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1);
END \$\$;
SQL
done 2>&1 | sed 's/^NOTICE:  /   /'

echo "== backend memory over $CALLS calls"
psql -At <<SQL
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS
\$\$ SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmRSS:\s+(\d+)'))[1]::bigint \$\$;
CREATE TEMP TABLE rss (at int, kb bigint);
DO \$\$
DECLARE rgb bytea := pg_read_binary_file('$fixture_abs');
BEGIN
	PERFORM face_chip_embedding(rgb, 150, 150) FROM generate_series(1, 100);
	INSERT INTO rss VALUES (100, pg_temp.rss_kb());
	FOR i IN 1..$CALLS LOOP
		PERFORM face_chip_embedding(rgb, 150, 150);
		IF i % 2500 = 0 THEN INSERT INTO rss VALUES (100 + i, pg_temp.rss_kb()); END IF;
	END LOOP;
END \$\$;
SELECT format('   RSS after %s calls: %s kB', at, kb) FROM rss ORDER BY at;
SQL

echo "== accuracy on dlib-aligned-chips (decoded by the image layer), threshold 0.6"
chips=$FACEREC_DATA/faces/dlib-aligned-chips/
psql -At <<SQL
CREATE TEMP TABLE chip AS
SELECT person, face_chip_embedding(pg_read_binary_file('$chips' || person || '/' || file)) AS e
FROM pg_ls_dir('$chips') AS person, LATERAL pg_ls_dir('$chips' || person) AS file
WHERE person LIKE 'John_%' AND file LIKE '%.jpg';
SELECT format('   %s chips of %s people; %s of %s pairs right = %s (same person: %s of %s below 0.6, different: %s of %s at or above)',
	(SELECT count(*) FROM chip), (SELECT count(DISTINCT person) FROM chip),
	sum(ok::int), count(*), round(avg(ok::int), 4),
	sum(ok::int) FILTER (WHERE same), count(*) FILTER (WHERE same),
	sum(ok::int) FILTER (WHERE NOT same), count(*) FILTER (WHERE NOT same))
FROM (SELECT a.person = b.person AS same,
		(a.person = b.person) = (a.e <-> b.e < 0.6) AS ok
	  FROM chip a JOIN chip b ON a.ctid < b.ctid) p;
SQL
