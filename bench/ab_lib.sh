# ab_lib.sh: shared steps of the A/B benchmarks that swap facerec.so between
# an earlier revision and the working tree (sourced, after tools/setup.sh).
#
# ab_prepare BASE N   temp dir WORK, facegen data DATA (FACEREC_BENCH_DATA or
#                     N fresh rows), WORK/base.so built from BASE (git archive),
#                     the working tree built, installed and kept as WORK/new.so
# use_lib base|new    install that library (a new connection loads it)

ab_prepare() {
	local base=$1 n=$2
	WORK=$(mktemp -d /tmp/facerec-ab.XXXXXX)
	DATA=${FACEREC_BENCH_DATA:-}
	if [ -z "$DATA" ]; then
		DATA=$WORK/data
		echo "== facegen --n $n into $DATA"
		/usr/bin/python3 "$FACEREC_TOP/../shared/tools/facegen.py" --n "$n" --out "$DATA" >/dev/null
	fi
	chmod -R a+rX "$DATA"
	echo "== build $base"
	mkdir "$WORK/base"
	git -C "$FACEREC_TOP" archive "$base" | tar -x -C "$WORK/base"
	make -C "$WORK/base" -s -j2 PG_CONFIG="$PG_CONFIG"
	cp "$WORK/base/facerec.so" "$WORK/base.so"
	build_install
	cp "$FACEREC_TOP/facerec.so" "$WORK/new.so"
	export WORK DATA
}

# install(1) replaces the file (new inode): running backends keep theirs
use_lib() { as_root install -m 755 "$WORK/$1.so" "$("$PG_CONFIG" --pkglibdir)/facerec.so"; }
