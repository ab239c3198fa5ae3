#!/bin/bash
# ssd_compare.sh: the SSD pass of this tree, in float32 and in int16
# (facerec.nn_precision), against an older commit's, in the same run
# (printed, never asserted).  Builds the older commit's own src/ and
# bench/ssd_bench, and this tree's, and runs them in turn, ROUNDS times
# each, on the fixtures:
#   bench/ssd_compare.sh [BASE_COMMIT (default 89cb0e8: before the int16 path)]
# RUNS passes per round (default 15); prints each round's medians and the
# median ratios base / this tree.  One thread; other load on the machine
# shows in both equally only when it is steady: look at the rounds.
set -euo pipefail
cd "$(dirname "$0")"
BASE=${1:-89cb0e8}
RUNS=${RUNS:-15}
ROUNDS=${ROUNDS:-3}
FIXTURES=(../tools/reference/fixtures/group.500x332.rgb)
WEIGHTS=$(pwd)/../models/ssd_mobilenetv1_model.frw
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s bin/ssd_bench
git -C .. -c safe.directory='*' archive "$BASE" src bench | tar -x -C "$tmp"
make -s -C "$tmp/bench" bin/ssd_bench
# the median of the first line (base: its only one) or of the line naming $1
median() { grep -m1 -e "$1" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
ratio() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.2f", b / n }'; }
middle() { sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p"; }
float_ratios=()
int16_ratios=()
for r in $(seq "$ROUNDS"); do
	b=$("$tmp/bench/bin/ssd_bench" "$WEIGHTS" "$RUNS" "${FIXTURES[@]}" | median median)
	out=$(bin/ssd_bench "$WEIGHTS" "$RUNS" "${FIXTURES[@]}")
	f=$(median float32 <<<"$out")
	q=$(median int16 <<<"$out")
	float_ratios+=("$(ratio "$b" "$f")")
	int16_ratios+=("$(ratio "$b" "$q")")
	echo "round $r: $BASE ${b} ms, this tree float32 ${f} ms (ratio ${float_ratios[-1]}), int16 ${q} ms (ratio ${int16_ratios[-1]})"
done
echo "median ratio $BASE / this tree: float32 $(printf '%s\n' "${float_ratios[@]}" | middle), int16 $(printf '%s\n' "${int16_ratios[@]}" | middle)"
