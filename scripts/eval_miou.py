#!/usr/bin/python3
"""Held-out mIoU of the demo weights, through ffnet-segment and through PyTorch.

Renders held-out toy street scenes (seeds disjoint from training) as PNGs into a temporary
directory, runs `ffnet-segment --input DIR --labels OUT --keep-size` on it, reads the label PNGs
it writes, and runs our PyTorch FFNet with the same safetensors file and the same pre- and
post-processing on the same pictures. Prints both mIoUs (mean over the classes present in the
ground truth), per-class IoU and the pixel agreement of the two label maps.

Exit status: 0 if ours >= --min-miou, |ours - PyTorch| <= --max-gap points and the label maps
agree on >= --min-agreement percent of the pixels; 1 otherwise
(also when ffnet-segment fails or writes something unexpected).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_common as dc  # noqa: E402
import png_io  # noqa: E402
from toy_streets import generate_scene, parse_size  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segment", required=True, help="the ffnet-segment binary")
    parser.add_argument("--weights", required=True, help="demo weights (.safetensors, F16 or F32)")
    parser.add_argument("--scenes", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=dc.HELD_OUT_FIRST_SEED)
    parser.add_argument("--size", type=parse_size, default=dc.EVAL_SIZE, help="HxW (default 512x1024)")
    parser.add_argument("--threads", type=int, help="passed to ffnet-segment; PyTorch uses 2")
    parser.add_argument("--min-miou", type=float, default=80.0)
    parser.add_argument("--max-gap", type=float, default=0.1, help="largest |ours - PyTorch| in mIoU points")
    parser.add_argument("--min-agreement", type=float, default=99.9,
                        help="smallest share of pixels (percent) where ours and PyTorch pick the same class")
    args = parser.parse_args(argv)
    if args.first_seed < dc.HELD_OUT_FIRST_SEED:
        parser.error(f"seeds below {dc.HELD_OUT_FIRST_SEED} are training scenes")
    return args


def run_segment(args: argparse.Namespace, inputs: Path, outputs: Path) -> None:
    command = [args.segment, "--weights", args.weights, "--input", str(inputs), "--labels", str(outputs),
               "--keep-size", "--quiet"] + (["--threads", str(args.threads)] if args.threads else [])
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"ffnet-segment exited with {result.returncode}: {result.stderr.strip()}")


def read_labels(path: Path, size: tuple[int, int]) -> np.ndarray:
    picture = png_io.read_png(str(path))
    if (picture.height, picture.width, picture.channels) != (*size, 1):
        raise RuntimeError(f"{path.name}: {picture.width}x{picture.height}x{picture.channels}, "
                           f"expected a {size[1]}x{size[0]} grey PNG")
    return np.frombuffer(picture.pixels, np.uint8).reshape(size)


def report(name: str, matrix: np.ndarray) -> float:
    miou = dc.mean_iou(matrix)
    print(f"{name:8s} mIoU {miou:6.2f}")
    return miou


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(2)
    began = time.time()
    ours = np.zeros((dc.NUM_CLASSES, dc.NUM_CLASSES), np.int64)
    theirs, agree = ours.copy(), 0
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = Path(tmp) / "scenes", Path(tmp) / "labels"
        inputs.mkdir()
        outputs.mkdir()
        seeds = range(args.first_seed, args.first_seed + args.scenes)
        scenes = {}
        for seed in seeds:
            rgb, truth = generate_scene(seed, *args.size)
            png_io.write_png(str(inputs / f"{seed}.png"), args.size[1], args.size[0], 3, rgb.tobytes(), level=1)
            scenes[seed] = truth
        try:
            run_segment(args, inputs, outputs)
            written = sorted(p.name for p in outputs.iterdir())
            if written != sorted(f"{seed}.png" for seed in seeds):
                raise RuntimeError(f"ffnet-segment wrote {written[:5]}..., expected one <seed>.png per scene")
            model = dc.load_model(args.weights)
            for seed, truth in scenes.items():
                label_cpp = read_labels(outputs / f"{seed}.png", args.size)
                rgb = np.frombuffer(png_io.read_png(str(inputs / f"{seed}.png")).pixels, np.uint8)
                label_torch = dc.predict(model, rgb.reshape(*args.size, 3))
                ours += dc.confusion(label_cpp, truth)
                theirs += dc.confusion(label_torch, truth)
                agree += int((label_cpp == label_torch).sum())
        except (RuntimeError, png_io.PngError, subprocess.TimeoutExpired) as e:
            print(f"eval_miou: {e}", file=sys.stderr)
            return 1

    print(f"{args.scenes} held-out scenes, seeds {seeds.start}..{seeds.stop - 1}, {args.size[0]}x{args.size[1]}")
    print(f"{'class':14s} {'ours':>7s} {'torch':>7s}")
    torch_iou = dc.per_class_iou(theirs)
    for name, iou in dc.per_class_iou(ours).items():
        print(f"{name:14s} {iou:7.2f} {torch_iou[name]:7.2f}")
    miou_ours, miou_torch = report("ours", ours), report("PyTorch", theirs)
    agreement = 100 * agree / (args.scenes * args.size[0] * args.size[1])
    print(f"pixel agreement {agreement:.4f} %")
    print(f"time {time.time() - began:.0f} s")
    failures = []
    if miou_ours < args.min_miou:
        failures.append(f"mIoU {miou_ours:.2f} < {args.min_miou}")
    if abs(miou_ours - miou_torch) > args.max_gap:
        failures.append(f"|ours - PyTorch| = {abs(miou_ours - miou_torch):.3f} > {args.max_gap}")
    if agreement < args.min_agreement:
        failures.append(f"pixel agreement {agreement:.4f} % < {args.min_agreement} %")
    for failure in failures:
        print(f"eval_miou: FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
