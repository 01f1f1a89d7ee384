#!/usr/bin/env bash
# Configures a meson build directory for this source tree, or reconfigures it with the options
# given (an old directory gets them too). meson's output is shown when it fails, else only its
# summary of the optional parts (tests, benches). A
# directory that a failed configure left behind (meson's logs, no build.ninja) is started afresh;
# any other directory without build.ninja is refused rather than deleted.
#   scripts/configure.sh BUILD_DIR [MESON_OPTION...]      (CXX=clang++ etc. pass through)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift
if [ -d "$build" ] && [ ! -f "$build/build.ninja" ]; then
  if [ -n "$(ls -A "$build" | grep -Ev '^meson-(logs|private|info)$' || true)" ]; then
    echo "configure.sh: $build exists but is not a meson build directory; move it away or choose another" >&2
    exit 1
  fi
  [ -z "$(ls -A "$build")" ] || echo "configure.sh: $build is left from a configure that did not finish; configuring it again"
  rm -rf "$build"
fi
if [ -f "$build/build.ninja" ]; then
  setup=(meson setup --reconfigure "$build" "$here" "$@")
else
  setup=(meson setup "$build" "$here" "$@")
fi
if ! log=$("${setup[@]}" 2>&1); then
  printf '%s\n' "$log" >&2
  [ -f "$build/build.ninja" ] || rm -rf "$build"  # nothing half-made stays behind
  echo "configure.sh: configuring $build failed (meson's output above)" >&2
  exit 1
fi
# What is built and what is not (and why): meson's summary section.
printf '%s\n' "$log" | sed -n '/^  Optional parts/,/^$/p'
