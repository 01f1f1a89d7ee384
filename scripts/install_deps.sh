#!/usr/bin/env bash
# Installs the Debian packages ffnet.cpp needs, skipping those already installed.
#   scripts/install_deps.sh build    compiler, meson, ninja, stb
#   scripts/install_deps.sh test     + doctest, Eigen, python3-torch, python3-numpy, python3-pil, and for
#                                      the Python module and its tests python3-dev, python3-venv, pybind11-dev,
#                                      python3-pytest, python3-dask, python3-distributed
#   scripts/install_deps.sh bench    + Google Benchmark, Eigen
#   scripts/install_deps.sh fuzz     + clang with libFuzzer, the sanitizer runtimes and libomp
#                                      (with its ThreadSanitizer tool, archer)
#   scripts/install_deps.sh arm      + the aarch64 cross compiler, qemu-user, and Google Benchmark
#                                      for arm64 (Debian multiarch: adds the arm64 architecture to
#                                      dpkg once; only :arm64 libraries are installed from it)
set -euo pipefail

packages=(g++ meson ninja-build pkg-config libstb-dev)
for group in "$@"; do
  case "$group" in
    build) ;;
    test) packages+=(doctest-dev libeigen3-dev libbenchmark-dev python3-torch python3-numpy python3-pil
                     python3-dev python3-venv pybind11-dev python3-pytest python3-dask python3-distributed) ;;
    bench) packages+=(libbenchmark-dev libeigen3-dev python3-torch python3-numpy) ;;
    fuzz) packages+=(clang libclang-rt-14-dev libomp-14-dev doctest-dev libeigen3-dev libbenchmark-dev) ;;
    arm) packages+=(g++-aarch64-linux-gnu qemu-user doctest-dev libeigen3-dev libbenchmark-dev:arm64) ;;
    *) echo "install_deps.sh: unknown group '$group' (build, test, bench, fuzz, arm)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "Installing: ${missing[*]}"
if printf '%s\n' "${missing[@]}" | grep -q ':arm64$' && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "Adding the arm64 architecture to dpkg (multiarch), for the arm64 libraries of the cross build"
  $sudo dpkg --add-architecture arm64
fi
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
