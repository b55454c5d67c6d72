"""A picture of CartPoleSwingUp's state, drawn with numpy alone (no pygame, no display).

`draw(state)` returns an (H, W, 3) uint8 frame: the track with its bounds at x = ±2.4, the
cart on its wheels and the pole from the cart's pivot (theta = 0 is upright). Shapes are
anti-aliased from signed distances, so frames look smooth and work headless anywhere.
"""

from __future__ import annotations

import numpy as np

from wann_envs.twins.swingup import LENGTH, X_THRESHOLD

WIDTH, HEIGHT = 600, 240
WORLD_HALF_WIDTH = 2.8  # metres shown either side of the centre
TRACK_Y = 0.95  # metres above the bottom of the frame (keeps the pivot mid-height)

SKY = (247, 247, 244)
TRACK = (110, 110, 110)
BOUND = (200, 60, 50)
CART = (52, 78, 115)
WHEEL = (40, 40, 40)
POLE = (222, 138, 46)
PIVOT = (245, 245, 245)
CENTRE = (160, 160, 160)

CART_W, CART_H = 0.50, 0.22
WHEEL_R = 0.06
POLE_R = 0.035


class _Canvas:
    """A float RGB image with world-to-pixel mapping and anti-aliased shapes."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.scale = width / (2 * WORLD_HALF_WIDTH)
        self.img = np.empty((height, width, 3), dtype=np.float32)
        self.img[:] = SKY

    def px(self, x: float, y: float) -> tuple[float, float]:
        """World metres (y up, from the frame's bottom) to pixel (column, row)."""
        return (x + WORLD_HALF_WIDTH) * self.scale, self.h - y * self.scale

    def _paint(self, box: tuple[float, float, float, float], coverage, color) -> None:  # noqa: ANN001
        """Blend `color` into the pixels of box (c0, r0, c1, r1) by coverage(cols, rows)."""
        c0, r0, c1, r1 = box
        c0, r0 = max(int(np.floor(c0)) - 1, 0), max(int(np.floor(r0)) - 1, 0)
        c1, r1 = min(int(np.ceil(c1)) + 2, self.w), min(int(np.ceil(r1)) + 2, self.h)
        if c0 >= c1 or r0 >= r1:
            return
        cols = np.arange(c0, c1, dtype=np.float32)[None, :] + 0.5
        rows = np.arange(r0, r1, dtype=np.float32)[:, None] + 0.5
        a = np.clip(coverage(cols, rows), 0.0, 1.0)[..., None]
        region = self.img[r0:r1, c0:c1]
        region += (np.asarray(color, dtype=np.float32) - region) * a

    def rect(self, x0: float, y0: float, x1: float, y1: float, color, radius: float = 0.0) -> None:  # noqa: ANN001
        """An axis-aligned box in world metres, optionally with rounded corners."""
        (ca, ra), (cb, rb) = self.px(x0, y1), self.px(x1, y0)
        rad = radius * self.scale
        cx, cy = (ca + cb) / 2, (ra + rb) / 2
        hx, hy = (cb - ca) / 2 - rad, (rb - ra) / 2 - rad

        def cover(c: np.ndarray, r: np.ndarray) -> np.ndarray:
            qx, qy = np.abs(c - cx) - hx, np.abs(r - cy) - hy
            outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
            inside = np.minimum(np.maximum(qx, qy), 0)
            return 0.5 - (outside + inside - rad)

        self._paint((ca, ra, cb, rb), cover, color)

    def capsule(self, xa: float, ya: float, xb: float, yb: float, r: float, color) -> None:  # noqa: ANN001
        """A thick line with round ends (a circle when both ends coincide)."""
        (ca, ra), (cb, rb) = self.px(xa, ya), self.px(xb, yb)
        rad = r * self.scale
        dc, dr = cb - ca, rb - ra
        len2 = dc * dc + dr * dr

        def cover(c: np.ndarray, rr: np.ndarray) -> np.ndarray:
            t = 0.0 if len2 == 0 else np.clip(((c - ca) * dc + (rr - ra) * dr) / len2, 0, 1)
            return 0.5 - (np.hypot(c - ca - t * dc, rr - ra - t * dr) - rad)

        box = (min(ca, cb) - rad, min(ra, rb) - rad, max(ca, cb) + rad, max(ra, rb) + rad)
        self._paint(box, cover, color)

    def circle(self, x: float, y: float, r: float, color) -> None:  # noqa: ANN001
        self.capsule(x, y, x, y, r, color)

    def frame(self) -> np.ndarray:
        return np.clip(np.rint(self.img), 0, 255).astype(np.uint8)


def draw(state: np.ndarray, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """The frame of state (x, x_dot, theta, theta_dot) as an (height, width, 3) uint8 array."""
    x, theta = float(state[0]), float(state[2])
    cv = _Canvas(width, height)
    cv.rect(-X_THRESHOLD, TRACK_Y - WHEEL_R - 0.012, X_THRESHOLD, TRACK_Y - WHEEL_R + 0.012, TRACK)
    cv.rect(-0.008, TRACK_Y - WHEEL_R - 0.06, 0.008, TRACK_Y - WHEEL_R, CENTRE)
    for side in (-1.0, 1.0):  # the bounds: the episode ends when the cart passes them
        bx = side * X_THRESHOLD
        cv.rect(bx - 0.02, TRACK_Y - WHEEL_R - 0.15, bx + 0.02, TRACK_Y + 0.35, BOUND, 0.01)
    body_y = TRACK_Y + WHEEL_R * 0.6
    for side in (-1.0, 1.0):
        cv.circle(x + side * CART_W * 0.3, TRACK_Y, WHEEL_R, WHEEL)
    cv.rect(x - CART_W / 2, body_y, x + CART_W / 2, body_y + CART_H, CART, 0.03)
    pivot_y = body_y + CART_H * 0.6
    tip_x, tip_y = x + LENGTH * np.sin(theta), pivot_y + LENGTH * np.cos(theta)
    cv.capsule(x, pivot_y, tip_x, tip_y, POLE_R, POLE)
    cv.circle(x, pivot_y, POLE_R * 0.55, PIVOT)
    return cv.frame()
