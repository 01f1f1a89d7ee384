#!/usr/bin/env bash
# meson install into a temporary root, then build and run a tiny program against the installed
# headers and library using only pkg-config's flags; run the installed ffnet-segment; and import the
# installed Python module (when the build has it) and run it.
# usage: test_install.sh BUILD_DIR install_smoke.cpp REFDATA_DIR
set -euo pipefail
build=$1 source=$2 refdata=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --destdir "$root" --no-rebuild --quiet
pc=$(find "$root" -name ffnet.pc | head -n 1)
[ -n "$pc" ] || { echo "ffnet.pc was not installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$root$prefix" --cflags --libs ffnet)
echo "pkg-config: $flags"
c++ -std=c++20 "$source" $flags -o "$root/smoke"
weights=$refdata/segmentation_ffnet46N_CBB/model.safetensors
out=$("$root/smoke" "$weights")
echo "smoke: $out"
[ "$out" = "segmentation_ffnet46N_CBB [1, 19, 16, 24]" ]
"$root$prefix/bin/ffnet-segment" --help | grep -q -- "--weights"
module=$(find "$root" -name '_ffnet*.so' | head -n 1)
if [ -n "$module" ]; then
  site=$(dirname "$(dirname "$module")")
  (cd "$root" && PYTHONPATH=$site /usr/bin/python3 - "$weights" "$site" <<'PY'
import sys
import numpy as np
import ffnet
assert ffnet.__file__.startswith(sys.argv[2]), ffnet.__file__
y = ffnet.Network(sys.argv[1], threads=1)(np.zeros((1, 3, 64, 96), np.float32))
assert y.shape == (1, 19, 16, 24), y.shape
print("installed Python module:", ffnet.__file__)
PY
  )
else
  echo "no Python module in this build (-Dpython): not checked"
fi
echo "installed headers, library, pkg-config file, ffnet-segment and the Python module work"
