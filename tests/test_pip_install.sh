#!/usr/bin/env bash
# `pip install .` as a Python user does it: into a fresh venv (Debian's python3 with its numpy,
# --system-site-packages), the build backend and pybind11 fetched from PyPI by pip; then the
# installed module and ffnet-segment segment the sample picture alike, from outside the tree.
# usage: test_pip_install.sh SOURCE_ROOT DEMO_WEIGHTS PICTURE
set -euo pipefail
source_root=$1 weights=$2 picture=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
start=$SECONDS
if ! "$work/venv/bin/pip" install --quiet --no-cache-dir "$source_root" > "$work/pip.log" 2>&1; then
  cat "$work/pip.log"
  if grep -qiE "connection|resolve|network is unreachable|temporary failure" "$work/pip.log"; then
    echo "pip could not reach PyPI for the build backend (meson-python, pybind11): the step needs it"
  fi
  exit 1
fi
echo "pip install: ok in $((SECONDS - start)) s"
[ -x "$work/venv/bin/ffnet-segment" ] || { echo "ffnet-segment was not installed into the venv's bin/"; exit 1; }
"$work/venv/bin/ffnet-segment" --weights "$weights" --input "$picture" --keep-size --labels "$work/cli.png" --quiet
cd "$work"
"$work/venv/bin/python" - "$weights" "$picture" "$work/cli.png" <<'PY'
import sys
from pathlib import Path
import numpy as np
import ffnet
site = Path(ffnet.__file__).parent
assert "venv" in str(site), f"imported {ffnet.__file__}, not the venv's"
assert (site / "_ffnet.pyi").exists() and (site / "py.typed").exists(), "type stubs not installed"
net = ffnet.Network(sys.argv[1])
picture = ffnet.load_image(sys.argv[2])
labels = net.segment(picture, keep_size=True)
cli = ffnet.load_image(sys.argv[3])[..., 0]
assert np.array_equal(labels, cli), "the installed module and ffnet-segment disagree"
print(f"installed module {ffnet.__version__} at {site}: labels equal ffnet-segment's")
PY
