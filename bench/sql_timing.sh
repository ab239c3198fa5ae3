# sql_timing.sh: timing SQL calls inside one backend, for the bench/ scripts
# (sourced after tools/setup.sh and start_cluster).
#
# psql              psql on the throwaway cluster, as the cluster user
# time_calls LABEL SETUP CALL [WARMUP]
#                   median and min ms of `PERFORM CALL`, $RUNS times after
#                   WARMUP (default 2) untimed calls, in one backend; SETUP
#                   declares the PL/pgSQL variables CALL uses
psql() { as_cluster_user "$("$PG_CONFIG" --bindir)/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

time_calls() {
	local warmup=${4:-2}
	psql -At <<SQL
CREATE TEMP TABLE t (ms float8);
DO \$\$
DECLARE $2 t0 timestamptz;
BEGIN
	FOR i IN 1..$RUNS + $warmup LOOP
		t0 := clock_timestamp();
		PERFORM $3;
		IF i > $warmup THEN
			INSERT INTO t VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
		END IF;
	END LOOP;
END \$\$;
SELECT format('$1: median %s ms, min %s ms',
	round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
	round(min(ms)::numeric, 3)) FROM t;
SQL
}
