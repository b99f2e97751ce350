#!/usr/bin/env bash
# The whole test suite: unit, integration (real sockets against the bench CSMS) and the browser
# test, built with AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero on any failure.
# Long stress runs are behind the ctest label "stress" and not part of this command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh debug --with-browser
ctest --preset debug --label-exclude stress "$@"
