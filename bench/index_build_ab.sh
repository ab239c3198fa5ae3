#!/usr/bin/env bash
# index_build_ab.sh: face_graph build time of the working tree against an
# earlier revision, in one cluster, the builds alternated, so that all see
# the same machine load.
#
#   bench/index_build_ab.sh BASE_REV [N]      (default N = 100000)
#
# Builds BASE_REV (git archive into a temp dir) and the working tree, loads
# N facegen rows once, then runs ROUNDS rounds (default 3) of three
# CREATE INDEX: the base library and the working tree's with
# max_parallel_maintenance_workers = BENCH_BUILD_WORKERS (default 1: leader
# + 1 worker, the issue's two processes), and the working tree's with 0
# (serial).  Only facerec.so is swapped (a new connection loads the
# installed file): both revisions must share the extension's SQL and the
# index format.  Prints the wall seconds per round, the medians and their
# ratios, and the load average (the machine may be shared).
# Environment: PG_CONFIG, FACEREC_BENCH_DATA (a facegen output directory),
# ROUNDS, BENCH_BUILD_WORKERS, BENCH_MWM (maintenance_work_mem, default 2GB).
set -euo pipefail
BASE=${1:?usage: index_build_ab.sh BASE_REV [N]}
N=${2:-100000}
ROUNDS=${ROUNDS:-3}
W=${BENCH_BUILD_WORKERS:-1}
source "$(dirname "$0")/../tools/setup.sh"
source "$(dirname "$0")/ab_lib.sh"
BIN=$("$PG_CONFIG" --bindir)

ab_prepare "$BASE" "$N"
cleanup() { use_lib new; stop_cluster; rm -rf "$WORK"; }

FACEREC_SERVER_OPTS="-c shared_buffers=${BENCH_SHARED_BUFFERS:-2GB} \
 -c max_wal_size=20GB -c maintenance_work_mem=${BENCH_MWM:-2GB} -c checkpoint_timeout=1h" start_cluster
trap cleanup EXIT
psql() { as_cluster_user "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -c "CREATE EXTENSION facerec" -c "
	CREATE TABLE faces (id int PRIMARY KEY, e face_embedding(128));
	COPY faces FROM '$DATA/base.tsv';" -c "VACUUM ANALYZE faces" -c "CHECKPOINT"

# one build with one library and a number of workers: its wall seconds
run() {
	local t0 t1
	use_lib "$1"
	psql -c "SET client_min_messages = warning" -c "DROP INDEX IF EXISTS faces_l2" -c "CHECKPOINT"
	t0=$(date +%s.%N)
	psql -c "SET max_parallel_maintenance_workers = $2" \
		-c "CREATE INDEX faces_l2 ON faces USING face_graph (e)"
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "| round | $BASE, max workers $W | working tree, max workers $W | working tree, serial | load |"
echo "| --- | --- | --- | --- | --- |"
: >"$WORK/base.t"
: >"$WORK/par.t"
: >"$WORK/ser.t"
for r in $(seq "$ROUNDS"); do
	b=$(run base "$W")
	p=$(run new "$W")
	s=$(run new 0)
	echo "$b" >>"$WORK/base.t"
	echo "$p" >>"$WORK/par.t"
	echo "$s" >>"$WORK/ser.t"
	printf '| %d | %.1f s | %.1f s | %.1f s | %s |\n' "$r" "$b" "$p" "$s" "$(cut -d' ' -f1-3 /proc/loadavg)"
done
MB=$(median <"$WORK/base.t")
MP=$(median <"$WORK/par.t")
MS=$(median <"$WORK/ser.t")
printf '| median | %.1f s | %.1f s | %.1f s | |\n' "$MB" "$MP" "$MS"
echo
echo "$N rows: working tree with max workers $W / $BASE = $(echo "scale=2; $MP / $MB" | bc)x the time;" \
	"serial / $BASE = $(echo "scale=2; $MS / $MB" | bc)x;" \
	"check: $(psql -Atc "SELECT count(*) FROM facerec_index_check('faces_l2')") problems"
