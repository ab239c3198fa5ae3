# setup.sh: shared steps of tools/run-tests and tools/run-demo (sourced, not run).
#
# install_deps      Debian packages the build, the tests and the demo need
# build_install     make && make install (as root, or through sudo)
# as_cluster_user   run a command as a user PostgreSQL accepts (postgres when
#                   we are root), with the source tree writable for it
set -euo pipefail

FACEREC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FACEREC_DATA=$(cd "$FACEREC_TOP/../shared/data" 2>/dev/null && pwd || true)
export FACEREC_TOP FACEREC_DATA

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
	make -C "$FACEREC_TOP" -s -j2
	as_root make -C "$FACEREC_TOP" -s install
}

# PostgreSQL refuses to run as root.  As root we hand the tree to postgres for
# the run (pg_regress and the TAP tests write results there) and give it back
# afterwards, so that the checkout keeps its owner.
as_cluster_user() {
	if [ "$(id -u)" != 0 ]; then
		"$@"
		return
	fi
	local owner
	owner=$(stat -c %u:%g "$FACEREC_TOP")
	chown -R postgres: "$FACEREC_TOP"
	local rc=0
	runuser -u postgres -- env PATH="$PATH" FACEREC_DATA="$FACEREC_DATA" "$@" || rc=$?
	chown -R "$owner" "$FACEREC_TOP"
	return $rc
}
