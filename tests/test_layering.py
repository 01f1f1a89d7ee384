#!/usr/bin/python3
"""Every #include of the project's own headers points down the layers (docs/architecture.md):

    ffnet/core   the shared vocabulary: includes nothing else of the project
    weights/     core
    ops/         core
    ffnet/       core, weights, ops (the model and network on top)
    examples/    anything but tests/ and bench/
    python/      anything but tests/ and bench/

and instruction-set intrinsics appear only in files named for their family: x86 headers
(<immintrin.h> and friends) in files whose names carry sse2, avx2, avx512, avx_vnni or
avx512_vnni; <arm_neon.h> in files naming neon. (The CPU feature detection may use <cpuid.h>.)
The link checks in meson.build hold the same layering for symbols.

usage: test_layering.py SOURCE_ROOT
"""
import re
import sys
import unittest
from pathlib import Path

ROOT = None
LAYERS = {  # folder -> folders it may include from (besides itself)
    "ffnet/core": {"ffnet/core"},
    "weights": {"ffnet/core", "weights"},
    "ops": {"ffnet/core", "ops"},
    "ffnet": {"ffnet/core", "weights", "ops", "ffnet"},
    "examples": {"ffnet/core", "weights", "ops", "ffnet", "examples"},
    "python": {"ffnet/core", "weights", "ops", "ffnet", "python"},
}
PROJECT_FOLDERS = ("ffnet/core", "weights", "ops", "ffnet", "examples", "tests", "bench", "python")
X86_HEADERS = {"immintrin.h", "emmintrin.h", "xmmintrin.h", "pmmintrin.h", "tmmintrin.h", "smmintrin.h",
               "nmmintrin.h", "x86intrin.h", "avxintrin.h", "avx2intrin.h", "avx512fintrin.h"}
X86_FAMILIES = re.compile(r"(sse2|avx2|avx512|avx_vnni|avxvnni)")
ARM_HEADERS = {"arm_neon.h", "arm_sve.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(path: Path) -> str | None:
    """The layer folder a project path belongs to (the longest match)."""
    text = path.as_posix()
    for folder in sorted(LAYERS, key=len, reverse=True):
        if text.startswith(folder + "/"):
            return folder
    return None


def sources():
    for folder in LAYERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".cpp", ".hpp", ".h", ".cc") and layer_of(path.relative_to(ROOT)) == folder:
                yield path.relative_to(ROOT)


class Layering(unittest.TestCase):
    def test_includes_point_down(self):
        problems = []
        checked = 0
        for path in sources():
            layer = layer_of(path)
            for kind, target in INCLUDE.findall((ROOT / path).read_text(encoding="utf-8")):
                if kind != '"':
                    continue
                target_layer = layer_of(Path(target))
                if target_layer is None:
                    if target.split("/")[0] in PROJECT_FOLDERS:
                        problems.append(f"{path}: includes {target}, which is in no layer it may use")
                    continue
                checked += 1
                if target_layer not in LAYERS[layer]:
                    problems.append(f"{path} ({layer}) includes {target} ({target_layer})")
        self.assertGreater(checked, 100, "the scan found too few includes: is SOURCE_ROOT right?")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_intrinsics_only_in_files_named_for_their_family(self):
        problems = []
        for path in sources():
            for kind, target in INCLUDE.findall((ROOT / path).read_text(encoding="utf-8")):
                name = path.name
                if target in X86_HEADERS and not X86_FAMILIES.search(name):
                    problems.append(f"{path}: x86 intrinsics <{target}> in a file not named for an x86 family")
                if target in ARM_HEADERS and "neon" not in name and "sve" not in name:
                    problems.append(f"{path}: ARM intrinsics <{target}> in a file not named for an ARM family")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_check_sees_a_violation(self):
        """The rules above applied to made-up lines, so that they cannot pass vacuously."""
        self.assertEqual(layer_of(Path("ops/gemm/pack.cpp")), "ops")
        self.assertEqual(layer_of(Path("ffnet/core/tensor.hpp")), "ffnet/core")
        self.assertNotIn(layer_of(Path("ffnet/network.hpp")), LAYERS["ops"])
        self.assertNotIn(layer_of(Path("weights/npy.hpp")), LAYERS["ffnet/core"])
        self.assertIsNone(X86_FAMILIES.search("elementwise.cpp"))
        self.assertIsNotNone(X86_FAMILIES.search("f32_gemm_6x64__avx512.cpp"))


if __name__ == "__main__":
    ROOT = Path(sys.argv[1]).resolve()
    unittest.main(argv=sys.argv[:1], verbosity=2)
