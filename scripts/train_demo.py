#!/usr/bin/python3
"""Train the demo model, segmentation_ffnet46NS_CCC_mobile, on toy street scenes (CPU, torch).

1. Render a pool of training scenes (seeds 0..N-1) at the evaluation size, 512x1024.
2. Train from scratch on random crops at that same scale (objects keep the size they have at
   evaluation), with horizontal flips; AdamW, linear warm-up then cosine decay; cross-entropy on
   the logits upsampled bilinearly (align_corners=False) to the crop, classes weighted by
   1/sqrt(frequency) so thin poles and small signs count.
3. Save state_dict() (published layout), convert it with convert_checkpoint.py --dtype float16,
   load that file back and evaluate it on held-out scenes (seeds from 1,000,000) at 512x1024.
4. Record the facts in weights/<name>.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import demo_common as dc  # noqa: E402
from ffnet_torch import build_model  # noqa: E402
from toy_streets import generate_scene, parse_size  # noqa: E402

VALIDATION_FIRST_SEED = 900_000  # monitoring during training; the held-out set is never looked at


def render_pool(first_seed: int, count: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    images = np.empty((count, *size, 3), np.uint8)
    labels = np.empty((count, *size), np.uint8)
    for i in range(count):
        images[i], labels[i] = generate_scene(first_seed + i, *size)
    return images, labels


def class_weights(labels: np.ndarray) -> torch.Tensor:
    """1/sqrt(frequency), mean 1 over the classes present, at most 10x the mean."""
    counts = np.bincount(labels.ravel(), minlength=dc.NUM_CLASSES).astype(np.float64)
    present = counts > 0
    weights = np.zeros(dc.NUM_CLASSES)
    weights[present] = 1 / np.sqrt(counts[present] / counts.sum())
    weights[present] /= weights[present].mean()
    return torch.tensor(np.minimum(weights, 10), dtype=torch.float32)


def sample_batch(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray, batch: int,
                 crop: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    height, width = images.shape[1:3]
    xs, ys = [], []
    for i in rng.integers(0, len(images), batch):
        top, left = rng.integers(0, height - crop[0] + 1), rng.integers(0, width - crop[1] + 1)
        step = -1 if rng.random() < 0.5 else 1  # horizontal flip
        window = (i, slice(top, top + crop[0]), slice(left, left + crop[1]))
        xs.append(images[window][:, ::step])
        ys.append(labels[window][:, ::step])
    return dc.normalise(np.stack(xs)), torch.from_numpy(np.stack(ys).astype(np.int64))


def learning_rate(progress: float, peak: float, warmup: float) -> float:
    """Linear warm-up over the first `warmup` of training, then cosine decay to 1 % of peak."""
    if progress < warmup:
        return peak * max(progress / warmup, 0.01)
    rest = (progress - warmup) / (1 - warmup)
    return peak * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(rest, 1.0))))


def evaluate(model: torch.nn.Module, first_seed: int, count: int, size: tuple[int, int]) -> np.ndarray:
    model.eval()
    matrix = np.zeros((dc.NUM_CLASSES, dc.NUM_CLASSES), np.int64)
    for seed in range(first_seed, first_seed + count):
        rgb, truth = generate_scene(seed, *size)
        matrix += dc.confusion(dc.predict(model, rgb), truth)
    return matrix


def train(model: torch.nn.Module, images: np.ndarray, labels: np.ndarray, args: argparse.Namespace) -> int:
    """Train for args.minutes of wall time (the schedule follows the clock, so a busy machine
    gets fewer steps rather than a cut-off schedule); returns the number of steps taken."""
    rng = np.random.default_rng(args.seed)
    weights = class_weights(labels)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    start, budget, seen, step = time.time(), args.minutes * 60, 0.0, 0
    while (progress := (time.time() - start) / budget) < 1:
        model.train()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(progress, args.lr, args.warmup)
        x, y = sample_batch(rng, images, labels, args.batch, args.crop)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            logits = model(x)
        loss = F.cross_entropy(dc.upsample(logits.float(), args.crop), y, weight=weights)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seen = 0.95 * seen + 0.05 * loss.item() if step else loss.item()
        step += 1
        if step % 25 == 0:
            print(f"step {step:5d}  loss {seen:.4f}  lr {optimizer.param_groups[0]['lr']:.2e}  "
                  f"{time.time() - start:7.0f} s", flush=True)
        if args.validate_every and step % args.validate_every == 0:
            matrix = evaluate(model, VALIDATION_FIRST_SEED, args.validation_scenes, dc.EVAL_SIZE)
            print(f"validation mIoU {dc.mean_iou(matrix):.2f}  " + "  ".join(
                f"{k} {v:.1f}" for k, v in dc.per_class_iou(matrix).items()), flush=True)
            if args.keep_checkpoint:  # a killed run can continue from here with --init
                partial = args.keep_checkpoint.with_name(args.keep_checkpoint.name + ".partial")
                torch.save(model.state_dict(), partial)
                os.replace(partial, args.keep_checkpoint)  # never a half-written checkpoint
    return step


def export(model: torch.nn.Module, out: Path, keep: Path | None) -> None:
    """state_dict() as torch.save writes it, then the torch-free converter to float16 safetensors."""
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = keep or Path(tmp) / f"{dc.WEIGHTS_NAME}.pth"
        torch.save(model.state_dict(), checkpoint)
        subprocess.run([sys.executable, str(SCRIPTS / "convert_checkpoint.py"), str(checkpoint), str(out),
                        "--model", dc.MODEL, "--dtype", "float16"], check=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=SCRIPTS.parent / "weights")
    parser.add_argument("--train-scenes", type=int, default=1200)
    parser.add_argument("--minutes", type=float, default=45, help="training wall time")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=parse_size, default=(256, 512), help="HxW of the training crops")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    parser.add_argument("--warmup", type=float, default=0.03, help="fraction of the time spent warming up")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--fp32", dest="bf16", action="store_false",
                        help="plain float32 forward (default: bfloat16 autocast, faster on CPUs with AVX512-BF16)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="seeds the weights and the crop sampling")
    parser.add_argument("--init", type=Path, help="start from this state dict (.pth from --keep-checkpoint)")
    parser.add_argument("--held-out-scenes", type=int, default=40)
    parser.add_argument("--keep-checkpoint", type=Path, help="also keep the .pth state dict here, saved at each validation too")
    parser.add_argument("--validate-every", type=int, default=200, help="steps; 0: never")
    parser.add_argument("--validation-scenes", type=int, default=10)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    began = time.time()
    images, labels = render_pool(0, args.train_scenes, dc.EVAL_SIZE)
    rendered = time.time()
    print(f"rendered {args.train_scenes} scenes in {rendered - began:.0f} s", flush=True)
    model = build_model(dc.MODEL)
    if args.init:  # our own file; weights_only refuses anything but tensors
        model.load_state_dict(torch.load(args.init, weights_only=True))
    steps = train(model, images, labels, args)
    trained = time.time()

    out = args.out_dir / f"{dc.WEIGHTS_NAME}.safetensors"
    export(model, out, args.keep_checkpoint)
    shipped = dc.load_model(str(out))  # evaluate what we ship: the float16 file
    matrix = evaluate(shipped, dc.HELD_OUT_FIRST_SEED, args.held_out_scenes, dc.EVAL_SIZE)
    facts = {
        "model": dc.MODEL,
        "weights": out.name,
        "weights_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "storage": "float16 (converted with scripts/convert_checkpoint.py --dtype float16)",
        "training": {
            "scenes": f"toy_streets.py seeds 0..{args.train_scenes - 1} at {dc.EVAL_SIZE[0]}x{dc.EVAL_SIZE[1]}",
            "crop": f"{args.crop[0]}x{args.crop[1]}, random position, random horizontal flip",
            "steps": steps, "batch": args.batch, "optimizer": "AdamW",
            "lr": f"peak {args.lr}; schedule over {args.minutes} minutes of wall time: linear warm-up for "
                  f"{args.warmup:.0%} of it, then cosine decay to 1% of peak",
            "weight_decay": args.weight_decay, "bf16_autocast": args.bf16, "seed": args.seed,
            "initialised_from": args.init.name if args.init else "random (torch.manual_seed(seed))",
            "loss": "cross-entropy, logits upsampled bilinearly (align_corners=False), 1/sqrt(freq) class weights",
            "threads": args.threads, "torch": torch.__version__,
            "wall_time_s": {"render": round(rendered - began), "train": round(trained - rendered)},
        },
        "held_out": {
            "scenes": f"toy_streets.py seeds {dc.HELD_OUT_FIRST_SEED}..{dc.HELD_OUT_FIRST_SEED + args.held_out_scenes - 1}"
                      f" at {dc.EVAL_SIZE[0]}x{dc.EVAL_SIZE[1]}",
            "evaluation": "PyTorch, the float16 file above; logits resized bilinearly (align_corners=False) "
                          "to the input size, arg-max; IoU summed over all scenes",
            "mIoU": round(dc.mean_iou(matrix), 2),
            "per_class_IoU": {k: round(v, 2) for k, v in dc.per_class_iou(matrix).items()},
        },
    }
    (args.out_dir / f"{dc.WEIGHTS_NAME}.json").write_text(json.dumps(facts, indent=2) + "\n")
    print(json.dumps(facts["held_out"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
