"""The random layout of one toy street: camera, cross-section (road, sidewalks, grass strips),
the blocks lining each side (buildings, tree masses, cross streets), the far end and the sun."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streets_canvas import Camera, jitter

BUILDING_BLOCK, TREES_BLOCK, CROSS_STREET = 0, 1, 2
WALL_COLOURS = [(0.55, 0.33, 0.25), (0.75, 0.68, 0.55), (0.6, 0.6, 0.6), (0.85, 0.82, 0.76),
                (0.45, 0.42, 0.4), (0.7, 0.5, 0.35), (0.8, 0.75, 0.6), (0.5, 0.55, 0.6)]
FAR = 400.0  # metres: beyond this nothing is drawn but the far end and the sky


@dataclass(frozen=True)
class Blocks:
    """What stands along one side of the street, block after block in depth."""
    bounds: np.ndarray  # (n + 1,) depths where blocks start and end, from 0 to past FAR
    kind: np.ndarray  # (n,) BUILDING_BLOCK, TREES_BLOCK or CROSS_STREET
    height: np.ndarray  # (n,) metres
    colour: np.ndarray  # (n, 3)
    window: np.ndarray  # (n, 4): spacing along the street, floor height, width and height fractions

    def index(self, depth: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.bounds, depth, side="right") - 1, 0, len(self.kind) - 1)


@dataclass(frozen=True)
class Street:
    road: tuple[float, float]  # X of the left and right road edges (the camera is at X = 0)
    facade: tuple[float, float]  # X of the left and right building lines
    sidewalk: tuple[float, float]  # widths
    lanes: tuple[float, ...]  # X of lane centres
    sides: tuple[Blocks, Blocks]  # left, right
    end_depth: float  # the street ends at a wall of this depth (inf: open to the horizon)
    end_height: float
    end_is_trees: bool
    sun_side: int  # -1: sun on the left, +1 right, 0 overcast
    shadow_reach: float  # shadow width on the ground per metre of building height

    def gaps(self, side: int, depth: np.ndarray) -> np.ndarray:
        """Whether `depth` lies in a cross street on side 0 (left) or 1 (right)."""
        blocks = self.sides[side]
        return blocks.kind[blocks.index(depth)] == CROSS_STREET

    def in_shadow(self, X: float, Z: float) -> bool:
        if self.sun_side == 0:
            return False
        side = 0 if self.sun_side < 0 else 1
        blocks = self.sides[side]
        i = blocks.index(np.asarray(Z))
        height = blocks.height[i] if blocks.kind[i] != CROSS_STREET else 0.0
        return bool(abs(X - self.facade[side]) < self.shadow_reach * height)


def sample_camera(rng: np.random.Generator, height: int, width: int) -> Camera:
    return Camera(height, width, focal=width * rng.uniform(0.5, 0.8), cx=width * rng.uniform(0.3, 0.7),
                  horizon=height * rng.uniform(0.36, 0.5), cam_height=rng.uniform(1.3, 1.8))


def sample_blocks(rng: np.random.Generator, allow_gaps: bool) -> Blocks:
    bounds, kinds = [0.0], []
    while bounds[-1] < FAR:
        kind = rng.choice(3, p=[0.72, 0.18, 0.10] if allow_gaps and len(kinds) >= 1 else [0.8, 0.2, 0])
        if kinds and kinds[-1] == CROSS_STREET:
            kind = BUILDING_BLOCK
        kinds.append(kind)
        bounds.append(bounds[-1] + (rng.uniform(9, 16) if kind == CROSS_STREET else rng.uniform(8, 35)))
    n = len(kinds)
    kind = np.array(kinds)
    height = np.where(kind == TREES_BLOCK, rng.uniform(5, 14, n), rng.uniform(7, 28, n))
    colour = np.stack([jitter(rng, WALL_COLOURS[i], 0.08) for i in rng.integers(0, len(WALL_COLOURS), n)])
    window = np.stack([rng.uniform(2.2, 4.5, n), rng.uniform(2.8, 3.8, n),
                       rng.uniform(0.3, 0.65, n), rng.uniform(0.35, 0.65, n)], axis=1)
    return Blocks(np.array(bounds, np.float32), kind, height.astype(np.float32), colour.astype(np.float32),
                  window.astype(np.float32))


def sample_street(rng: np.random.Generator) -> Street:
    lanes = int(rng.choice([1, 2, 2, 3, 4]))
    lane_width = rng.uniform(2.8, 3.6)
    left = -rng.uniform(0.2, 0.8) * lanes * lane_width  # the camera drives in one of the lanes
    right = left + lanes * lane_width
    sidewalk = (rng.uniform(1.5, 5), rng.uniform(1.5, 5))
    grass = [rng.uniform(1.5, 6) if rng.random() < 0.3 else 0.0 for _ in range(2)]
    end_open = rng.random() < 0.25
    return Street(
        road=(left, right),
        facade=(left - sidewalk[0] - grass[0], right + sidewalk[1] + grass[1]),
        sidewalk=sidewalk,
        lanes=tuple(left + lane_width * (i + 0.5) for i in range(lanes)),
        sides=(sample_blocks(rng, True), sample_blocks(rng, True)),
        end_depth=np.inf if end_open else rng.uniform(120, 350),
        end_height=rng.uniform(10, 35),
        end_is_trees=rng.random() < 0.3,
        sun_side=int(rng.choice([-1, 1, 0], p=[0.4, 0.4, 0.2])),
        shadow_reach=rng.uniform(0.2, 1.2),
    )


@dataclass(frozen=True)
class Lighting:
    zenith: np.ndarray  # sky colour overhead
    horizon: np.ndarray  # sky colour at the horizon, also the haze colour
    fog: float  # metres: haze reaches 63 % at this depth
    shade: float  # brightness in shadow and on the facade turned away from the sun
    clouds: float  # 0 clear .. 1 covered
    exposure: float
    tint: np.ndarray  # colour temperature: per-channel gains


def sample_lighting(rng: np.random.Generator, sun_side: int) -> Lighting:
    overcast = sun_side == 0
    warmth = rng.uniform(-1, 1)  # cold blue .. warm evening light
    tint = np.array([1 + 0.12 * warmth, 1.0, 1 - 0.15 * warmth], np.float32)
    zenith = jitter(rng, (0.6, 0.6, 0.62) if overcast else (0.25, 0.45, 0.8), 0.08)
    horizon = jitter(rng, (0.8, 0.8, 0.8) if overcast else (0.7, 0.8, 0.9), 0.06)
    return Lighting(zenith=zenith, horizon=horizon, fog=rng.uniform(150, 1500),
                    shade=rng.uniform(0.65, 0.85) if overcast else rng.uniform(0.4, 0.65),
                    clouds=rng.uniform(0.4, 1) if overcast else rng.uniform(0, 0.6),
                    exposure=rng.uniform(0.6, 1.3), tint=tint)
