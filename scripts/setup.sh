#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, installs the bench CSMS's npm packages and builds
# the given CMake preset. Used by demo.sh and test.sh; safe to run again (it only does what is
# missing). Usage: scripts/setup.sh <preset> [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
with_browser="${2:-}"

need=(build-essential cmake pkg-config git openssl ca-certificates python3
      libcjson-dev libjsmn-dev libwebsockets-dev libmbedtls-dev libssl-dev
      googletest libgtest-dev libgmock-dev libbenchmark-dev
      gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib libnewlib-arm-none-eabi qemu-system-arm)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ "$with_browser" = "--with-browser" ]; then
  need+=(chromium)
fi

missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Bench CSMS dependencies, exactly as locked.
if [ ! -d bench-csms/node_modules ] || [ bench-csms/package-lock.json -nt bench-csms/node_modules/.package-lock.json ]; then
  echo "setup: npm ci (bench-csms)"
  (cd bench-csms && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "setup: building preset '$preset'"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
