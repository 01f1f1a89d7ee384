#!/usr/bin/env bash
# ffnet.cpp against PyTorch, ONNX Runtime, OpenVINO, ncnn and OpenCV DNN on the same random-weight
# model, the same input and the same thread count, one peer after another; prints one table.
#
#   scripts/bench_peers.sh [--threads N] [--runs N] [--scaling-rounds N] [--no-int8] [--int8-rounds N]
#                          [--first-result MODEL@HxW | --no-first-result] [MODEL@HxW ...]
#
# Default rows: ffnet40S_dBBB_mobile@1024x2048, ffnet122NS_CCC_mobile@512x1024,
# ffnet18_dAAC@1024x2048 at their natural sizes, and small inputs where the per-size algorithm
# choice shows (ffnet46NS_CCC_mobile@128x256, ffnet122NS_CCC_mobile@128x256,
# ffnet40S_dBBB_mobile@64x128); 2 threads, 5 timed runs after one warm-up. Then ffnet.cpp's
# speed-up from 1 thread to N (3 alternating rounds, 0 to skip), and the time to the first
# result (load, one forward, write; ONNX Runtime: session creation and first run) of
# ffnet150_AAA@64x128, the largest model on a small input (--first-result replaces it; give it
# with no rows to run only that table). Every row also runs int8 (--no-int8: not): ffnet.cpp on
# the file ffnet-quantize makes from the row's input, ONNX Runtime on the QDQ model
# bench_peers/make_qdq.py makes with python3-onnx (min/max ranges of the same input), OpenVINO on
# the same QDQ model, and a table of ffnet.cpp's ratios to ONNX Runtime, measured again in
# --int8-rounds alternating rounds (default 3) so that the machine's drift falls on both. OpenVINO (CPU plugin,
# latency hint, f32 precision) runs the ONNX exports; ncnn (fp32) runs them converted by pnnx's
# binary. LiteRT (TFLite, XNNPACK) is skipped: ONNX -> TFLite needs onnx2tf and TensorFlow, and
# PyTorch -> TFLite litert-torch with torch >= 2.4 (Debian's is 1.13) and JAX. Installs what it
# needs: Debian's build tools, python3-torch, python3-opencv and python3-venv, onnxruntime-node
# from npm (--ignore-scripts: its CPU binaries ship in the package) into .peers/ (not
# committed), where the models, ONNX exports and inputs are kept too, and from PyPI openvino,
# ncnn and pnnx (without its torch dependency) into the venv .peers/venv-peers; a peer that
# does not install or run shows as "skipped: reason". Builds ffnet.cpp in release mode in
# build-release/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${FFNET_PEERS_DIR:-$root/.peers}
threads=2
runs=5
scaling_rounds=3
int8_rounds=3
rows=()
first_result=(segmentation_ffnet150_AAA@64x128)
first_result_given=0
int8=1
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --scaling-rounds) scaling_rounds=$2; shift 2 ;;
    --no-int8) int8=0; shift ;;
    --int8-rounds) int8_rounds=$2; shift 2 ;;
    --no-first-result) first_result=(); first_result_given=1; shift ;;
    --first-result)
      [ "$first_result_given" -eq 1 ] || first_result=()
      first_result_given=1; first_result+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *@*) rows+=("$1"); shift ;;
    *) echo "bench_peers.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ ${#rows[@]} -gt 0 ] || [ "$first_result_given" -eq 1 ] ||
  rows=(segmentation_ffnet40S_dBBB_mobile@1024x2048 segmentation_ffnet122NS_CCC_mobile@512x1024
        segmentation_ffnet18_dAAC@1024x2048 segmentation_ffnet46NS_CCC_mobile@128x256
        segmentation_ffnet122NS_CCC_mobile@128x256 segmentation_ffnet40S_dBBB_mobile@64x128)

# Debian packages: the build, the Python peers, node and npm for ONNX Runtime.
"$root/scripts/install_deps.sh" build bench
missing=()
for package in python3-opencv python3-onnx python3-venv; do
  dpkg-query -W -f='${Status}' $package 2>/dev/null | grep -q "install ok installed" || missing+=($package)
done
# Any node and npm will do (some installs bundle npm with nodejs and conflict with Debian's).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$work/ort"
if [ ! -d "$work/ort/node_modules/onnxruntime-node" ]; then
  (cd "$work/ort" && npm install --no-audit --no-fund --ignore-scripts onnxruntime-node >/dev/null)
fi

# The PyPI peers in their own venv (the python3 on PATH may not be Debian's); pnnx only for its
# bundled converter binary. A peer that does not install is skipped in the table.
venv="$work/venv-peers"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv" || echo "bench_peers.sh: no venv: OpenVINO and ncnn skipped" >&2
for package in openvino ncnn "pnnx --no-deps"; do
  "$venv/bin/pip" show -q ${package%% *} 2>/dev/null || "$venv/bin/pip" install -q $package >/dev/null ||
    echo "bench_peers.sh: pip install $package failed: its peer is skipped" >&2
done

build="$root/build-release"
bash "$root/scripts/configure.sh" "$build" --buildtype=release >/dev/null
ninja -C "$build" examples/ffnet-segment examples/ffnet-quantize >/dev/null
int8_args=()
[ "$int8" -eq 0 ] || int8_args=(--quantize "$build/examples/ffnet-quantize")

exec /usr/bin/python3 "$root/scripts/bench_peers/run_all.py" --root "$root" --work "$work" \
  --binary "$build/examples/ffnet-segment" --venv "$venv" "${int8_args[@]}" --threads "$threads" --runs "$runs" \
  --scaling-rounds "$scaling_rounds" --int8-rounds "$int8_rounds" --first-result "${first_result[@]}" -- "${rows[@]}"
