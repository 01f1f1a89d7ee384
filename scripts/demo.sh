#!/usr/bin/env bash
# From a fresh clone: install what is missing, build in release mode, and segment the bundled
# sample street scene with the bundled demo model. Writes sample_overlay.png and
# sample_labels.png in the current directory (or the paths given as $1 and $2).
# Needs only the build packages (scripts/install_deps.sh build): the tests and benches are
# optional parts of the build, configured only when their own packages are there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
overlay=${1:-sample_overlay.png}
labels=${2:-sample_labels.png}
bash "$here/scripts/install_deps.sh" build
build=${FFNET_BUILD_DIR:-$here/build}
bash "$here/scripts/configure.sh" "$build" --buildtype=release
ninja -C "$build" examples/ffnet-segment
"$build/examples/ffnet-segment" \
  --weights "$here/weights/ffnet46NS_CCC_mobile_toy_streets.safetensors" \
  --input "$here/docs/sample_street.png" \
  --overlay "$overlay" --labels "$labels"
echo "wrote $overlay and $labels"
