#!/usr/bin/env bash
# Cross-builds the portable core and the deterministic charging scenario for Cortex-M4
# (targets/cortex-m4) and runs the image under QEMU's mps2-an386 with semihosting. The exit
# status is the scenario's verdict (0 = pass), passed through semihosting SYS_EXIT_EXTENDED.
# Usage: scripts/arm-qemu.sh [--build-dir DIR] [-- extra cmake -D options]
# A missing toolchain or QEMU is an error (scripts/setup.sh installs them), never a skip.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="$root/build/cortex-m4"
if [ "${1:-}" = "--build-dir" ]; then
  build_dir="$2"
  shift 2
fi
[ "${1:-}" = "--" ] && shift

# Upper bound of the emulated run (it takes well under a second; this only stops a hang).
qemu_timeout_s=120

for tool in arm-none-eabi-gcc arm-none-eabi-g++ arm-none-eabi-size qemu-system-arm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "arm-qemu: $tool not found; run scripts/setup.sh (packages gcc-arm-none-eabi," \
         "libstdc++-arm-none-eabi-newlib, libnewlib-arm-none-eabi, qemu-system-arm)" >&2
    exit 2
  fi
done

cmake -S "$root/targets/cortex-m4" -B "$build_dir" \
      -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi.cmake" "$@" >/dev/null
cmake --build "$build_dir" -j2

elf="$build_dir/evc_m4_scenario.elf"
echo "arm-qemu: running $elf"
start=$(date +%s.%N)
log="$build_dir/evc_m4_scenario.log"
set +e
timeout "$qemu_timeout_s" qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$elf" 2>&1 | tee "$log"
verdict=${PIPESTATUS[0]}
set -e
end=$(date +%s.%N)
# A zero status without the scenario's own verdict line means the scenario never ran to its end
# (e.g. semihosting not reaching it): that is a failure too.
if [ "$verdict" -eq 0 ] && ! grep -q '^VERDICT: PASS' "$log"; then
  echo "arm-qemu: QEMU exited 0 but the scenario printed no passing verdict" >&2
  verdict=4
fi
echo "arm-qemu: verdict $verdict, QEMU wall time $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b - a}') s"
exit "$verdict"
