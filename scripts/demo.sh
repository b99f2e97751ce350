#!/usr/bin/env bash
# The demo: starts the bench CSMS and one simulated charger, which boots, is started remotely,
# charges with meter values, and is stopped remotely. Prints what happens; exits 0 on success.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
exec node scripts/demo.js --sim build/release/apps/evc-sim/evc-sim "$@"
