# index_lib.sh: shared steps of bench/index_bench.sh and
# bench/pgvector_bench.sh, and tps_cpu for bench/index_ab.sh (sourced, after
# tools/setup.sh).
#
# bench_data N        DATA: FACEREC_BENCH_DATA, else N fresh facegen rows
# bench_cluster       start_cluster with the benchmarks' server settings
#                     (BENCH_SHARED_BUFFERS, BENCH_MWM, BENCH_BUILD_WORKERS)
#                     and psql, pgbench, secs, tps for the run
# bench_tables P TYPE tables Pfaces, Pqueries, Ppool (DATA's base, queries
#                     and insert rows, embeddings of TYPE) and Pplain (no
#                     index, for the insert rate without it)
# bench_truth         tables gt (the exact top 10) and matches (its rows
#                     closer than the match threshold 0.6), after
#                     bench_tables "" face_embedding(128)
# bench_scripts P N   pgbench scripts in the cluster's dir: Pq.sql (one
#                     query), Pins.sql and Pins_plain.sql (one single-row
#                     insert into Pfaces, Pplain from Ppool; N base rows)
# bench_build SQL     runs SQL (a CREATE INDEX); BUILD: its seconds, SPILL:
#                     "spilled to pages after N rows" when the build said so
# sweep_row LABEL P GUC VALUE
#                     a markdown row: recall@10, match recall and queries/s
#                     (2,000, pgbench, one client) of Pfaces with GUC = VALUE
# tps_cpu PGBENCH-ARGS
#                     "TPS CPU_MS": statements/s of one pgbench client and
#                     the CPU milliseconds (user + system) per statement of
#                     the backends it used; their time off the CPU (waiting
#                     for the WAL to reach the disk at commit, for the
#                     client) is about 1000 / TPS - CPU_MS

bench_data() {
	DATA=${FACEREC_BENCH_DATA:-}
	if [ -z "$DATA" ]; then
		DATA=$(mktemp -d /tmp/facerec-bench-data.XXXXXX)
		echo "== facegen --n $1 into $DATA"
		/usr/bin/python3 "$FACEREC_TOP/../shared/tools/facegen.py" --n "$1" --out "$DATA" >/dev/null
	fi
	chmod -R a+rX "$DATA"
}

bench_cluster() {
	BIN=$("$PG_CONFIG" --bindir)
	FACEREC_SERVER_OPTS="-c shared_buffers=${BENCH_SHARED_BUFFERS:-2GB} \
 -c max_wal_size=20GB -c maintenance_work_mem=${BENCH_MWM:-2GB} -c checkpoint_timeout=1h -c max_parallel_maintenance_workers=${BENCH_BUILD_WORKERS:-1}" start_cluster
}
psql() { as_cluster_user "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
pgbench() { as_cluster_user "$BIN/pgbench" "$@"; }
secs() { date +%s.%N; }
# statements per second of one pgbench client
tps() { printf '%.0f' "$(pgbench -n -c 1 "$@" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')"; }

# The backends are the postmaster's children serving this user and
# database (their process title) that were not there before pgbench started
# (a psql's backend may still be exiting): pgbench's own first connection,
# which only looks, and its client's.  Their /proc stat is read until they exit; the CPU time is the
# sum of their last readings.
tps_cpu() {
	local out bp n pm title before p t total=0
	local -A ticks=()
	out=$(mktemp)
	pm=$(head -1 "$FACEREC_CLUSTER/data/postmaster.pid")
	title="postgres: $(psql -Atc "SELECT current_user || ' ' || current_database()") "
	before=" $(pgrep -P "$pm" -f "$title" | tr '\n' ' ') "
	pgbench -n -c 1 "$@" >"$out" 2>&1 &
	bp=$!
	while kill -0 "$bp" 2>/dev/null; do
		for p in $(pgrep -P "$pm" -f "$title"); do
			if [[ $before != *" $p "* ]] && t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null); then
				ticks[$p]=$t
			fi
		done
		sleep 0.05
	done
	wait "$bp"
	# the backends outlive pgbench for a moment: their last ticks, and their
	# statistics (pg_stat_wal) flushed at exit
	for p in "${!ticks[@]}"; do
		while t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null); do
			ticks[$p]=$t
			sleep 0.02
		done
	done
	for t in "${ticks[@]}"; do
		total=$((total + t))
	done
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
	printf '%.0f %.2f\n' "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out")" \
		"$(echo "scale=4; $total * 1000 / $(getconf CLK_TCK) / $n" | bc)"
	rm -f "$out"
}

bench_tables() {
	local p=$1 type=$2
	psql -c "
	CREATE TABLE ${p}faces (id int PRIMARY KEY, e $type);
	COPY ${p}faces FROM '$DATA/base.tsv';
	CREATE TABLE ${p}queries (qid int PRIMARY KEY, seen bool, e $type);
	COPY ${p}queries FROM '$DATA/queries.tsv';
	CREATE TABLE ${p}pool (id int PRIMARY KEY, e $type);
	COPY ${p}pool FROM '$DATA/inserts.tsv';
	CREATE TABLE ${p}plain (id int PRIMARY KEY, e $type);" \
		-c "VACUUM ANALYZE ${p}faces" -c "VACUUM ANALYZE ${p}queries"
}

bench_truth() {
	psql -c "CREATE TABLE gt (qid int, ids int[])" -c "COPY gt FROM '$DATA/gt.tsv'" -c "
		CREATE TABLE matches AS SELECT g.qid, t.id FROM gt g JOIN queries q USING (qid),
		unnest(g.ids) t(id) JOIN faces f ON f.id = t.id WHERE (f.e <-> q.e) < 0.6"
}

bench_scripts() {
	local p=$1 n=$2 nq
	nq=$(psql -Atc "SELECT count(*) FROM ${p}queries")
	cat > "$FACEREC_CLUSTER/${p}q.sql" <<SQL
\set q random(1, $nq)
SELECT id FROM ${p}faces ORDER BY e <-> (SELECT e FROM ${p}queries WHERE qid = :q) LIMIT 10;
SQL
	cat > "$FACEREC_CLUSTER/${p}ins.sql" <<SQL
\set r random(1, 20000)
INSERT INTO ${p}faces SELECT id + 10000000 * :client_id + 1000000 * (random() * 9)::int, e FROM ${p}pool WHERE id = $n + :r ON CONFLICT DO NOTHING;
SQL
	sed "s/INSERT INTO ${p}faces/INSERT INTO ${p}plain/" "$FACEREC_CLUSTER/${p}ins.sql" > "$FACEREC_CLUSTER/${p}ins_plain.sql"
	chmod a+r "$FACEREC_CLUSTER"/*.sql
}

bench_build() {
	local t0 t1
	t0=$(secs)
	SPILL=$(psql -c "$1" 2>&1 |
		sed -n 's/.*no longer fits into maintenance_work_mem after \([0-9]*\) \(rows\|tuples\).*/spilled to pages after \1 rows/p')
	t1=$(secs)
	BUILD=$(echo "$t1 - $t0" | bc)
}

sweep_row() {
	local label=$1 p=$2 guc=$3 v=$4 r m q
	psql -c "SET $guc = $v" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS res" -c "
		CREATE TABLE res AS SELECT qid, ARRAY(SELECT id FROM ${p}faces ORDER BY e <-> q.e LIMIT 10) ids FROM ${p}queries q"
	r=$(psql -Atc "SELECT round(avg((SELECT count(*) FROM unnest(g.ids) i WHERE i = ANY(r.ids)) / 10.0), 3)
		FROM gt g JOIN res r USING (qid)")
	m=$(psql -Atc "SELECT round(avg((m.id = ANY(r.ids))::int), 3) FROM matches m JOIN res r USING (qid)")
	q=$(PGOPTIONS="-c $guc=$v" tps -t 2000 -f "$FACEREC_CLUSTER/${p}q.sql")
	echo "| $label | $r | $m | $q |"
}
