#!/usr/bin/env bash
# Builds the release preset (RelWithDebInfo: -O2 -g) and runs every benchmark and callgrind driver.
# Results (Google Benchmark JSON/console, callgrind figures and annotations) go to $OUT.
#   bench/run.sh                 release preset, build/release
#   EVC_BENCH_BUILD=build/x bench/run.sh   another build directory, same build type
#   EVC_BENCH_SKIP_BUILD=1 ...   run the binaries already built
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${EVC_BENCH_BUILD:-build/release}
OUT=${OUT:-$BUILD/bench-results}

if [[ -n "${EVC_BENCH_SKIP_BUILD:-}" ]]; then
  echo "skipping the build (EVC_BENCH_SKIP_BUILD): using the binaries in $BUILD/bench"
elif [[ -z "${EVC_BENCH_BUILD:-}" ]]; then
  cmake --preset release >/dev/null
else
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVC_SANITIZE=OFF >/dev/null
fi
[[ -n "${EVC_BENCH_SKIP_BUILD:-}" ]] || cmake --build "$BUILD" --target evc_bench -j2
BIN=$BUILD/bench
mkdir -p "$OUT"

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket)' || true
"${CXX:-c++}" --version | sed -n 1p
valgrind --version

echo "== Google Benchmark"
for b in ${EVC_BENCH_ONLY_CALLGRIND:+none} can_bench ocpp_bench control_loop_bench; do
  if [[ $b == none ]]; then break; fi
  "$BIN/$b" --benchmark_out="$OUT/$b.json" --benchmark_out_format=json | tee "$OUT/$b.txt"
done

echo "== callgrind (instructions per operation = (Ir(big) - Ir(small)) / (big - small))"
# Total Ir of one run under callgrind; extra valgrind options before the program.
ir() {
  local name=$1
  shift
  local file="$OUT/callgrind.$name.out"
  valgrind --tool=callgrind --callgrind-out-file="$file" "$@" >"$OUT/callgrind.$name.stdout" \
    2>"$OUT/callgrind.$name.log"
  awk '/^(summary|totals):/ { print $2; exit }' "$file"
}
# per_op LABEL SMALL BIG [valgrind options --] program args-before-N
per_op() {
  local label=$1 small=$2 big=$3
  shift 3
  local vg=()
  while [[ $# -gt 0 && $1 != "--" ]]; do vg+=("$1"); shift; done
  shift
  local a b
  a=$(ir "$label.small" "${vg[@]}" "$@" "$small")
  b=$(ir "$label.big" "${vg[@]}" "$@" "$big")
  callgrind_annotate --inclusive=yes "$OUT/callgrind.$label.big.out" 2>/dev/null | sed -n 1,60p \
    >"$OUT/annotate.$label.inclusive.txt"
  callgrind_annotate "$OUT/callgrind.$label.big.out" 2>/dev/null | sed -n 1,45p \
    >"$OUT/annotate.$label.self.txt"
  awk -v l="$label" -v a="$a" -v b="$b" -v s="$small" -v g="$big" \
    'BEGIN { printf "%-16s Ir(N=%d)=%d Ir(N=%d)=%d  per op: %.0f\n", l, s, a, g, b, (b - a) / (g - s) }' |
    tee -a "$OUT/callgrind.txt"
  cat "$OUT/callgrind.$label.big.stdout"
}
: >"$OUT/callgrind.txt"
per_op can-frame 10000 110000 -- "$BIN/callgrind_can"
per_op mv-exchange 20 220 -- "$BIN/callgrind_ocpp" mv-exchange
per_op tx-cycle 5 55 -- "$BIN/callgrind_ocpp" tx-cycle
per_op get-config 20 220 -- "$BIN/callgrind_ocpp" get-config
per_op change-config 20 220 -- "$BIN/callgrind_ocpp" change-config
per_op data-transfer 20 220 -- "$BIN/callgrind_ocpp" data-transfer
per_op mv-encode 20 220 --collect-atstart=no -- "$BIN/callgrind_ocpp" mv-encode
per_op idle-tick 20 220 --collect-atstart=no -- "$BIN/callgrind_ocpp" idle-tick

echo "== OCPP-layer heap (counting operator new) and massif"
"$BIN/heap_ocpp" 10 | tee "$OUT/heap.txt"
valgrind --tool=massif --massif-out-file="$OUT/massif.out" "$BIN/heap_ocpp" 10 >/dev/null 2>&1
ms_print "$OUT/massif.out" | sed -n 1,40p >"$OUT/massif.txt"
awk -F= '/^mem_heap_B/ && $2 > m { m = $2 } END { print "massif_peak_mem_heap_B=" m " (includes the rig object)" }' \
  "$OUT/massif.out" | tee -a "$OUT/heap.txt"
echo "results in $OUT"
