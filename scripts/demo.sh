#!/usr/bin/env bash
# From a fresh clone: install what is missing, build in release mode, and segment the bundled
# sample street scene with the bundled demo model. Writes sample_overlay.png and
# sample_labels.png in the current directory (or the paths given as $1 and $2).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
overlay=${1:-sample_overlay.png}
labels=${2:-sample_labels.png}
bash "$here/scripts/install_deps.sh" build
build=$here/${FFNET_BUILD_DIR:-build}
[ -d "$build" ] || meson setup "$build" "$here" --buildtype=release >/dev/null
ninja -C "$build" examples/ffnet-segment
"$build/examples/ffnet-segment" \
  --weights "$here/weights/ffnet46NS_CCC_mobile_toy_streets.safetensors" \
  --input "$here/docs/sample_street.png" \
  --overlay "$overlay" --labels "$labels"
echo "wrote $overlay and $labels"
