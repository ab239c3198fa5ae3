# setup.sh: shared steps of tools/run-tests and tools/run-demo (sourced, not run).
#
# install_deps       Debian packages the build, the tests and the demo need
# build_install      make && make install (as root, or through sudo)
# as_cluster_user    run a command as a user PostgreSQL accepts (postgres when
#                    we are root), with the source tree writable for it
# start_cluster      initdb + start a throwaway server in a temp dir; sets
#                    PGHOST/PGPORT; stop_cluster removes it again
#
# PG_CONFIG selects the PostgreSQL installation (default: pg_config on PATH);
# FACEREC_SKIP_DEPS=1 skips the package check.
set -euo pipefail

FACEREC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FACEREC_DATA=$(cd "$FACEREC_TOP/../shared/data" 2>/dev/null && pwd || true)
PG_CONFIG=${PG_CONFIG:-pg_config}
export FACEREC_TOP FACEREC_DATA PG_CONFIG

FACEREC_PACKAGES=(
	make gcc clang libclang-rt-14-dev
	postgresql-15 postgresql-server-dev-15 postgresql-common libipc-run-perl
	libjpeg62-turbo-dev libpng-dev libwebp-dev libexif-dev
	libopenblas-dev libopenblas0-serial
	python3-numpy
)

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
	[ "${FACEREC_SKIP_DEPS:-0}" = 1 ] && return 0
	local missing=()
	for p in "${FACEREC_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing: ${missing[*]}"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

build_install() {
	echo "== build and install"
	make -C "$FACEREC_TOP" -s -j2 PG_CONFIG="$PG_CONFIG"
	as_root make -C "$FACEREC_TOP" -s install PG_CONFIG="$PG_CONFIG"
}

# PostgreSQL refuses to run as root.  As root we hand the tree to postgres for
# the run (pg_regress and the TAP tests write results there) and give it back
# afterwards, so that the checkout keeps its owner.
as_cluster_user() {
	if [ "$(id -u)" != 0 ]; then
		"$@"
		return
	fi
	local owner rc=0
	owner=$(stat -c %u:%g "$FACEREC_TOP")
	chown -R postgres: "$FACEREC_TOP"
	runuser -u postgres -- env PATH="$PATH" "$@" || rc=$?
	chown -R "$owner" "$FACEREC_TOP"
	return $rc
}

free_port() {
	local port=${FACEREC_PORT:-$((20000 + RANDOM % 20000))}
	while (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; do port=$((port + 1)); done
	echo "$port"
}

# The cluster lives in a temp dir owned by the cluster user; its socket is
# there too, so concurrent runs never collide.
start_cluster() {
	local bindir
	bindir=$("$PG_CONFIG" --bindir)
	FACEREC_CLUSTER=$(mktemp -d /tmp/facerec-cluster.XXXXXX)
	[ "$(id -u)" = 0 ] && chown postgres: "$FACEREC_CLUSTER"
	PGPORT=$(free_port)
	PGHOST=$FACEREC_CLUSTER
	PGDATABASE=postgres
	export FACEREC_CLUSTER PGPORT PGHOST PGDATABASE PGUSER=${PGUSER:-postgres}
	as_cluster_user "$bindir/initdb" -D "$FACEREC_CLUSTER/data" -U "$PGUSER" \
		--auth=trust --no-sync >/dev/null
	as_cluster_user "$bindir/pg_ctl" -D "$FACEREC_CLUSTER/data" -l "$FACEREC_CLUSTER/log" \
		-o "-p $PGPORT -k $FACEREC_CLUSTER -c listen_addresses='' ${FACEREC_SERVER_OPTS:-}" \
		-w start >/dev/null
	trap stop_cluster EXIT
}

stop_cluster() {
	[ -n "${FACEREC_CLUSTER:-}" ] || return 0
	as_cluster_user "$("$PG_CONFIG" --bindir)/pg_ctl" -D "$FACEREC_CLUSTER/data" \
		-m immediate stop >/dev/null 2>&1 || true
	rm -rf "$FACEREC_CLUSTER"
	FACEREC_CLUSTER=
}
