#!/usr/bin/python3
"""Procedural street scenes with per-pixel Cityscapes train ids, for training and checking the
demo model. Deterministic per seed.

A pinhole camera looks down a straight street: road with lanes and markings, sidewalks, grass
strips, facades with windows, tree masses and cross streets on both sides, a far wall or open
horizon, sky with clouds. Cars, people, poles, street lamps, traffic signs and lights and trees
stand on the ground and are painted far to near. Light varies per scene: sun side and cast
shadows, shaded facades, haze, exposure, colour temperature, vignetting and sensor noise.

usage: toy_streets.py OUT_DIR --count N [--first-seed S] [--size HxW]
writes OUT_DIR/NNNN.png (RGB) and OUT_DIR/NNNN_labels.png (train ids), NNNN = seed.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import png_io  # noqa: E402
from streets_background import Noise, render_background  # noqa: E402
from streets_canvas import Canvas, value_noise  # noqa: E402
from streets_layout import Lighting, sample_camera, sample_lighting, sample_street  # noqa: E402
from streets_objects import place_objects  # noqa: E402


def _noise(rng: np.random.Generator, height: int, width: int) -> Noise:
    unit = height / 512  # feature sizes scale with the picture
    return Noise(fine=rng.random((height, width), dtype=np.float32),
                 medium=value_noise(rng, height, width, 5 * unit),
                 coarse=value_noise(rng, height, width, 60 * unit))


def _develop(rgb: np.ndarray, depth: np.ndarray, light: Lighting, noise: Noise,
             rng: np.random.Generator) -> np.ndarray:
    """Haze, exposure, colour temperature, vignetting and sensor noise; (3, H, W) -> H x W x 3 uint8."""
    haze = 1 - np.exp(depth * np.float32(-1 / light.fog))  # the sky has depth 0: no haze
    rgb += (light.horizon[:, None, None] - rgb) * haze[None]
    _, height, width = rgb.shape
    ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    vignette = 1 - rng.uniform(0, 0.35) * (xs ** 2 + ys ** 2) / 2
    gain = (light.exposure * light.tint).astype(np.float32)[:, None, None] * vignette[None]
    # Sensor noise: the scene's uniform noise field, mirrored differently for each channel.
    grain = np.stack([noise.fine, noise.fine[::-1], noise.fine[:, ::-1]]) - np.float32(0.5)
    out = rgb * (gain * 255) + grain * np.float32(rng.uniform(5, 25))
    np.minimum(np.maximum(out, 0, out=out), 255, out=out)
    return (out + 0.5).astype(np.uint8).transpose(1, 2, 0).copy()


def generate_scene(seed: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 HxWx3, train ids uint8 HxW) of the scene `seed`."""
    rng = np.random.default_rng(seed)
    cam = sample_camera(rng, height, width)
    street = sample_street(rng)
    light = sample_lighting(rng, street.sun_side)
    noise = _noise(rng, height, width)
    canvas = Canvas(height, width)
    render_background(canvas, cam, street, light, noise)
    place_objects(canvas, cam, street, light, noise, rng)
    return _develop(canvas.rgb, canvas.depth, light, noise, rng), canvas.labels


def write_scenes(out_dir: str, first_seed: int, count: int, height: int, width: int) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for seed in range(first_seed, first_seed + count):
        rgb, labels = generate_scene(seed, height, width)
        png_io.write_png(os.path.join(out_dir, f"{seed:04d}.png"), width, height, 3, rgb.tobytes())
        png_io.write_png(os.path.join(out_dir, f"{seed:04d}_labels.png"), width, height, 1, labels.tobytes())


def parse_size(text: str) -> tuple[int, int]:
    try:
        height, width = map(int, text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW, got {text!r}") from None
    if height < 32 or width < 32:
        raise argparse.ArgumentTypeError("scenes must be at least 32x32")
    return height, width


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--size", type=parse_size, default=(512, 1024), help="HxW (default 512x1024)")
    args = parser.parse_args(argv)
    write_scenes(args.out_dir, args.first_seed, args.count, *args.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
