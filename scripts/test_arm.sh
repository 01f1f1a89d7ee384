#!/usr/bin/env bash
# The aarch64 build, proven under emulation (no ARM hardware is needed): installs Debian's
# g++-aarch64-linux-gnu, qemu-user and Google Benchmark for arm64 (scripts/install_deps.sh arm),
# cross-builds with cross/aarch64-linux-gnu.ini into build-arm/, and runs under qemu-aarch64:
#   1. the C++ test programs (kernel edge sweeps against the reference, op tests, fp32 and int8
#      end to end against the PyTorch reference tensors made on this host, the concurrency and
#      network tests, no-allocation, the fuzz corpus replays), on qemu's 'max' CPU, whose
#      dot-product, i8mm and bf16 features make every ARM kernel family runnable;
#   2. the kernel and ISA tests again on a Cortex-A72 (no dot product) and a Cortex-A76 (dot
#      product, no i8mm): run-time detection picks the kernels those CPUs have;
#   3. ffnet-segment on the demo model and sample picture, fp32 and int8 at every ARM ISA level:
#      labels agree with this host's x86 run on >= 99.9 % of pixels;
#   4. the Google Benchmark of every ARM kernel, once (timings under emulation mean nothing: the
#      benches say so).
# scripts/test.sh runs it (CI), reduced where emulation is slowest (it prints what); --full runs
# every test program whole (about an hour). Alone: scripts/test_arm.sh [--full]. Builds the x86 ffnet-segment and
# ffnet-quantize (what it compares with, and what quantises the int8 test references) in
# ${FFNET_BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
case "${1:-}" in
  --full) full=1 ;;
  "") ;;
  *) echo "usage: scripts/test_arm.sh [--full]" >&2; exit 2 ;;
esac
here=$PWD
bash scripts/install_deps.sh test arm
jobs=${FFNET_JOBS:-$(nproc)}
arm=${FFNET_ARM_BUILD_DIR:-build-arm}
x86=${FFNET_BUILD_DIR:-build}
sysroot=/usr/aarch64-linux-gnu  # Debian's target libraries (libc, libstdc++, libgomp for arm64)
run_arm() { qemu-aarch64 -L "$sysroot" "$@"; }

start=$SECONDS
# The x86 build: what the demo's labels are compared with, and the test references (PyTorch's maps
# of random checkpoints, the int8 files quantised by the x86 ffnet-quantize), which the aarch64
# tests reuse: the same files, without minutes of emulation.
[ -f "$x86/build.ninja" ] || bash scripts/configure.sh "$x86" --buildtype=release -Dtests=enabled
grep -q '^tests/int8-refdata:' <<<"$(ninja -C "$x86" -t targets all)" || bash scripts/configure.sh "$x86" -Dtests=enabled
ninja -C "$x86" -j "$jobs" examples/ffnet-segment examples/ffnet-quantize tests/refdata tests/int8-refdata
bash scripts/configure.sh "$arm" --cross-file cross/aarch64-linux-gnu.ini --buildtype=release \
  -Dtests=enabled -Dbenches=enabled -Dpython=disabled -Dreference_data="$(cd "$x86" && pwd)"
ninja -C "$arm" -j "$jobs" meson-test-prereq examples/ffnet-segment bench/bench_gemm  # what runs below
aarch64-linux-gnu-readelf -h "$arm/examples/ffnet-segment" | grep -q 'AArch64' \
  || { echo "test_arm.sh: $arm/examples/ffnet-segment is not an aarch64 program" >&2; exit 1; }
echo "== arm: cross build ok in $((SECONDS - start)) s"

start=$SECONDS
echo "== arm: the C++ suite under qemu-aarch64 (qemu's CPU 'max': Advanced SIMD, dot product, i8mm, bf16)"
mapfile -t replays < <(meson test -C "$arm" --list --suite fuzz-replay 2>/dev/null | sed -n 's/^ffnet.cpp:fuzz-replay \/ //p')
[ ${#replays[@]} -gt 0 ] || { echo "test_arm.sh: no fuzz-replay tests found in $arm" >&2; exit 1; }
arm_test() { meson test -C "$arm" --no-rebuild --print-errorlogs --timeout-multiplier 8 "$@"; }
# Whole: the kernel edge sweeps against the reference and the op tests (unit, ops-vs-torch), int8
# end to end against PyTorch on all ten models, the fuzz replays.
arm_test unit ops-vs-torch int8-end-to-end "${replays[@]}"
if [ "$full" = 1 ]; then
  arm_test end-to-end network no-allocation
else
  # Emulation runs this code 10-20x slower than the host (the whole end-to-end, network and
  # no-allocation programs take over 15 minutes each), so CI's run keeps, and says so: fp32 end
  # to end against PyTorch on two of the ten models (the first also on the scalar kernels and
  # the reference ops); the concurrency test (2 rounds) and the int8 network's kernel-family,
  # thread and band test. scripts/test_arm.sh --full runs all three programs whole.
  e2e_models=classification_ffnet46NS_CBX_mobile,segmentation_ffnet122NS_CCC_mobile
  echo "   reduced (CI): end-to-end's model test on $e2e_models; network's concurrency and int8-network"
  echo "   cases; no-allocation not run (scripts/test_arm.sh --full runs them all; the x86 suite runs them whole)"
  FFNET_E2E_MODELS=$e2e_models FFNET_E2E_REDUCED=1 arm_test end-to-end --test-args='--test-case=every required model*'
  FFNET_CONCURRENCY_ROUNDS=2 arm_test network --test-args='--test-case=concurrent*,int8 network*'
fi
echo "== arm: C++ suite ok in $((SECONDS - start)) s"

start=$SECONDS
for cpu in cortex-a72 cortex-a76; do
  echo "== arm: kernels and ISA detection on qemu's $cpu"
  QEMU_CPU=$cpu run_arm "$arm/tests/unit_tests" --test-case='*kernel*,isa*' --minimal
done
echo "== arm: CPU models ok in $((SECONDS - start)) s"

start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
weights=weights/ffnet46NS_CCC_mobile_toy_streets.safetensors
picture=docs/sample_street.png
mkdir "$work/calibration"
cp "$picture" "$work/calibration/"
"$x86/examples/ffnet-quantize" --weights "$weights" --calibration "$work/calibration" \
  --output "$work/int8.safetensors" --quiet
agree() {  # agree X86.png ARM.png WHAT: the share of equal labels, >= 99.9 %
  /usr/bin/python3 - "$@" <<'PY'
import sys
import numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p)) for p in sys.argv[1:3])
share = float(np.mean(a == b)) if a.shape == b.shape else 0.0
print(f"   {sys.argv[3]}: labels agree with x86 on {100 * share:.3f} % of {a.size} pixels")
sys.exit(0 if share >= 0.999 else 1)
PY
}
for model in fp32 int8; do
  w=$weights
  [ "$model" = int8 ] && w=$work/int8.safetensors
  "$x86/examples/ffnet-segment" --weights "$w" --input "$picture" --labels "$work/x86-$model.png" --quiet
  isas="neon neon_dot neon_i8mm"  # the levels that choose different kernels; scalar is in the unit tests
  [ "$model" = fp32 ] && isas=neon  # one f32 kernel family on ARM
  for isa in $isas; do
    run_arm "$arm/examples/ffnet-segment" --weights "$w" --input "$picture" --isa "$isa" \
      --labels "$work/arm-$model-$isa.png" --quiet
    agree "$work/x86-$model.png" "$work/arm-$model-$isa.png" "$model, --isa $isa"
  done
done
echo "== arm: demo ok in $((SECONDS - start)) s"

start=$SECONDS
echo "== arm: each ARM kernel's benchmark, once (emulated: the numbers are not meaningful)"
run_arm "$arm/bench/bench_gemm" --benchmark_filter='(microkernel|qu8_microkernel)/.*(neon|scalar)' \
  --benchmark_min_time=0.01
echo "== arm: benchmarks ran in $((SECONDS - start)) s"
