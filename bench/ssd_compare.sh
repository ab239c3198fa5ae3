#!/bin/bash
# ssd_compare.sh: the SSD pass of this tree, in float32, int16 and int8
# (facerec.nn_precision), against an older commit's, in the same run
# (printed, never asserted).  Builds the older commit's src/ with this
# tree's bench/ssd_bench driver (its own where that does not build), and
# this tree's, and runs them in turn, ROUNDS times each, on the fixture:
#   bench/ssd_compare.sh [BASE_COMMIT (default 89cb0e8: before the int16 path)]
# RUNS passes per round (default 15); prints each round's figures and the
# median ratios base / this tree, precision by precision when the base has
# that pass (int8 against the base's int16 when it has no int8, as its
# fastest), else against its only (float32) one.  Environment:
#   FIXTURE  another WxH.rgb fixture (default the 500x332 group photo),
#            e.g. the 1920x1280 one
#   TIME     wall (default: wall-clock medians), cpu (medians of the
#            thread's CPU time, which leave out the time other jobs held
#            the core) or min (the fastest pass: what the code does when no
#            other job takes the core or its caches)
# One thread; other load on the machine shows in both equally only when it
# is steady: look at the rounds, and on a shared machine prefer many short
# rounds (RUNS=3 ROUNDS=11).
set -euo pipefail
cd "$(dirname "$0")"
BASE=${1:-89cb0e8}
RUNS=${RUNS:-15}
ROUNDS=${ROUNDS:-3}
FIXTURES=("${FIXTURE:-../tools/reference/fixtures/group.500x332.rgb}")
WEIGHTS=$(pwd)/../models/ssd_mobilenetv1_model.frw
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s bin/ssd_bench
# the base's src/ under this tree's driver (same figures printed), or under
# its own where this driver does not build against it (an older API)
git -C .. -c safe.directory='*' archive "$BASE" src bench | tar -x -C "$tmp"
mkdir "$tmp/driver"
cp ssd_bench.c bench_util.[ch] Makefile "$tmp/driver/"
mv "$tmp/bench" "$tmp/own" && mv "$tmp/driver" "$tmp/bench"
if ! make -s -C "$tmp/bench" bin/ssd_bench 2>/dev/null; then
	rm -rf "$tmp/bench" && mv "$tmp/own" "$tmp/bench"
	make -s -C "$tmp/bench" bin/ssd_bench
fi
# the figure TIME names from the first line naming $1
if [ "${TIME:-wall}" = cpu ]; then
	median() { grep -m1 -e "$1" | sed -n 's/.*CPU time \([0-9.]*\) ms.*/\1/p'; }
elif [ "${TIME:-wall}" = min ]; then
	median() { grep -m1 -e "$1" | sed -n 's/.*min \([0-9.]*\) ms.*/\1/p'; }
else
	median() { grep -m1 -e "$1" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
fi
# the base's pass in precision $1 (int8: int16 when it has none), or its only one
base_median() {
	local out p=$1
	out=$(cat)
	[ "$p" = int8 ] && ! grep -q "$p" <<<"$out" && p=int16
	if grep -q "$p" <<<"$out"; then median "$p" <<<"$out"; else median median <<<"$out"; fi
}
ratio() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.2f", b / n }'; }
middle() { sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p"; }
float_ratios=()
int16_ratios=()
int8_ratios=()
for r in $(seq "$ROUNDS"); do
	base=$("$tmp/bench/bin/ssd_bench" "$WEIGHTS" "$RUNS" "${FIXTURES[@]}")
	bf=$(base_median float32 <<<"$base")
	bq=$(base_median int16 <<<"$base")
	b8=$(base_median int8 <<<"$base")
	out=$(bin/ssd_bench "$WEIGHTS" "$RUNS" "${FIXTURES[@]}")
	f=$(median float32 <<<"$out")
	q=$(median int16 <<<"$out")
	q8=$(median int8 <<<"$out")
	float_ratios+=("$(ratio "$bf" "$f")")
	int16_ratios+=("$(ratio "$bq" "$q")")
	int8_ratios+=("$(ratio "$b8" "$q8")")
	echo "round $r: $BASE float32 ${bf} ms, int16 ${bq} ms, int8 ${b8} ms; this tree float32 ${f} ms (ratio ${float_ratios[-1]}), int16 ${q} ms (ratio ${int16_ratios[-1]}), int8 ${q8} ms (ratio ${int8_ratios[-1]})"
done
echo "median ratio $BASE / this tree: float32 $(printf '%s\n' "${float_ratios[@]}" | middle), int16 $(printf '%s\n' "${int16_ratios[@]}" | middle), int8 $(printf '%s\n' "${int8_ratios[@]}" | middle)"
