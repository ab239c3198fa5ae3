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
source "$(dirname "$0")/index_lib.sh"
bench_data "$N"

build_install
bench_cluster
psql -c "CREATE EXTENSION facerec"
bench_tables "" "face_embedding(128)"
bench_truth
psql -c "CHECKPOINT"

echo "== build ($N rows)"
bench_build "CREATE INDEX faces_l2 ON faces USING face_graph (e)"
SIZE=$(psql -Atc "SELECT pg_relation_size('faces_l2')")
psql -c "VACUUM ANALYZE faces" -c "CHECKPOINT"
bench_scripts "" "$N"

# the library defines its settings when it loads: a face_embedding loads it
DEFAULT_EF=$(psql -Atc "SELECT '[0]'::face_embedding IS NULL" -c "SHOW facerec.ef_search" | tail -1)
echo "| search | recall@10 | match recall | queries/s |"
echo "| --- | --- | --- | --- |"
for ef in $EFS; do
	DEF=$([ "$ef" = "$DEFAULT_EF" ] && echo " (default)" || true)
	sweep_row "face_graph ef_search $ef$DEF" "" facerec.ef_search "$ef"
done
QS=$(PGOPTIONS="-c enable_indexscan=off" tps -t 200 -f "$FACEREC_CLUSTER/q.sql")
echo "| exact seq scan | 1.000 | 1.000 | $QS |"

psql -c "CHECKPOINT"
INS=$(tps -t 2000 -f "$FACEREC_CLUSTER/ins.sql")
psql -c "ALTER INDEX faces_l2 SET (fastupdate = on)" -c "CHECKPOINT"
t0=$(secs)
INS_PENDING=$(tps -t 2000 -f "$FACEREC_CLUSTER/ins.sql")
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
