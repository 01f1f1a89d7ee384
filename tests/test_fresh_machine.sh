#!/usr/bin/env bash
# scripts/demo.sh on a machine that has only the build packages: a clean copy of the source
# tree is configured and built in a private mount namespace (unshare -m) in which the test and
# bench dependencies cannot be found: their headers, pkg-config files, CMake packages and
# Python packages are hidden under empty mounts. Then:
#   1. with stb_image.h hidden as well, configuring fails: demo.sh must exit non-zero and show
#      meson's error (not send it to /dev/null);
#   2. the build directory is left as an older demo.sh left it after such a failure (meson's
#      logs, no build.ninja); with stb back, demo.sh must recover, build ffnet-segment without
#      the tests and benches, and write the overlay and labels of the sample picture.
# Needs root (mount namespaces); otherwise it exits 77, which meson reports as skipped.
# usage: test_fresh_machine.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
  echo "skipped: hiding installed packages needs root and mount namespaces (unshare -m)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/clone"
# The source tree as a clone would have it: what git knows (committed or not), nothing built.
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$src" ls-files -z --cached --others --exclude-standard |
    tar -C "$src" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$work/clone" -xf -
else
  tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/clone" -xf -
fi

# What the test and bench packages (doctest-dev, libeigen3-dev, libbenchmark-dev, python3-torch,
# python3-numpy) install that a build could find; dpkg -L lists them.
multiarch=$(gcc -print-multiarch)
hidden_dirs=(
  /usr/include/doctest /usr/lib/cmake/doctest
  /usr/include/eigen3 /usr/share/eigen3
  /usr/include/benchmark "/usr/lib/$multiarch/cmake/benchmark"
  /usr/lib/python3/dist-packages/torch /usr/lib/python3/dist-packages/numpy
)
hidden_files=(/usr/share/pkgconfig/eigen3.pc "/usr/lib/$multiarch/pkgconfig/benchmark.pc")

cat >"$work/inside.sh" <<'INSIDE'
set -euo pipefail
work=$1
shift
fail() { echo "FAIL: $*" >&2; exit 1; }
mount --make-rprivate /
while [ $# -gt 0 ]; do
  kind=$1 path=$2
  shift 2
  [ -e "$path" ] || continue
  if [ "$kind" = dir ]; then mount -t tmpfs none "$path"; else mount --bind /dev/null "$path"; fi
done
# The hiding must have worked, or this test proves nothing.
! pkg-config --exists doctest || fail "pkg-config still finds doctest"
! pkg-config --exists eigen3 || fail "pkg-config still finds eigen3"
! pkg-config --exists benchmark || fail "pkg-config still finds benchmark"
! /usr/bin/python3 -c 'import torch, numpy; torch.zeros(1); numpy.zeros(1)' 2>/dev/null ||
  fail "python3 still imports torch and numpy"
[ ! -e /usr/include/doctest/doctest.h ] || fail "doctest.h is still visible"

cd "$work"
echo "== 1. demo.sh where configuring fails (stb_image.h hidden)"
mount -t tmpfs none /usr/include/stb
status=0
bash clone/scripts/demo.sh overlay.png labels.png >first.log 2>&1 || status=$?
cat first.log
umount /usr/include/stb
[ "$status" -ne 0 ] || fail "demo.sh succeeded although meson could not configure"
grep -q "stb_image.h not found" first.log || fail "demo.sh did not show meson's error"
[ ! -e overlay.png ] && [ ! -e labels.png ] || fail "a failed demo.sh left outputs"

echo "== 2. demo.sh after that, from a build directory a failed configure left behind"
mkdir -p clone/build/meson-logs
echo "left by a configure that failed" >clone/build/meson-logs/meson-log.txt
bash clone/scripts/demo.sh overlay.png labels.png 2>&1 | tee second.log
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "demo.sh failed with only the build packages"
grep -Eq "^ *tests *: no \(missing: doctest.*torch" clone/build/meson-logs/meson-log.txt ||
  fail "meson did not report the tests as not built for want of doctest"
grep -Eq "^ *benches *: no" clone/build/meson-logs/meson-log.txt || fail "meson did not report the benches as not built"
/usr/bin/python3 - clone/docs/sample_street.png overlay.png labels.png <<'PY'
import struct, sys
def png_size(path):
    data = open(path, "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path + " is not a PNG"
    return struct.unpack(">II", data[16:24])
picture = png_size(sys.argv[1])
for out in sys.argv[2:]:
    assert png_size(out) == picture, f"{out} is {png_size(out)}, the picture {picture}"
print("overlay and labels are PNGs of the picture's size", picture)
PY
INSIDE

args=()
for d in "${hidden_dirs[@]}"; do args+=(dir "$d"); done
for f in "${hidden_files[@]}"; do args+=(file "$f"); done
unshare -m bash "$work/inside.sh" "$work" "${args[@]}"
echo "demo.sh works on a machine without the test and bench packages"
