#!/usr/bin/env bash
# index_bench.sh: face_graph figures on facegen data, in one run, against an
# exact sequential scan measured in the same run.
#
#   bench/index_bench.sh [N]          (default N = 100000)
#
# Prints build time, index size, single-row insert rate (with and without the
# index), and recall@10 / match recall / queries per second for a sweep of
# facerec.ef_search, plus the exact sequential scan, as a markdown table.
# Inserts: 2,000 single-row autocommit statements per run, each run after
# a CHECKPOINT so that each pays the same full-page images: into the graph
# (the default), then with fastupdate = on (the pending list; an insert that
# takes it past facerec.pending_list_limit merges it), also counted with the
# merge of what that run left pending (facerec_index_flush), then into a
# table without the index.
# Queries per second: pgbench, one client, one query per statement (client
# round trip included), 2,000 queries (200 for the sequential scan).
# Environment: PG_CONFIG (your PostgreSQL), FACEREC_BENCH_DATA (reuse a
# facegen output directory), FACEREC_BENCH_EF (the sweep), BENCH_SHARED_BUFFERS,
# BENCH_BUILD_WORKERS (max_parallel_maintenance_workers, default 1: two
# processes build, leader and worker, as in the issue's pgvector figure; a
# graph that fits in maintenance_work_mem, 2GB here, is built in memory, and
# the table says whether it spilled), BENCH_MWM (maintenance_work_mem).
# Timings on a shared machine are noisy: the load average is printed too.
set -euo pipefail
N=${1:-100000}
EFS=${FACEREC_BENCH_EF:-"40 64 100 150 200 300 400"}
source "$(dirname "$0")/../tools/setup.sh"
BIN=$("$PG_CONFIG" --bindir)

DATA=${FACEREC_BENCH_DATA:-}
if [ -z "$DATA" ]; then
	DATA=$(mktemp -d /tmp/facerec-bench-data.XXXXXX)
	echo "== facegen --n $N into $DATA"
	/usr/bin/python3 "$FACEREC_TOP/../shared/tools/facegen.py" --n "$N" --out "$DATA" >/dev/null
fi
chmod -R a+rX "$DATA"

build_install
FACEREC_SERVER_OPTS="-c shared_buffers=${BENCH_SHARED_BUFFERS:-2GB} \
 -c max_wal_size=20GB -c maintenance_work_mem=${BENCH_MWM:-2GB} -c checkpoint_timeout=1h -c max_parallel_maintenance_workers=${BENCH_BUILD_WORKERS:-1}" start_cluster
psql() { as_cluster_user "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
pgbench() { as_cluster_user "$BIN/pgbench" "$@"; }
secs() { date +%s.%N; }

psql -c "CREATE EXTENSION facerec" -c "
	CREATE TABLE faces (id int PRIMARY KEY, e face_embedding(128));
	COPY faces FROM '$DATA/base.tsv';
	CREATE TABLE queries (qid int PRIMARY KEY, seen bool, e face_embedding(128));
	COPY queries FROM '$DATA/queries.tsv';
	CREATE TABLE gt (qid int, ids int[]);
	COPY gt FROM '$DATA/gt.tsv';
	CREATE TABLE pool (id int PRIMARY KEY, e face_embedding(128));
	COPY pool FROM '$DATA/inserts.tsv';
	CREATE TABLE plain (id int PRIMARY KEY, e face_embedding(128));" \
	-c "VACUUM ANALYZE faces" -c "VACUUM ANALYZE queries" -c "CHECKPOINT"
NQ=$(psql -Atc "SELECT count(*) FROM queries")

echo "== build ($N rows)"
t0=$(secs)
SPILL=$(psql -c "CREATE INDEX faces_l2 ON faces USING face_graph (e)" 2>&1 |
	sed -n 's/.*no longer fits into maintenance_work_mem after \([0-9]*\) rows.*/spilled to pages after \1 rows/p')
t1=$(secs)
BUILD=$(echo "$t1 - $t0" | bc)
SIZE=$(psql -Atc "SELECT pg_relation_size('faces_l2')")
psql -c "VACUUM ANALYZE faces" -c "CHECKPOINT"

# true neighbours closer than the match threshold, per query
psql -c "CREATE TABLE matches AS SELECT g.qid, t.id FROM gt g JOIN queries q USING (qid),
	unnest(g.ids) t(id) JOIN faces f ON f.id = t.id WHERE (f.e <-> q.e) < 0.6"

cat > "$FACEREC_CLUSTER/q.sql" <<SQL
\set q random(1, $NQ)
SELECT id FROM faces ORDER BY e <-> (SELECT e FROM queries WHERE qid = :q) LIMIT 10;
SQL
cat > "$FACEREC_CLUSTER/ins_idx.sql" <<SQL
\set r random(1, 20000)
INSERT INTO faces SELECT id + 10000000 * :client_id + 1000000 * (random() * 9)::int, e FROM pool WHERE id = $N + :r ON CONFLICT DO NOTHING;
SQL
sed 's/INSERT INTO faces/INSERT INTO plain/' "$FACEREC_CLUSTER/ins_idx.sql" > "$FACEREC_CLUSTER/ins_plain.sql"
chmod a+r "$FACEREC_CLUSTER"/*.sql
tps() { printf '%.0f' "$(pgbench -n -c 1 "$@" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')"; }

# the library defines its settings when it loads: a face_embedding loads it
DEFAULT_EF=$(psql -Atc "SELECT '[0]'::face_embedding IS NULL" -c "SHOW facerec.ef_search" | tail -1)
echo "| search | recall@10 | match recall | queries/s |"
echo "| --- | --- | --- | --- |"
for ef in $EFS; do
	psql -c "SET facerec.ef_search = $ef" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS res" -c "
		CREATE TABLE res AS SELECT qid, ARRAY(SELECT id FROM faces ORDER BY e <-> q.e LIMIT 10) ids FROM queries q"
	R=$(psql -Atc "SELECT round(avg((SELECT count(*) FROM unnest(g.ids) i WHERE i = ANY(r.ids)) / 10.0), 3)
		FROM gt g JOIN res r USING (qid)")
	M=$(psql -Atc "SELECT round(avg((m.id = ANY(r.ids))::int), 3) FROM matches m JOIN res r USING (qid)")
	Q=$(PGOPTIONS="-c facerec.ef_search=$ef" tps -t 2000 -f "$FACEREC_CLUSTER/q.sql")
	DEF=$([ "$ef" = "$DEFAULT_EF" ] && echo " (default)" || true)
	echo "| face_graph ef_search $ef$DEF | $R | $M | $Q |"
done
QS=$(PGOPTIONS="-c enable_indexscan=off" tps -t 200 -f "$FACEREC_CLUSTER/q.sql")
echo "| exact seq scan | 1.000 | 1.000 | $QS |"

psql -c "CHECKPOINT"
INS=$(tps -t 2000 -f "$FACEREC_CLUSTER/ins_idx.sql")
psql -c "ALTER INDEX faces_l2 SET (fastupdate = on)" -c "CHECKPOINT"
t0=$(secs)
INS_PENDING=$(tps -t 2000 -f "$FACEREC_CLUSTER/ins_idx.sql")
t1=$(secs)
LEFT=$(psql -Atc "SELECT facerec_index_flush('faces_l2')")
t2=$(secs)
INS_MERGED=$(echo "2000 / ($t2 - $t0)" | bc)
FLUSH=$(printf '%.1f' "$(echo "$t2 - $t1" | bc)")
psql -c "ALTER INDEX faces_l2 RESET (fastupdate)" -c "CHECKPOINT"
PLAIN=$(tps -t 2000 -f "$FACEREC_CLUSTER/ins_plain.sql")
echo
echo "| figure | value |"
echo "| --- | --- |"
echo "| rows | $N |"
echo "| build (${SPILL:-in memory}; max_parallel_maintenance_workers ${BENCH_BUILD_WORKERS:-1}) | ${BUILD%.*}.$(echo "$BUILD" | cut -d. -f2 | cut -c1) s |"
echo "| index size | $((SIZE / 1048576)) MB ($((SIZE / N)) B per face) |"
echo "| single-row inserts, indexed table | $INS rows/s |"
echo "| the same with fastupdate = on (pending list) | $INS_PENDING rows/s |"
echo "| fastupdate = on, counting the merge of the $LEFT rows left pending ($FLUSH s) | $INS_MERGED rows/s |"
echo "| single-row inserts, no index | $PLAIN rows/s |"
echo "| check | $(psql -Atc "SELECT count(*) FROM facerec_index_check('faces_l2')") problems |"
echo "| load average (shared machine) | $(cut -d' ' -f1-3 /proc/loadavg) |"
echo "| kernels | $(psql -Atc 'SELECT facerec_distance_isa()') |"
