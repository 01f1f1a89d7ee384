"""Everything that is not an object: sky, building facades and tree masses along the street,
cross streets with their corner walls, the ground (road, sidewalks, grass) and the far end.

Each pixel's ray is followed to the first surface it meets: the ground plane, the building
line on its side of the vanishing point, or the far wall; every surface is textured in its own
coordinates, so windows, tiles and road markings come out in perspective."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from streets_canvas import BUILDING, ROAD, SIDEWALK, SKY, TERRAIN, VEGETATION, Camera, Canvas, frac
from streets_layout import BUILDING_BLOCK, CROSS_STREET, FAR, TREES_BLOCK, Lighting, Street

ASPHALT = np.array([0.32, 0.32, 0.34], np.float32)
GRASS, DRY_GRASS = np.array([0.35, 0.5, 0.2], np.float32), np.array([0.55, 0.5, 0.3], np.float32)
FOLIAGE = np.array([0.22, 0.36, 0.12], np.float32)
PAINT = np.array([0.85, 0.85, 0.8], np.float32)


@dataclass(frozen=True)
class Noise:
    """Per-scene noise fields the size of the picture, shared by all surfaces and objects."""
    fine: np.ndarray
    medium: np.ndarray
    coarse: np.ndarray


def foliage(noise: Noise, rows: slice, cols: slice, tone: np.ndarray) -> np.ndarray:
    """Leafy texture (3, h, w): clumps of light and dark green."""
    clumps = noise.medium[rows, cols] * 0.7 + noise.fine[rows, cols] * 0.5
    return tone[:, None, None] * (0.45 + clumps)[None]


def crop(a: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The part of a map broadcastable to (..., H, W) that covers rows x cols."""
    return a[..., rows if a.shape[-2] > 1 else slice(None), cols if a.shape[-1] > 1 else slice(None)]


Texture = Callable[[slice, slice], tuple[np.ndarray, int | np.ndarray]]  # (colour, label) of a box


def fill(canvas: Canvas, mask: np.ndarray, depth: np.ndarray | float, texture: Texture) -> None:
    """Paint the masked pixels; the texture is computed only over the mask's bounding box."""
    rows_hit, cols_hit = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows_hit.size == 0:
        return
    rows, cols = slice(rows_hit[0], rows_hit[-1] + 1), slice(cols_hit[0], cols_hit[-1] + 1)
    m = crop(mask, rows, cols)
    colour, label = texture(rows, cols)
    np.copyto(canvas.rgb[:, rows, cols], colour, where=m[None])
    np.copyto(canvas.labels[rows, cols], label, where=m)
    np.copyto(canvas.depth[rows, cols], depth if np.ndim(depth) == 0 else crop(depth, rows, cols), where=m)


@dataclass(frozen=True)
class Rays:
    """Where each pixel's ray goes: rows below the horizon, columns right of the vanishing
    point, the depth where it meets the ground (inf above the horizon) and the depth where it
    crosses the building line on its side of the street."""
    dy: np.ndarray  # (H, 1)
    dx: np.ndarray  # (1, W)
    z_ground: np.ndarray  # (H, 1)
    z_side: np.ndarray  # (1, W), FAR where the line is farther


def _rays(cam: Camera, street: Street) -> Rays:
    dy = (np.arange(cam.height, dtype=np.float32) + 0.5 - cam.horizon)[:, None]
    dx = (np.arange(cam.width, dtype=np.float32) + 0.5 - cam.cx)[None, :]
    with np.errstate(divide="ignore"):
        z_ground = np.where(dy > 0, cam.focal * cam.cam_height / np.maximum(dy, 1e-6), np.inf)
        z_side = cam.focal * np.where(dx > 0, street.facade[1], street.facade[0]) / dx
    return Rays(dy, dx, z_ground.astype(np.float32), np.minimum(z_side, FAR).astype(np.float32))


class Columns:
    """Attributes of the block each column's ray meets on the building line."""

    def __init__(self, street: Street, rays: Rays, depth: np.ndarray | None = None) -> None:
        depth = rays.z_side if depth is None else depth
        self._right = rays.dx > 0
        self._lookups = [(blocks, blocks.index(depth)) for blocks in street.sides]

    def _pick(self, values: list[np.ndarray]) -> np.ndarray:
        if values[0].ndim > self._right.ndim:  # vectors per column go first: (k, 1, W)
            values = [np.moveaxis(v, -1, 0) for v in values]
        return np.where(self._right, values[1], values[0])

    def attribute(self, name: str) -> np.ndarray:
        return self._pick([getattr(blocks, name)[i] for blocks, i in self._lookups])

    def start(self) -> np.ndarray:
        return self._pick([blocks.bounds[i] for blocks, i in self._lookups])

    def end(self) -> np.ndarray:
        return self._pick([blocks.bounds[i + 1] for blocks, i in self._lookups])

    def next_height(self) -> np.ndarray:
        return self._pick([blocks.height[np.minimum(i + 1, len(blocks.kind) - 1)] for blocks, i in self._lookups])


def _facade_colour(columns: Columns, noise: Noise, u: np.ndarray, v: np.ndarray, rows: slice,
                   cols: slice) -> np.ndarray:
    """Wall with floors, window grid and shop windows, in facade coordinates u (along the
    street, from the block start) and v (height)."""
    height, wall = (crop(columns.attribute(n), rows, cols) for n in ("height", "colour"))
    spacing, floor, width_frac, height_frac = crop(columns.attribute("window"), rows, cols)
    u, v = crop(u, rows, cols), crop(v, rows, cols)
    su, sv = u / spacing, v / floor
    fu, fv = frac(su), frac(sv)
    cell = np.floor(su).astype(np.int32) * 7919 + np.floor(sv).astype(np.int32) * 104729
    lottery = (((cell * 40503) >> 12) & 1023).astype(np.float32) / 1024  # a random-looking value per window
    window = (np.abs(fu - 0.5) < width_frac / 2) & (np.abs(fv - 0.55) < height_frac / 2) & \
        (v > floor) & (v < height - 0.8)
    shop = (v > 0.3) & (v < floor - 0.6) & (np.abs(fu - 0.5) < 0.42) & (lottery > 0.3)
    ledge = (fv * floor < 0.25) | (v > height - 0.5)
    colour = wall * ((0.8 + 0.35 * noise.medium[rows, cols]) * np.where(ledge, 0.75, 1.0))[None]
    glass = (0.08 + 0.3 * lottery + 0.1 * fv)[None] * np.array([0.9, 1.0, 1.15], np.float32)[:, None, None]
    np.copyto(colour, glass, where=(window | shop)[None])
    return colour


def _side_light(street: Street, light: Lighting, dx: np.ndarray) -> np.ndarray:
    """Facades facing the sun are lit, the others in shade; both dim when overcast."""
    if street.sun_side == 0:
        return np.full(dx.shape, 0.85, np.float32)
    facing_sun = (dx > 0) == (street.sun_side < 0)  # the right facade faces left, towards a left sun
    return np.where(facing_sun, 1.0, light.shade).astype(np.float32)


def _paint_sides(canvas: Canvas, cam: Camera, street: Street, light: Lighting, noise: Noise,
                 rays: Rays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Facades, tree masses and corner walls. Returns masks (painted, hit, ground_beyond): what
    was painted, which rays met a building line first, and which of those crossed a cross
    street's opening and reached the ground beyond it."""
    hit = rays.z_side < np.minimum(rays.z_ground, street.end_depth)
    v = cam.cam_height - rays.dy * rays.z_side / cam.focal  # height where the ray crosses the line
    columns = Columns(street, rays)
    kind, height = columns.attribute("kind"), columns.attribute("height")
    building = hit & (kind == BUILDING_BLOCK) & (v < height)
    trees = hit & (kind == TREES_BLOCK) & (v < height * (0.8 + 0.4 * noise.coarse[0:1, :]))
    lit = _side_light(street, light, rays.dx)[None]
    u = rays.z_side - columns.start()
    fill(canvas, building, rays.z_side,
         lambda r, c: (_facade_colour(columns, noise, u, v, r, c) * crop(lit, r, c), BUILDING))
    fill(canvas, trees, rays.z_side, lambda r, c: (foliage(noise, r, c, FOLIAGE) * crop(lit, r, c), VEGETATION))

    opening = hit & (kind == CROSS_STREET)
    block_end = columns.end()
    ground_beyond = opening & (rays.z_ground < block_end)
    corner_v = cam.cam_height - rays.dy * block_end / cam.focal
    corner = opening & ~ground_beyond & (corner_v < columns.next_height())
    corner_wall = Columns(street, rays, np.minimum(block_end + 0.5, FAR)).attribute("colour")
    fill(canvas, corner, block_end,
         lambda r, c: (crop(corner_wall, r, c) * (0.55 + 0.3 * noise.medium[r, c])[None], BUILDING))
    return building | trees | corner, hit, ground_beyond


def _ground(street: Street, light: Lighting, noise: Noise, cam: Camera, rays: Rays,
            rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
    """Colours and labels of the ground over a box of pixels below the horizon."""
    z = rays.z_ground[rows]
    x = rays.dx[:, cols] * z / cam.focal
    left, right = street.road
    gap_left, gap_right = street.gaps(0, z), street.gaps(1, z)
    on_left, on_right = x < left, x > right
    sidewalk = (on_left & (x > left - street.sidewalk[0]) & ~gap_left) | \
               (on_right & (x < right + street.sidewalk[1]) & ~gap_right)
    terrain = ((on_left & ~gap_left) | (on_right & ~gap_right)) & ~sidewalk
    labels = np.where(sidewalk, SIDEWALK, np.where(terrain, TERRAIN, ROAD)).astype(np.uint8)

    fine, medium, coarse = noise.fine[rows, cols], noise.medium[rows, cols], noise.coarse[rows, cols]
    colour = ASPHALT[:, None, None] * ((0.8 + 0.25 * fine) * (0.85 + 0.3 * coarse))[None]
    marks = np.zeros(x.shape, bool)
    lane_width = street.lanes[1] - street.lanes[0] if len(street.lanes) > 1 else 0
    for lane in street.lanes[:-1]:
        marks |= (np.abs(x - lane - lane_width / 2) < 0.08) & (frac(z / 9) < 0.45)
    for edge in (left + 0.3, right - 0.3):
        marks |= np.abs(x - edge) < 0.08
    crossing = street.gaps(0, z + 5) | street.gaps(1, z + 5)
    marks |= crossing & ~gap_left & ~gap_right & (frac(x / 1.2) < 0.5)
    np.copyto(colour, PAINT[:, None, None] * (0.8 + 0.2 * fine)[None], where=(marks & (labels == ROAD))[None])

    tile = np.asarray(street.sides[0].colour[0] * 0.3 + 0.55, np.float32)
    joints = ((frac(x / 0.6) < 0.07) | (frac(z / 0.6) < 0.07)) & (z < 25)
    curb = (np.abs(x - left) < 0.2) | (np.abs(x - right) < 0.2)
    pavement = tile[:, None, None] * ((0.85 + 0.2 * fine) * np.where(joints, 0.8, 1.0)
                                      * np.where(curb, 1.15, 1.0))[None]
    np.copyto(colour, pavement, where=sidewalk[None])
    grass = GRASS[:, None, None] + (DRY_GRASS - GRASS)[:, None, None] * coarse[None]
    np.copyto(colour, grass * (0.6 + 0.5 * medium * fine)[None], where=terrain[None])
    return colour * _ground_shadow(street, light, x, z)[None], labels


def _ground_shadow(street: Street, light: Lighting, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    if street.sun_side == 0:
        return np.ones(x.shape, np.float32)
    side = 0 if street.sun_side < 0 else 1
    blocks = street.sides[side]
    index = blocks.index(z)
    height = np.where(blocks.kind[index] == CROSS_STREET, 0.0, blocks.height[index])
    shadow = np.abs(x - street.facade[side]) < street.shadow_reach * height
    return np.where(shadow, light.shade, 1.0).astype(np.float32)


def _paint_far(canvas: Canvas, cam: Camera, street: Street, light: Lighting, noise: Noise, rays: Rays,
               free: np.ndarray) -> None:
    """The wall closing the street, then the sky with clouds in what is left."""
    wall = free & (cam.cam_height - rays.dy * street.end_depth / cam.focal < street.end_height) \
        & np.isfinite(street.end_depth)
    if street.end_is_trees:
        fill(canvas, wall, street.end_depth, lambda r, c: (foliage(noise, r, c, FOLIAGE), VEGETATION))
    else:
        tone = street.sides[1].colour[-1][:, None, None]
        fill(canvas, wall, street.end_depth, lambda r, c: (tone * (0.8 + 0.3 * noise.medium[r, c])[None], BUILDING))

    up = np.clip(-rays.dy / cam.height * 2.2, 0, 1) ** 0.7
    gradient = light.horizon[:, None, None] + (light.zenith - light.horizon)[:, None, None] * up[None]

    def sky(r: slice, c: slice) -> tuple[np.ndarray, int]:
        cloud = np.clip((noise.coarse[r, c] - 1 + light.clouds) * 3, 0, 1) * (0.8 + 0.2 * noise.medium[r, c])
        return gradient[:, r] + (np.float32(0.92) - gradient[:, r]) * cloud[None], SKY
    fill(canvas, free & ~wall, 0.0, sky)


def render_background(canvas: Canvas, cam: Camera, street: Street, light: Lighting, noise: Noise) -> None:
    """Paints every pixel: colour, label and depth."""
    rays = _rays(cam, street)
    painted, hit, ground_beyond = _paint_sides(canvas, cam, street, light, noise, rays)
    ground = (~hit & (rays.z_ground < street.end_depth)) | ground_beyond
    fill(canvas, ground, rays.z_ground, lambda r, c: _ground(street, light, noise, cam, rays, r, c))
    _paint_far(canvas, cam, street, light, noise, rays, ~(painted | ground))
