#!/usr/bin/env bash
# The hardened runs (README#safety), which scripts/test.sh runs after the normal suite:
#   1. asan  every test that runs C++ code, built with AddressSanitizer + UndefinedBehaviorSanitizer
#   2. tsan  the concurrency test (one network, four threads) built with ThreadSanitizer
#   3. fuzz  each libFuzzer target for FFNET_FUZZ_SECONDS (default 60), via scripts/fuzz.sh
#   scripts/test_hardened.sh [asan] [tsan] [fuzz]       (default: all three, in that order)
# clang builds in build-asan/, build-tsan/, build-fuzz/. Any sanitizer report fails the run:
# UBSan does not recover, ASan and TSan stop at the first error.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(asan tsan fuzz)
bash scripts/install_deps.sh test fuzz
jobs=${FFNET_JOBS:-$(nproc)}  # parallel compile jobs (ninja -j)

# -O1 keeps the sanitizer builds quick to compile and the reports readable.
sanitizer_args="['-O1', '-gline-tables-only', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined']"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"

# The test references (PyTorch's maps of random checkpoints, and their int8 files): the release
# build's when there is one (scripts/test.sh has just made it), brought up to date there, instead
# of making them again under the sanitizers (about two minutes for the same kind of files).
reference_data=""
release_references() {
  local release=${FFNET_BUILD_DIR:-build}
  if [ -f "$release/build.ninja" ] && grep -q '^tests/int8-refdata:' <<<"$(ninja -C "$release" -t targets all 2>/dev/null)"; then
    ninja -C "$release" -j "$jobs" tests/refdata tests/int8-refdata >/dev/null
    reference_data=$(cd "$release" && pwd)
    echo "   test references: the release build's ($release/tests/refdata, $release/tests/int8-refdata)"
  fi
}

setup() {  # setup DIR SANITIZERS (an old directory gets these options too)
  CXX=clang++ bash scripts/configure.sh "$1" --buildtype=plain -Db_ndebug=false -Db_sanitize="$2" \
    -Db_lundef=false -Dcpp_args="$sanitizer_args" -Dcpp_link_args="['-fno-sanitize-recover=undefined']" \
    -Dtests=enabled -Dbenches=disabled -Dpython=disabled -Dreference_data="$reference_data"
}

step_asan() {
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: the test suite"
  release_references
  setup build-asan address,undefined
  ninja -C build-asan -j "$jobs" meson-test-prereq  # what the tests need: no benchmarks
  echo "   not run here: suite 'python' (pure Python, no C++ code; run in the release suite above)"
  echo "   and the Python module's tests (an instrumented extension needs the sanitizer runtime preloaded into"
  echo "   Python; its C++ paths, Network::forward on borrowed memory included, run here in the network tests)"
  echo "   and suite 'install' (links libffnet.a with pkg-config's flags only, which cannot link an instrumented library)"
  echo "   and suite 'fresh-machine' (builds its own release tree of the sources with the test packages hidden)"
  echo "   and suite 'accuracy' (demo-miou, demo-int8: 80 pictures each through the commands, 15 min under ASan;"
  echo "   the same C++ paths run here in picture-variants, quantize-cli, int8-end-to-end and the network tests)"
  echo "   no-allocation runs the default kernels only (FFNET_E2E_REDUCED=1; every family in the release suite)"
  echo "   end-to-end is reduced (FFNET_E2E_REDUCED=1): the other kernel families and the naive reference"
  echo "   ops on the first model only; every model still runs on its best kernels at both sizes"
  echo "   the concurrency test runs 4 rounds per thread (25 in the release suite, 12 under TSan below)"
  [ -z "$reference_data" ] || echo "   the int8 test files are the release ffnet-quantize's: this ffnet-quantize runs in quantize-cli"
  FFNET_E2E_REDUCED=1 FFNET_CONCURRENCY_ROUNDS=4 meson test -C build-asan --no-rebuild --print-errorlogs --no-suite python --no-suite install --no-suite fresh-machine --no-suite accuracy \
    --timeout-multiplier 4
}

step_tsan() {
  echo "== ThreadSanitizer: the concurrency test"
  setup build-tsan thread
  ninja -C build-tsan -j "$jobs" tests/network_tests
  # OpenMP's own synchronisation is invisible to TSan unless libomp loads its archer tool.
  archer=$(find /usr/lib/llvm-*/lib -name libarcher.so 2>/dev/null | sort | tail -n 1)
  [ -n "$archer" ] || { echo "test_hardened.sh: libarcher.so not found (Debian: libomp-14-dev)" >&2; exit 1; }
  local log=build-tsan/concurrency.log
  local status=0
  OMP_TOOL_LIBRARIES=$archer ARCHER_OPTIONS=verbose=1 FFNET_CONCURRENCY_ROUNDS=${FFNET_TSAN_ROUNDS:-12} \
    build-tsan/tests/network_tests --test-case='concurrent*' >"$log" 2>&1 || status=$?
  cat "$log"
  echo "   (archer's warning about ignore_noninstrumented_modules is answered by tests/tsan.supp, which"
  echo "   ignores only libomp's own pthread calls)"
  grep -q "Archer detected OpenMP application with TSan" "$log" \
    || { echo "test_hardened.sh: archer was not loaded: TSan would report OpenMP's own synchronisation" >&2; exit 1; }
  grep -Eq "test cases: *1 \| *1 passed" "$log" \
    || { echo "test_hardened.sh: the concurrency test did not run exactly once" >&2; exit 1; }
  [ "$status" -eq 0 ] || exit "$status"
}

step_fuzz() {
  echo "== libFuzzer: each target for ${FFNET_FUZZ_SECONDS:-60} s"
  bash scripts/fuzz.sh "${FFNET_FUZZ_SECONDS:-60}"
}

for step in "${steps[@]}"; do
  case "$step" in
    asan | tsan | fuzz) start=$SECONDS; "step_$step"; echo "== $step: ok in $((SECONDS - start)) s" ;;
    *) echo "test_hardened.sh: unknown step '$step' (asan, tsan, fuzz)" >&2; exit 2 ;;
  esac
done
