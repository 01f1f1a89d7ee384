"""Drawing primitives for the toy street scenes: Cityscapes train ids, a pinhole camera over a
flat ground plane, a canvas holding colour and label per pixel, value noise and convex shapes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE, TRAFFIC_LIGHT, TRAFFIC_SIGN = range(8)
VEGETATION, TERRAIN, SKY, PERSON, RIDER, CAR = range(8, 14)

Colour = np.ndarray  # float32 RGB in [0, 1], shape (3,) or (h, w, 3)


@dataclass(frozen=True)
class Camera:
    """World: X right, Y up (ground at 0), Z forward from the camera at (0, cam_height, 0)."""
    height: int
    width: int
    focal: float  # pixels per metre at Z = 1 m
    cx: float  # column of the vanishing point
    horizon: float  # row of the vanishing point
    cam_height: float

    def x(self, X: float, Z: float) -> float:
        return self.cx + self.focal * X / Z

    def y(self, Y: float, Z: float) -> float:
        return self.horizon + self.focal * (self.cam_height - Y) / Z

    def scale(self, Z: float) -> float:
        """Pixels per metre at depth Z."""
        return self.focal / Z


@dataclass(frozen=True)
class Region:
    """A clipped pixel box: slices into the canvas and pixel-centre coordinates."""
    rows: slice
    cols: slice
    ys: np.ndarray  # (h, 1)
    xs: np.ndarray  # (1, w)


class Canvas:
    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.rgb = np.zeros((3, height, width), np.float32)  # planar RGB
        self.labels = np.full((height, width), SKY, np.uint8)
        self.depth = np.zeros((height, width), np.float32)  # metres, 0 for the sky

    def region(self, x0: float, y0: float, x1: float, y1: float) -> Region | None:
        c0, c1 = max(int(np.floor(x0)), 0), min(int(np.ceil(x1)), self.width)
        r0, r1 = max(int(np.floor(y0)), 0), min(int(np.ceil(y1)), self.height)
        if c0 >= c1 or r0 >= r1:
            return None
        ys = np.arange(r0, r1, dtype=np.float32)[:, None] + 0.5
        xs = np.arange(c0, c1, dtype=np.float32)[None, :] + 0.5
        return Region(slice(r0, r1), slice(c0, c1), ys, xs)

    def paint(self, region: Region, mask: np.ndarray, colour: Colour, label: int, depth: float) -> None:
        """Colour, label and depth of the masked pixels of `region`; colour is (3,) or (3, h, w)."""
        colour = np.asarray(colour, np.float32)
        if colour.ndim == 1:
            colour = colour[:, None, None]
        np.copyto(self.rgb[:, region.rows, region.cols], colour, where=mask[None])
        self.labels[region.rows, region.cols][mask] = label
        self.depth[region.rows, region.cols][mask] = depth

    def darken(self, region: Region, mask: np.ndarray, factor: float | np.ndarray) -> None:
        """Shadow on what is already painted: colours only."""
        rgb = self.rgb[:, region.rows, region.cols]
        np.copyto(rgb, rgb * factor, where=mask[None])


def polygon_mask(region: Region, points: list[tuple[float, float]]) -> np.ndarray:
    """Pixels inside a convex polygon given as (x, y) corners in either winding order."""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))
    sign = 1.0 if area >= 0 else -1.0
    inside = np.ones((region.ys.shape[0], region.xs.shape[1]), bool)
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        inside &= sign * ((x1 - x0) * (region.ys - y0) - (y1 - y0) * (region.xs - x0)) >= 0
    return inside


def ellipse_mask(region: Region, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    return ((region.xs - cx) / max(rx, 0.5)) ** 2 + ((region.ys - cy) / max(ry, 0.5)) ** 2 <= 1


def _linear_taps(n_out: int, n_grid: int) -> tuple[np.ndarray, np.ndarray]:
    pos = np.linspace(0, n_grid - 1.001, n_out, dtype=np.float32)
    low = pos.astype(np.intp)
    return low, (pos - low).astype(np.float32)


def value_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """Smooth noise in [0, 1) with features about `cell` pixels across (bilinear value noise)."""
    gh, gw = int(height / cell) + 2, int(width / cell) + 2
    grid = rng.random((gh, gw), dtype=np.float32)
    rows, fy = _linear_taps(height, gh)
    cols, fx = _linear_taps(width, gw)
    fy = fy[:, None]
    columns = grid[rows] * (1 - fy) + grid[rows + 1] * fy
    return columns[:, cols] * (1 - fx) + columns[:, cols + 1] * fx


def frac(x: np.ndarray) -> np.ndarray:
    """x mod 1 (much faster than numpy's float %)."""
    return x - np.floor(x)


def jitter(rng: np.random.Generator, colour: tuple[float, float, float], amount: float) -> np.ndarray:
    """A colour varied per channel by up to +-amount, kept in [0, 1]."""
    return np.clip(np.asarray(colour, np.float32) + rng.uniform(-amount, amount, 3).astype(np.float32), 0, 1)
