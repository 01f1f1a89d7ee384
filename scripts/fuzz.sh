#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS (default 60),
# as many at once as there are cores. Fails if any target finds a crash, a leak, a sanitizer
# report or a timeout; the input that caused it is left in $build/artifacts/<target>/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      targets: json safetensors npy image (default all)
# New interesting inputs accumulate in $build/corpus/<target>/ (not committed); the seed corpus
# tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/ are only read.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json safetensors npy image)
build=${FFNET_FUZZ_BUILD_DIR:-build-fuzz}

bash scripts/install_deps.sh fuzz
CXX=clang++ bash scripts/configure.sh "$build" --buildtype=debugoptimized -Dfuzzing=true -Dtests=disabled -Dbenches=disabled
ninja -C "$build" -j "${FFNET_JOBS:-$(nproc)}" "${targets[@]/#/tests/fuzz/fuzz_}"

run_target() {
  local target=$1 log=$build/logs/$1.log
  local extra=()
  [ -d "tests/fuzz/regressions/$target" ] && extra+=("tests/fuzz/regressions/$target")
  mkdir -p "$build/corpus/$target" "$build/artifacts/$target"
  # halt_on_error: the first UBSan report ends the run as a crash, like an ASan report.
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
    -max_len=65536 -print_final_stats=1 -dict="tests/fuzz/dict/$target.dict" \
    -artifact_prefix="$build/artifacts/$target/" \
    "$build/corpus/$target" "tests/fuzz/corpus/$target" "${extra[@]}" >"$log" 2>&1
  echo $? >"$build/logs/$target.status"
}

mkdir -p "$build/logs"
rm -rf "$build/artifacts"
running=0
for target in "${targets[@]}"; do
  (set +e; run_target "$target") &
  running=$((running + 1))
  if [ "$running" -ge "$(nproc)" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

failed=0
for target in "${targets[@]}"; do
  status=$(cat "$build/logs/$target.status")
  log=$build/logs/$target.log
  stats=$(grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log" | sed 's/^stat:://' | tr '\n' ' ')
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' "$log" | tail -1)
  artifacts=$(find "$build/artifacts/$target" -type f | wc -l)
  if [ "$status" -ne 0 ] || [ "$artifacts" -ne 0 ]; then
    echo "fuzz $target: FAILED (exit $status, $artifacts artifacts in $build/artifacts/$target)"
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 || true
    echo "  after the fix, keep the input as a regression test (replayed by meson test):"
    echo "  cp $build/artifacts/$target/<file> tests/fuzz/regressions/$target/<what-it-broke>.<ext>"
    failed=1
  else
    echo "fuzz $target: ok for ${seconds}s: $stats$coverage"
  fi
done
exit $failed
