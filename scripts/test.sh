#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the test dependencies (Debian packages),
# builds in release mode and runs every test with meson, then the aarch64 build's suite under
# qemu (scripts/test_arm.sh), then the hardened runs of scripts/test_hardened.sh (ASan+UBSan
# suite, TSan concurrency test, 60 s per fuzz target).
# CI runs exactly this.
#   scripts/test.sh              everything
#   scripts/test.sh TEST...      only those meson tests (no arm or hardened runs; it says so)
#   FFNET_SKIP_ARM=1 scripts/test.sh          without the aarch64 run (it says so)
#   FFNET_SKIP_HARDENED=1 scripts/test.sh     the release suite only (it says so)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh test
build=${FFNET_BUILD_DIR:-build}
# Tests, benches and the Python module 'enabled': a missing dependency is a configure error here,
# never a smaller suite.
bash scripts/configure.sh "$build" --buildtype=release -Dtests=enabled -Dbenches=enabled -Dpython=enabled
start=$SECONDS
ninja -C "$build" -j "${FFNET_JOBS:-$(nproc)}"
echo "== release build: ok in $((SECONDS - start)) s"
start=$SECONDS
meson test -C "$build" --print-errorlogs "$@"
echo "== release suite: ok in $((SECONDS - start)) s"
if [ $# -gt 0 ]; then
  echo "== arm and hardened runs skipped: only the named tests were asked for (scripts/test_arm.sh, scripts/test_hardened.sh run them)"
  exit 0
fi
if [ -n "${FFNET_SKIP_ARM:-}" ]; then
  echo "== arm run skipped: FFNET_SKIP_ARM is set (scripts/test_arm.sh runs it)"
else
  FFNET_BUILD_DIR=$build bash scripts/test_arm.sh
fi
if [ -n "${FFNET_SKIP_HARDENED:-}" ]; then
  echo "== hardened runs skipped: FFNET_SKIP_HARDENED is set (scripts/test_hardened.sh runs them)"
else
  bash scripts/test_hardened.sh
fi
