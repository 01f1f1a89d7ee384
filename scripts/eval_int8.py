#!/usr/bin/python3
"""The demo model quantised to int8, against its float32 self, through the commands a user runs.

Renders --calibration-scenes training scenes (seeds below the held-out ones) and --scenes held-out
scenes as PNGs into a temporary directory; `ffnet-quantize --calibration` on the training scenes
makes the int8 file; `ffnet-segment --keep-size` segments the held-out scenes with the float and
with the int8 file. Prints both mIoUs (against the scenes' ground truth) and the share of pixels
where the two label maps agree.

Exit status: 0 if |mIoU int8 - mIoU float| <= --max-gap points and the label maps agree on
>= --min-agreement percent of the pixels; 1 otherwise (also when a command fails).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_common as dc  # noqa: E402
import png_io  # noqa: E402
from eval_miou import read_labels  # noqa: E402
from toy_streets import generate_scene, parse_size  # noqa: E402

CALIBRATION_FIRST_SEED = 500_000  # training scenes (below HELD_OUT_FIRST_SEED)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segment", required=True, help="the ffnet-segment binary")
    parser.add_argument("--quantize", required=True, help="the ffnet-quantize binary")
    parser.add_argument("--weights", required=True, help="the float demo weights (.safetensors)")
    parser.add_argument("--calibration-scenes", type=int, default=16)
    parser.add_argument("--scenes", type=int, default=40, help="held-out scenes")
    parser.add_argument("--size", type=parse_size, default=dc.EVAL_SIZE, help="HxW (default 512x1024)")
    parser.add_argument("--method", help="passed to ffnet-quantize (default: its own)")
    parser.add_argument("--equalize", action="store_true", help="passed to ffnet-quantize")
    parser.add_argument("--max-gap", type=float, default=0.2, help="largest |int8 - float| in mIoU points")
    parser.add_argument("--min-agreement", type=float, default=99.5,
                        help="smallest share of pixels (percent) where int8 and float pick the same class")
    args = parser.parse_args(argv)
    if CALIBRATION_FIRST_SEED + args.calibration_scenes > dc.HELD_OUT_FIRST_SEED:
        parser.error("too many calibration scenes: they must stay below the held-out seeds")
    return args


def render(directory: Path, seeds: range, size: tuple[int, int]) -> dict[int, np.ndarray]:
    directory.mkdir()
    truths = {}
    for seed in seeds:
        rgb, truth = generate_scene(seed, *size)
        png_io.write_png(str(directory / f"{seed}.png"), size[1], size[0], 3, rgb.tobytes(), level=1)
        truths[seed] = truth
    return truths


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} exited with {result.returncode}: {result.stderr.strip()}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        render(root / "calibration", range(CALIBRATION_FIRST_SEED, CALIBRATION_FIRST_SEED + args.calibration_scenes),
               args.size)
        seeds = range(dc.HELD_OUT_FIRST_SEED, dc.HELD_OUT_FIRST_SEED + args.scenes)
        truths = render(root / "held_out", seeds, args.size)
        int8 = root / "int8.safetensors"
        try:
            run([args.quantize, "--weights", args.weights, "--calibration", str(root / "calibration"),
                 "--output", str(int8), "--keep-size", "--quiet"]
                + (["--method", args.method] if args.method else []) + (["--equalize"] if args.equalize else []))
            matrices, labels = {}, {}
            for name, weights in (("float32", args.weights), ("int8", str(int8))):
                out = root / f"labels_{name}"
                run([args.segment, "--weights", weights, "--input", str(root / "held_out"), "--labels", str(out),
                     "--keep-size", "--quiet"])
                labels[name] = {seed: read_labels(out / f"{seed}.png", args.size) for seed in seeds}
                matrices[name] = sum(dc.confusion(labels[name][s], truths[s]) for s in seeds)
        except (RuntimeError, png_io.PngError, FileNotFoundError, subprocess.TimeoutExpired) as e:
            print(f"eval_int8: {e}", file=sys.stderr)
            return 1
    agree = sum(int((labels["int8"][s] == labels["float32"][s]).sum()) for s in seeds)
    agreement = 100 * agree / (args.scenes * args.size[0] * args.size[1])
    miou = {name: dc.mean_iou(m) for name, m in matrices.items()}
    print(f"calibrated on {args.calibration_scenes} training scenes; {args.scenes} held-out scenes, "
          f"{args.size[0]}x{args.size[1]}")
    print(f"{'class':14s} {'float32':>7s} {'int8':>7s}")
    int8_iou = dc.per_class_iou(matrices["int8"])
    for name, iou in dc.per_class_iou(matrices["float32"]).items():
        print(f"{name:14s} {iou:7.2f} {int8_iou[name]:7.2f}")
    print(f"mIoU float32 {miou['float32']:.2f}, int8 {miou['int8']:.2f}; pixel agreement {agreement:.3f} %")
    print(f"time {time.time() - began:.0f} s")
    failures = []
    if abs(miou["int8"] - miou["float32"]) > args.max_gap:
        failures.append(f"|int8 - float32| = {abs(miou['int8'] - miou['float32']):.3f} > {args.max_gap} mIoU points")
    if agreement < args.min_agreement:
        failures.append(f"pixel agreement {agreement:.3f} % < {args.min_agreement} %")
    for failure in failures:
        print(f"eval_int8: FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
