#!/usr/bin/python3
"""Write a random-weight FFNet checkpoint plus PyTorch reference inputs, outputs and
intermediate feature maps, for testing the C++ implementation.

DIR/checkpoint.pth, DIR/meta.json and per size DIR/HxW/{input,output}.npy and
DIR/HxW/features/<name>.npy (see --help).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ffnet_arch  # noqa: E402
from ffnet_torch import FFNet, build_model  # noqa: E402

BN_RANGES = {"weight": (0.5, 1.5), "bias": (-0.5, 0.5), "running_mean": (-0.5, 0.5),
             "running_var": (0.5, 2.0)}
# Layer scales are fitted at this size: large enough that even the 1/64 maps of pre_down models
# have many pixels, so the logits keep a std near 1 at other sizes too.
CALIBRATION_SIZE = (256, 512)


def _uniform_(t: torch.Tensor, low: float, high: float, gen: torch.Generator) -> None:
    t.copy_(torch.rand(t.shape, generator=gen) * (high - low) + low)


@torch.no_grad()
def randomize_(model: FFNet, seed: int, calibration_input: torch.Tensor) -> None:
    """Random weights and non-trivial batch-norm statistics, with every conv and linear layer
    rescaled so that its output (before bias) has unit standard deviation on
    `calibration_input`: activations then neither explode nor vanish through 150 layers."""
    gen = torch.Generator().manual_seed(seed)
    hooks = []
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            for field, (low, high) in BN_RANGES.items():
                _uniform_(getattr(module, field), low, high, gen)
            module.num_batches_tracked.fill_(int(torch.randint(1, 10**6, (), generator=gen)))
        elif isinstance(module, (nn.Conv2d, nn.Linear)) and module is not getattr(model, "smoothing", None):
            fan_in = module.weight[0].numel()
            module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
            if module.bias is not None:
                _uniform_(module.bias, -0.2, 0.2, gen)
            hooks.append(module.register_forward_hook(_normalize_output_hook))
    model.eval()
    model(calibration_input)
    for hook in hooks:
        hook.remove()


def _normalize_output_hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
    bias = 0 if module.bias is None else module.bias.view(-1, *[1] * (output.dim() - 2))
    scale = float((output - bias).std())
    module.weight.div_(scale)
    return (output - bias) / scale + bias


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in text.split(","):
        h, sep, w = item.strip().partition("x")
        if not (sep and h.isdigit() and w.isdigit() and int(h) > 0 and int(w) > 0):
            raise argparse.ArgumentTypeError(f"size {item!r} is not HxW")
        sizes.append((int(h), int(w)))
    return sizes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=ffnet_arch.model_name_argument,
                        help="published FFNet model name")
    parser.add_argument("--sizes", required=True, type=parse_sizes, help="e.g. 64x128,97x190")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--legacy-format", action="store_true",
                        help="save with _use_new_zipfile_serialization=False")
    return parser.parse_args(argv)


def random_input(seed: int, height: int, width: int, stream: int = 0) -> np.ndarray:
    rng = np.random.default_rng([seed, stream, height, width])
    return rng.standard_normal((1, 3, height, width), dtype=np.float32)


def make_random_model(name: str, seed: int) -> FFNet:
    """The same weights for a given (name, seed) whatever sizes the references use."""
    torch.manual_seed(seed)
    model = build_model(name)
    calibration = random_input(seed, *CALIBRATION_SIZE, stream=1)
    randomize_(model, seed, torch.from_numpy(calibration))
    return model


def write_size(model: FFNet, seed: int, size: tuple[int, int], directory: str) -> list[str]:
    """Input, output and features for one input size; returns the feature names."""
    os.makedirs(os.path.join(directory, "features"), exist_ok=True)
    x = random_input(seed, *size)
    features: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        y = model(torch.from_numpy(x), features)
    expected = ffnet_arch.output_shape(model.config, *size)
    if tuple(y.shape) != expected:
        raise AssertionError(f"output {tuple(y.shape)} != {expected} from ffnet_arch.output_shape")
    np.save(os.path.join(directory, "input.npy"), x)
    np.save(os.path.join(directory, "output.npy"), y.numpy())
    for name, value in features.items():
        np.save(os.path.join(directory, "features", f"{name}.npy"), value.contiguous().numpy())
    print(f"{size[0]}x{size[1]}: output {list(y.shape)} {describe(y)}")
    return list(features)


def describe(y: torch.Tensor) -> str:
    """Spread of the logits: their std and, per pixel, the gap between the top two classes."""
    text = f"std {float(y.std()):.3g}, range [{float(y.min()):.3g}, {float(y.max()):.3g}]"
    if y.dim() == 4:
        top2 = y.topk(2, dim=1).values
        argmax = y.argmax(dim=1)
        text += (f", {int(argmax.unique().numel())} distinct arg-max classes, "
                 f"min top-2 gap {float((top2[:, 0] - top2[:, 1]).min()):.3g}")
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.use_deterministic_algorithms(True)
    model = make_random_model(args.model, args.seed)
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "checkpoint.pth"),
               _use_new_zipfile_serialization=not args.legacy_format)
    names: list[str] = []
    for h, w in args.sizes:
        names = write_size(model, args.seed, (h, w), os.path.join(args.out, f"{h}x{w}"))
    meta = {"model": args.model, "seed": args.seed, "sizes": [list(s) for s in args.sizes],
            "features": names, "legacy_format": args.legacy_format}
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
