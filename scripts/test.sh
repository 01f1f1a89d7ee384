#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the test dependencies (Debian packages),
# builds in release mode, and runs every test with meson. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh test
build=${FFNET_BUILD_DIR:-build}
if [ -d "$build" ]; then meson setup --reconfigure "$build" >/dev/null; else meson setup "$build" --buildtype=release; fi
ninja -C "$build"
meson test -C "$build" --print-errorlogs "$@"
