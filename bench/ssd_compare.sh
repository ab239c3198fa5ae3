#!/bin/bash
# ssd_compare.sh: the SSD pass of this tree against an older commit's, in
# the same run (printed, never asserted).  Builds bench/bin/ssd_bench from
# both sources and runs them in turn, ROUNDS times each, on the fixtures:
#   bench/ssd_compare.sh [BASE_COMMIT (default 04aacd4: before issue 6 part B)]
# RUNS passes per round (default 15); prints each round's medians and the
# median ratio base / this tree.  One thread; other load on the machine
# shows in both equally only when it is steady: look at the rounds.
set -euo pipefail
cd "$(dirname "$0")"
BASE=${1:-04aacd4}
RUNS=${RUNS:-15}
ROUNDS=${ROUNDS:-3}
FIXTURES=(../tools/reference/fixtures/group.500x332.rgb)
WEIGHTS=../models/ssd_mobilenetv1_model.frw
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s bin/ssd_bench
git -C .. -c safe.directory='*' archive "$BASE" src | tar -x -C "$tmp"
make -s "$tmp/bin/ssd_bench" BIN="$tmp/bin" NN_SRCS="$(echo "$tmp"/src/nn/*.c)" \
	SSD_SRCS="$tmp/src/face/ssd.c $tmp/src/face/nms.c $tmp/src/face/net_input.c" \
	NN_CFLAGS="-O3 -g -fexcess-precision=standard -I$tmp/src -I/usr/include/x86_64-linux-gnu/openblas-pthread"
median() { sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
ratios=()
for r in $(seq "$ROUNDS"); do
	b=$("$tmp/bin/ssd_bench" "$WEIGHTS" "$RUNS" "${FIXTURES[@]}" | median)
	n=$(bin/ssd_bench "$WEIGHTS" "$RUNS" "${FIXTURES[@]}" | median)
	ratio=$(awk -v b="$b" -v n="$n" 'BEGIN { printf "%.2f", b / n }')
	ratios+=("$ratio")
	echo "round $r: $BASE ${b} ms, this tree ${n} ms, ratio ${ratio}"
done
echo "median ratio $BASE / this tree: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
