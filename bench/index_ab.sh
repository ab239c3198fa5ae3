#!/usr/bin/env bash
# index_ab.sh: face_graph queries/s (or single-row inserts/s) of the
# working tree against an earlier revision, on one index in one cluster, the
# two builds alternated, so that both see the same machine load.
#
#   bench/index_ab.sh BASE_REV [N]      (default N = 100000)
#   AB_WORKLOAD=insert bench/index_ab.sh BASE_REV [N]
#
# Builds BASE_REV (git archive into a temp dir) and the working tree, builds
# the index once with the working tree, then runs ROUNDS rounds (default 3)
# of: 1,500 pgbench queries (one client, as in index_bench.sh) with the base
# library, then with the working tree's; with AB_WORKLOAD=insert, 500
# single-row autocommit inserts instead (index_bench.sh's insert statement,
# rows from the facegen insert pool) into the same growing index.  Only
# facerec.so is swapped (a new connection loads the installed file): both
# revisions must share the extension's SQL and the index format.  Prints
# statements/s (queries or rows) per round, the
# medians and their ratio, and the backend's CPU milliseconds per statement
# (from /proc/<pid>/stat), which the load of a shared machine disturbs less.
# Environment: PG_CONFIG, FACEREC_BENCH_DATA (a facegen output directory),
# FACEREC_BENCH_EF (ef_search, default 150), ROUNDS, AB_WORKLOAD (query or
# insert), AB_SNAPSHOT (a directory: when it does not exist, the cluster is
# kept there, stopped, once loaded and indexed; when it does, a copy of it is
# used instead of loading and building again: a 1M index takes 8 minutes,
# an insert A/B on it 2).
set -euo pipefail
BASE=${1:?usage: index_ab.sh BASE_REV [N]}
N=${2:-100000}
EF=${FACEREC_BENCH_EF:-150}
ROUNDS=${ROUNDS:-3}
WORKLOAD=${AB_WORKLOAD:-query}
source "$(dirname "$0")/../tools/setup.sh"
BIN=$("$PG_CONFIG" --bindir)

source "$(dirname "$0")/ab_lib.sh"
source "$(dirname "$0")/index_lib.sh"
ab_prepare "$BASE" "$N"
cleanup() { use_lib new; stop_cluster; rm -rf "$WORK"; }

FACEREC_SERVER_OPTS="-c shared_buffers=${BENCH_SHARED_BUFFERS:-2GB} \
 -c max_wal_size=20GB -c maintenance_work_mem=${BENCH_MWM:-2GB}"
export FACEREC_SERVER_OPTS
start_cluster
trap cleanup EXIT
# copy the cluster's data directory from $1 to $2 while the server is down
copy_data() {
	as_cluster_user "$BIN/pg_ctl" -D "$FACEREC_CLUSTER/data" -w stop >/dev/null
	rm -rf "$2"
	cp -a "$1" "$2"
	as_cluster_user "$BIN/pg_ctl" -D "$FACEREC_CLUSTER/data" -l "$FACEREC_CLUSTER/log" \
		-o "-p $PGPORT -k $FACEREC_CLUSTER -c listen_addresses='' $FACEREC_SERVER_OPTS" -w start >/dev/null
}
if [ -n "${AB_SNAPSHOT:-}" ] && [ -d "$AB_SNAPSHOT" ]; then
	echo "== data and index from $AB_SNAPSHOT"
	copy_data "$AB_SNAPSHOT" "$FACEREC_CLUSTER/data"
	psql -c "CHECKPOINT"
else
psql -c "CREATE EXTENSION facerec" -c "
	CREATE TABLE faces (id int PRIMARY KEY, e face_embedding(128));
	COPY faces FROM '$DATA/base.tsv';
	CREATE TABLE queries (qid int PRIMARY KEY, seen bool, e face_embedding(128));
	COPY queries FROM '$DATA/queries.tsv';
	CREATE TABLE pool (id int PRIMARY KEY, e face_embedding(128));
	COPY pool FROM '$DATA/inserts.tsv';" \
	-c "CREATE INDEX faces_l2 ON faces USING face_graph (e)" \
	-c "VACUUM ANALYZE faces" -c "VACUUM ANALYZE queries" -c "CHECKPOINT"
	if [ -n "${AB_SNAPSHOT:-}" ]; then
		copy_data "$FACEREC_CLUSTER/data" "$AB_SNAPSHOT"
	fi
fi
NQ=$(psql -Atc "SELECT count(*) FROM queries")
cat > "$FACEREC_CLUSTER/q.sql" <<SQL
\\set q random(1, $NQ)
SELECT id FROM faces ORDER BY e <-> (SELECT e FROM queries WHERE qid = :q) LIMIT 10;
SQL
cat > "$FACEREC_CLUSTER/insert.sql" <<SQL
\\set r random(1, 20000)
INSERT INTO faces SELECT id + 10000000 * :client_id + 1000000 * (random() * 9)::int, e FROM pool WHERE id = $N + :r ON CONFLICT DO NOTHING;
SQL
chmod a+r "$FACEREC_CLUSTER/q.sql" "$FACEREC_CLUSTER/insert.sql"
case $WORKLOAD in
	query) SCRIPT=q.sql COUNT=1500 UNIT="queries/s" ;;
	insert) SCRIPT=insert.sql COUNT=500 UNIT="rows/s" ;;
	*) echo "AB_WORKLOAD must be query or insert" >&2; exit 1 ;;
esac

# one round with one library: "tps cpu_ms"
run() {
	use_lib "$1"
	PGOPTIONS="-c facerec.ef_search=$EF" tps_cpu -t "$COUNT" -f "$FACEREC_CLUSTER/$SCRIPT"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "| round | $BASE $UNIT | working tree $UNIT | $BASE CPU ms each | working tree CPU ms each | load |"
echo "| --- | --- | --- | --- | --- | --- |"
: >"$WORK/base.tps"
: >"$WORK/new.tps"
for r in $(seq "$ROUNDS"); do
	read -r bt bcpu <<<"$(run base)"
	read -r nt ncpu <<<"$(run new)"
	echo "$bt" >>"$WORK/base.tps"
	echo "$nt" >>"$WORK/new.tps"
	printf '| %d | %.0f | %.0f | %s | %s | %s |\n' "$r" "$bt" "$nt" "$bcpu" "$ncpu" "$(cut -d' ' -f1 /proc/loadavg)"
done
MB=$(median <"$WORK/base.tps")
MN=$(median <"$WORK/new.tps")
printf '| median | %.0f | %.0f | | | |\n' "$MB" "$MN"
echo
echo "$WORKLOAD, ef_search $EF, $N rows: working tree / $BASE = $(echo "scale=2; $MN / $MB" | bc)x $UNIT"
