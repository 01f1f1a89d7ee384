"""Things standing in the street, drawn in perspective: cars (as 3-D boxes with a cabin),
people, poles with lamps, traffic signs and lights, trees and bushes. place_objects() scatters
them over the layout and paints them far to near, so nearer ones occlude farther ones."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from streets_background import FOLIAGE, Noise, foliage
from streets_canvas import (CAR, PERSON, POLE, TRAFFIC_LIGHT, TRAFFIC_SIGN, VEGETATION, Camera, Canvas,
                            ellipse_mask, jitter, polygon_mask)
from streets_layout import Lighting, Street

Point3 = tuple[float, float, float]
CAR_COLOURS = [(0.9, 0.9, 0.9), (0.08, 0.08, 0.09), (0.6, 0.62, 0.65), (0.35, 0.36, 0.38), (0.6, 0.08, 0.06),
               (0.1, 0.2, 0.5), (0.15, 0.3, 0.2), (0.75, 0.7, 0.55), (0.2, 0.45, 0.7), (0.8, 0.5, 0.1)]
CLOTHES = [(0.1, 0.1, 0.12), (0.2, 0.25, 0.45), (0.6, 0.1, 0.1), (0.8, 0.8, 0.78), (0.35, 0.3, 0.25),
           (0.5, 0.5, 0.52), (0.15, 0.35, 0.2), (0.85, 0.6, 0.2), (0.45, 0.2, 0.45)]
SKIN = [(0.9, 0.72, 0.6), (0.75, 0.55, 0.4), (0.5, 0.35, 0.25), (0.3, 0.2, 0.15)]
GLASS = np.array([0.1, 0.12, 0.16], np.float32)


@dataclass
class Painter:
    """Paints shapes given in world coordinates onto the canvas."""
    canvas: Canvas
    cam: Camera
    noise: Noise
    light: float = 1.0  # multiplies every colour: 1 in the sun, less in shadow

    def polygon(self, corners: list[Point3], colour, label: int) -> None:
        points = [(self.cam.x(X, Z), self.cam.y(Y, Z)) for X, Y, Z in corners]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        region = self.canvas.region(min(xs), min(ys), max(xs), max(ys))
        if region is not None:
            mask = polygon_mask(region, points)
            self.canvas.paint(region, mask, np.asarray(colour, np.float32) * self.light, label,
                              float(np.mean([c[2] for c in corners])))

    def ellipse(self, centre: Point3, rx: float, ry: float, colour, label: int, textured: bool = False) -> None:
        """An upright ellipse facing the camera, radii in metres."""
        X, Y, Z = centre
        x, y, s = self.cam.x(X, Z), self.cam.y(Y, Z), self.cam.scale(Z)
        region = self.canvas.region(x - rx * s, y - ry * s, x + rx * s, y + ry * s)
        if region is None:
            return
        mask = ellipse_mask(region, x, y, rx * s, ry * s)
        colour = np.asarray(colour, np.float32)
        if textured:  # leaves, lit from above
            colour = foliage(self.noise, region.rows, region.cols, colour) * (1.1 - 0.4 * (region.ys - y + ry * s) / (2 * ry * s + 1))[None]
        self.canvas.paint(region, mask, colour * self.light, label, Z)

    def box_faces(self, x0: float, x1: float, y0: float, y1: float, z0: float, z1: float,
                  colour: np.ndarray, label: int, top_inset: float = 0.0) -> None:
        """The faces of an axis-aligned box (top face shrunk by top_inset along Z) that the
        camera sees: top, the side facing the camera, then the near face."""
        cam_height = self.cam.cam_height
        zt0, zt1 = z0 + top_inset, z1 - top_inset * 0.8
        if y1 < cam_height:
            self.polygon([(x0, y1, zt0), (x1, y1, zt0), (x1, y1, zt1), (x0, y1, zt1)], colour * 1.1, label)
        for side_x, visible in ((x1, x1 < 0), (x0, x0 > 0)):
            if visible:
                self.polygon([(side_x, y0, z0), (side_x, y1, zt0), (side_x, y1, zt1), (side_x, y0, z1)],
                             colour * 0.75, label)
        self.polygon([(x0, y0, z0), (x1, y0, z0), (x1, y1, zt0), (x0, y1, zt0)], colour * 0.9, label)


def draw_car(p: Painter, X: float, Z: float, rng: np.random.Generator, oncoming: bool) -> None:
    width, length = rng.uniform(1.6, 2.0), rng.uniform(3.8, 5.2)
    body_top, roof = rng.uniform(0.9, 1.15), rng.uniform(1.4, 1.9)
    paint = jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))], 0.05)
    x0, x1 = X - width / 2, X + width / 2
    for wx in (x0 + 0.05, x1 - 0.35):  # wheels under the near corners
        p.polygon([(wx, 0, Z + 0.3), (wx + 0.3, 0, Z + 0.3), (wx + 0.3, 0.45, Z + 0.3), (wx, 0.45, Z + 0.3)],
                  np.array([0.05, 0.05, 0.05]), CAR)
    p.box_faces(x0, x1, 0.3, body_top, Z, Z + length, paint, CAR)
    p.box_faces(x0 + 0.12, x1 - 0.12, body_top, roof, Z + length * 0.3, Z + length * 0.8, GLASS * 1.5, CAR,
                top_inset=0.4)
    side_x = x1 if x1 < 0 else x0 if x0 > 0 else None
    if side_x is not None:  # wheels on the visible side
        for wz in (Z + 0.8, Z + length - 0.8):
            left, right = p.cam.x(side_x, wz - 0.33), p.cam.x(side_x, wz + 0.33)
            p.ellipse((side_x, 0.33, wz), abs(right - left) / 2 / p.cam.scale(wz), 0.33,
                      np.array([0.04, 0.04, 0.04]), CAR)
    if p.cam.scale(Z) < 15:  # lamps and plate would be under 3 pixels
        return
    lamp = np.array([1.0, 0.95, 0.8] if oncoming else [0.8, 0.05, 0.05], np.float32)
    for lx in (x0 + 0.1, x1 - 0.35):
        p.polygon([(lx, 0.75, Z), (lx + 0.25, 0.75, Z), (lx + 0.25, 0.9, Z), (lx, 0.9, Z)], lamp, CAR)
    p.polygon([(X - 0.25, 0.45, Z), (X + 0.25, 0.45, Z), (X + 0.25, 0.57, Z), (X - 0.25, 0.57, Z)],
              np.array([0.9, 0.9, 0.85]), CAR)


def draw_person(p: Painter, X: float, Z: float, rng: np.random.Generator) -> None:
    h = rng.uniform(1.5, 1.95)
    side_on = rng.random() < 0.4
    half = 0.11 * h if side_on else 0.17 * h
    stride = rng.uniform(-0.15, 0.15) * h if side_on else rng.uniform(-0.04, 0.04) * h
    shirt, trousers = (jitter(rng, CLOTHES[i], 0.05) for i in rng.integers(0, len(CLOTHES), 2))
    skin = jitter(rng, SKIN[rng.integers(len(SKIN))], 0.03)
    hip, shoulder = 0.5 * h, 0.81 * h
    leg = 0.065 * h
    for sign in (-1, 1):
        foot = X + sign * (0.05 * h) + sign * stride
        p.polygon([(X + sign * 0.06 * h - leg, hip, Z), (X + sign * 0.06 * h + leg, hip, Z),
                   (foot + leg * 0.8, 0, Z), (foot - leg * 0.8, 0, Z)], trousers, PERSON)
    for sign in (-1, 1):  # arms, swinging against the legs
        hand = X + sign * (half + 0.02 * h) - sign * stride * 0.6
        p.polygon([(X + sign * half, shoulder, Z), (X + sign * (half - 0.06 * h), shoulder, Z),
                   (hand - sign * 0.05 * h, 0.45 * h, Z), (hand, 0.45 * h, Z)], shirt * 0.85, PERSON)
    p.polygon([(X - half, shoulder, Z), (X + half, shoulder, Z), (X + half * 0.85, hip * 0.95, Z),
               (X - half * 0.85, hip * 0.95, Z)], shirt, PERSON)
    p.ellipse((X, 0.915 * h, Z), 0.065 * h, 0.085 * h, skin, PERSON)
    p.ellipse((X, 0.95 * h, Z), 0.066 * h, 0.05 * h, jitter(rng, (0.15, 0.1, 0.05), 0.05), PERSON)
    if rng.random() < 0.3 and p.cam.scale(Z) > 10:  # a bag
        bx = X + (half + 0.05 * h) * rng.choice([-1, 1])
        p.polygon([(bx - 0.08 * h, 0.62 * h, Z), (bx + 0.08 * h, 0.62 * h, Z), (bx + 0.08 * h, 0.45 * h, Z),
                   (bx - 0.08 * h, 0.45 * h, Z)], jitter(rng, CLOTHES[rng.integers(len(CLOTHES))], 0.05), PERSON)


def _upright(p: Painter, X: float, Z: float, radius: float, y0: float, y1: float, colour, label: int) -> None:
    p.polygon([(X - radius, y0, Z), (X + radius, y0, Z), (X + radius, y1, Z), (X - radius, y1, Z)], colour, label)


def draw_lamp_post(p: Painter, X: float, Z: float, rng: np.random.Generator, towards_road: int) -> None:
    height, metal = rng.uniform(5, 9), jitter(rng, (0.4, 0.42, 0.42), 0.1)
    _upright(p, X, Z, rng.uniform(0.07, 0.14), 0, height, metal, POLE)
    reach = rng.uniform(1, 2.5) * towards_road
    p.polygon([(X, height - 0.15, Z), (X + reach, height, Z), (X + reach, height + 0.12, Z), (X, height, Z)],
              metal, POLE)
    p.polygon([(X + reach - 0.3, height - 0.1, Z), (X + reach + 0.3, height - 0.1, Z),
               (X + reach + 0.3, height + 0.12, Z), (X + reach - 0.3, height + 0.12, Z)], metal * 0.8, POLE)


def draw_sign_post(p: Painter, X: float, Z: float, rng: np.random.Generator) -> None:
    top = rng.uniform(2.2, 3.2)
    _upright(p, X, Z, 0.04, 0, top, np.array([0.55, 0.55, 0.57]), POLE)
    size, shape = rng.uniform(0.3, 0.45), rng.integers(4)
    red, white, blue = np.array([0.8, 0.1, 0.1]), np.array([0.92, 0.92, 0.9]), np.array([0.1, 0.3, 0.7])
    if shape == 0:  # prohibition: red ring
        p.ellipse((X, top, Z), size, size, red, TRAFFIC_SIGN)
        p.ellipse((X, top, Z), size * 0.75, size * 0.75, white, TRAFFIC_SIGN)
    elif shape == 1:  # mandatory: blue disc
        p.ellipse((X, top, Z), size, size, blue, TRAFFIC_SIGN)
        _upright(p, X, Z, size * 0.15, top - size * 0.6, top + size * 0.5, white, TRAFFIC_SIGN)
    elif shape == 2:  # warning: triangle
        p.polygon([(X - size, top - size * 0.8, Z), (X + size, top - size * 0.8, Z), (X, top + size, Z)],
                  red, TRAFFIC_SIGN)
        p.polygon([(X - size * 0.65, top - size * 0.6, Z), (X + size * 0.65, top - size * 0.6, Z),
                   (X, top + size * 0.55, Z)], white, TRAFFIC_SIGN)
    else:  # information: blue or yellow square
        colour = blue if rng.random() < 0.6 else np.array([0.95, 0.8, 0.1])
        _upright(p, X, Z, size, top - size, top + size, colour, TRAFFIC_SIGN)
        _upright(p, X, Z, size * 0.4, top - size * 0.4, top + size * 0.4, white, TRAFFIC_SIGN)


def draw_traffic_light(p: Painter, X: float, Z: float, rng: np.random.Generator) -> None:
    top = rng.uniform(2.8, 4.2)
    _upright(p, X, Z, 0.07, 0, top, np.array([0.3, 0.3, 0.32]), POLE)
    housing = np.array([0.08, 0.08, 0.08]) if rng.random() < 0.7 else np.array([0.6, 0.55, 0.2])
    _upright(p, X, Z, 0.2, top, top + 0.95, housing, TRAFFIC_LIGHT)
    lit = rng.integers(3)
    for i, colour in enumerate(((0.9, 0.1, 0.1), (0.95, 0.7, 0.1), (0.1, 0.9, 0.4))):
        glow = np.array(colour) * (1.0 if i == lit else 0.25)
        p.ellipse((X, top + 0.78 - 0.3 * i, Z), 0.1, 0.1, glow, TRAFFIC_LIGHT)


def draw_tree(p: Painter, X: float, Z: float, rng: np.random.Generator) -> None:
    trunk = rng.uniform(2, 4)
    _upright(p, X, Z, rng.uniform(0.1, 0.2), 0, trunk + 0.5, jitter(rng, (0.3, 0.22, 0.15), 0.05), VEGETATION)
    radius = rng.uniform(1.2, 2.8)
    tone = jitter(rng, FOLIAGE, 0.06)
    for _ in range(rng.integers(3, 7)):
        dx, dy = rng.uniform(-0.7, 0.7, 2) * radius
        r = radius * rng.uniform(0.5, 0.9)
        p.ellipse((X + dx, trunk + radius + dy, Z), r, r * rng.uniform(0.8, 1.1), tone, VEGETATION, textured=True)


def draw_bush(p: Painter, X: float, Z: float, rng: np.random.Generator) -> None:
    size = rng.uniform(0.4, 1.2)
    p.ellipse((X, size * 0.7, Z), size * rng.uniform(1, 2), size * 0.8, jitter(rng, FOLIAGE, 0.06), VEGETATION,
              textured=True)


Draw = Callable[[Painter], None]


def _child(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator for one object's details, so they do not shift the layout."""
    return np.random.default_rng(int(rng.integers(2 ** 63)))


def _sidewalk_x(rng: np.random.Generator, street: Street, side: int, where: tuple[float, float]) -> float:
    """A lateral position a fraction `where` across the sidewalk of `side` (0 at the curb)."""
    frac = rng.uniform(*where)
    if side == 0:
        return street.road[0] - frac * street.sidewalk[0]
    return street.road[1] + frac * street.sidewalk[1]


def _cars(rng: np.random.Generator, street: Street, limit: float) -> list[tuple[float, float, Draw]]:
    found = []
    spacing = rng.uniform(7, 30)
    for i, lane in enumerate(street.lanes):
        oncoming = len(street.lanes) > 1 and i < len(street.lanes) // 2 and lane < -1
        z = rng.uniform(4, 20) if abs(lane) > 1.5 else rng.uniform(7, 25)
        while z < min(limit, 100):
            if rng.random() < 0.75:
                x = lane + rng.uniform(-0.3, 0.3)
                found.append((x, z, lambda p, x=x, z=z, o=oncoming, r=_child(rng): draw_car(p, x, z, r, o)))
            z += rng.uniform(6, 6 + spacing)
    for side in (0, 1):  # parked along the curb, occluding the sidewalk
        if rng.random() < 0.4:
            x = street.road[side] + (1.1 if side == 0 else -1.1)
            z = rng.uniform(3, 15)
            while z < min(limit, 80):
                found.append((x, z, lambda p, x=x, z=z, r=_child(rng): draw_car(p, x, z, r, False)))
                z += rng.uniform(5.5, 15)
    return found


def _people(rng: np.random.Generator, street: Street, limit: float) -> list[tuple[float, float, Draw]]:
    found = []
    for _ in range(rng.poisson(5)):
        side, z = int(rng.integers(2)), rng.uniform(3, min(limit, 60))
        for _ in range(1 if rng.random() < 0.7 else rng.integers(2, 4)):  # alone or in a group
            x = _sidewalk_x(rng, street, side, (0.15, 0.9))
            zz = z + rng.uniform(0, 1.5)
            found.append((x, zz, lambda p, x=x, z=zz, r=_child(rng): draw_person(p, x, z, r)))
    if rng.random() < 0.3:  # crossing the road
        z = rng.uniform(6, 30)
        for _ in range(rng.integers(1, 4)):
            x = rng.uniform(*street.road)
            found.append((x, z, lambda p, x=x, z=z, r=_child(rng): draw_person(p, x, z, r)))
    return found


def _street_furniture(rng: np.random.Generator, street: Street, limit: float) -> list[tuple[float, float, Draw]]:
    found = []
    for side in (0, 1):
        towards_road = 1 if side == 0 else -1
        if rng.random() < 0.7:  # street lamps
            z, step = rng.uniform(3, 20), rng.uniform(18, 40)
            while z < min(limit, 160):
                x = _sidewalk_x(rng, street, side, (0.1, 0.2))
                found.append((x, z, lambda p, x=x, z=z, t=towards_road, r=_child(rng):
                              draw_lamp_post(p, x, z, r, t)))
                z += step
        if rng.random() < 0.5:  # street trees
            z, step = rng.uniform(3, 12), rng.uniform(7, 15)
            while z < min(limit, 120):
                x = _sidewalk_x(rng, street, side, (0.6, 0.9))
                found.append((x, z, lambda p, x=x, z=z, r=_child(rng): draw_tree(p, x, z, r)))
                z += step * rng.uniform(0.8, 1.2)
        grass = abs(street.facade[side] - street.road[side]) - street.sidewalk[side]
        if grass > 1:
            for _ in range(rng.poisson(4)):
                x = street.facade[side] + towards_road * rng.uniform(0.3, grass - 0.2)
                z = rng.uniform(4, min(limit, 80))
                found.append((x, z, lambda p, x=x, z=z, r=_child(rng): draw_bush(p, x, z, r)))
    for _ in range(rng.poisson(3)):
        x, z = _sidewalk_x(rng, street, int(rng.integers(2)), (0.05, 0.3)), rng.uniform(4, min(limit, 60))
        found.append((x, z, lambda p, x=x, z=z, r=_child(rng): draw_sign_post(p, x, z, r)))
    for _ in range(rng.poisson(2.2)):
        x, z = _sidewalk_x(rng, street, int(rng.integers(2)), (0.05, 0.2)), rng.uniform(6, min(limit, 70))
        found.append((x, z, lambda p, x=x, z=z, r=_child(rng): draw_traffic_light(p, x, z, r)))
    return found


def _car_shadows(canvas: Canvas, cam: Camera, cars: list[tuple[float, float, Draw]], darkness: float) -> None:
    for x, z, _ in cars:
        points = [(cam.x(X, Z), cam.y(0, Z)) for X, Z in ((x - 1.1, z - 0.3), (x + 1.1, z - 0.3),
                                                          (x + 1.1, z + 4.5), (x - 1.1, z + 4.5))]
        region = canvas.region(min(q[0] for q in points), min(q[1] for q in points),
                               max(q[0] for q in points), max(q[1] for q in points))
        if region is not None:
            canvas.darken(region, polygon_mask(region, points), darkness)


def place_objects(canvas: Canvas, cam: Camera, street: Street, light: Lighting, noise: Noise,
                  rng: np.random.Generator) -> None:
    limit = min(street.end_depth - 6, 200)
    cars = _cars(rng, street, limit)
    objects = cars + _people(rng, street, limit) + _street_furniture(rng, street, limit)
    _car_shadows(canvas, cam, cars, 0.45)
    painter = Painter(canvas, cam, noise)
    for x, z, draw in sorted(objects, key=lambda o: -o[1]):
        painter.light = light.shade if street.in_shadow(x, z) else 1.0
        draw(painter)
