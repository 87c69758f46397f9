"""Videos for Chromium's fake camera made from the card QR the app prints (points.qr), seen
the way a phone's camera sees it in a village hall.

Each video is a loop of cycles: ``blank_s`` of an empty view, then ``card_s`` of the card.
A 16 px square in the top-left corner is black on empty frames and white on the card's: the
page under measurement reads it to know when the card's first frame reached the page
(bench/scan.py). It lies outside the centre square the decoders look at.

Conditions (``CONDITIONS``): clean (flat, bright), angle (perspective 20–40°), blur (motion
blur, the hand moving), lowlight (a dim hall: dark, noisy, low contrast), crease (a card folded
once), phone (the card shown on a phone screen at half brightness, with its bezel and glare).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from points import qr

WIDTH, HEIGHT, FPS = 640, 480, 15
MARK = 16
CONDITIONS = ("clean", "angle", "blur", "lowlight", "crease", "phone")


def card_image(payload: str, side: int = 260) -> Image.Image:
    """The printed card's QR (with its quiet zone) as the app draws it, scaled to ``side``."""
    code = Image.open(io.BytesIO(qr.png(payload, box_size=10, border=4))).convert("L")
    return code.resize((side, side), Image.NEAREST)


def _perspective(card: Image.Image, degrees: float, rng: np.random.Generator) -> Image.Image:
    """The card turned ``degrees`` about its vertical axis: the far edge shorter, the card
    narrower, on a grey table."""
    w, h = card.size
    t = math.radians(degrees)
    new_w = int(w * math.cos(t))
    shrink = 1 - 0.35 * math.sin(t)  # the far edge looks shorter
    dy = h * (1 - shrink) / 2
    # where the output corners come from in the card: (x, y) output -> input
    quad_out = [(0, 0), (new_w, dy), (new_w, h - dy), (0, h)]
    quad_in = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _coefficients(quad_out, quad_in)
    out = card.transform((new_w, h), Image.PERSPECTIVE, coeffs, Image.BILINEAR, fillcolor=150)
    return out


def _coefficients(src, dst):
    matrix = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(matrix, dtype=float)
    b = np.array([c for p in dst for c in p], dtype=float)
    return np.linalg.solve(a, b).tolist()


def _motion_blur(frame: np.ndarray, length: int) -> np.ndarray:
    kernel = np.ones(length) / length
    return np.apply_along_axis(lambda row: np.convolve(row, kernel, mode="same"), 1, frame)


def card_frame(payload: str, condition: str, rng: np.random.Generator, card=None) -> np.ndarray:
    """One frame (HEIGHT × WIDTH, luma) of the card under ``condition``."""
    background = rng.normal(150, 6, (HEIGHT, WIDTH))
    card = card if card is not None else card_image(payload)
    if condition == "angle":
        card = _perspective(card, float(rng.uniform(20, 40)), rng)
    elif condition == "crease":
        arr = np.asarray(card, dtype=float)
        fold = arr.shape[1] // 2 + int(rng.integers(-20, 20))
        arr[:, fold:] *= 0.78  # the half past the fold catches less light
        arr[:, fold - 2 : fold + 2] = 60  # the crease itself
        shifted = np.roll(arr[:, fold:], 2, axis=0)  # the paper no longer flat
        arr[:, fold:] = shifted
        card = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    elif condition == "phone":
        arr = np.asarray(card, dtype=float)
        arr = 15 + arr * (120 - 15) / 255  # half brightness: white is grey
        x = np.linspace(0, 1, arr.shape[1])
        arr += 40 * np.exp(-((x - 0.7) ** 2) / 0.02)  # a glare band
        screen = Image.fromarray(arr.clip(0, 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(0.8)
        )
        bezel = Image.new("L", (screen.width + 40, screen.height + 120), 10)
        bezel.paste(screen, (20, 60))
        card = bezel
    x0 = (WIDTH - card.width) // 2 + int(rng.integers(-4, 5))  # a hand is never still
    y0 = (HEIGHT - card.height) // 2 + int(rng.integers(-4, 5))
    frame = background
    frame[y0 : y0 + card.height, x0 : x0 + card.width] = np.asarray(card, dtype=float)
    if condition == "blur":
        frame = _motion_blur(frame, int(rng.integers(7, 12)))
    if condition == "lowlight":
        frame = 20 + frame * 0.3 + rng.normal(0, 9, frame.shape)
    else:
        frame = frame + rng.normal(0, 3, frame.shape)  # a camera's sensor noise
    return frame


def blank_frame(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(150, 6, (HEIGHT, WIDTH))


def write_y4m(
    payload: str, condition: str, path: Path, *, cycles: int, blank_s: float, card_s: float
) -> Path:
    """The loop of ``cycles`` (empty view, card) under ``condition``, as a Y4M file."""
    rng = np.random.default_rng(20)
    card = card_image(payload)
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2) * 2)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(cycles):
            for showing, seconds in ((False, blank_s), (True, card_s)):
                for _ in range(round(seconds * FPS)):
                    frame = (
                        card_frame(payload, condition, rng, card) if showing else (blank_frame(rng))
                    )
                    frame[:MARK, :MARK] = 255 if showing else 0
                    f.write(b"FRAME\n")
                    f.write(frame.clip(0, 255).astype(np.uint8).tobytes())
                    f.write(chroma)
    return path


def decodes_offline(payload: str, condition: str) -> bool:
    """Whether zxing-cpp reads one frame of the condition (a check of the video itself)."""
    import zxingcpp

    rng = np.random.default_rng(1)
    frame = card_frame(payload, condition, rng).clip(0, 255).astype(np.uint8)
    found = zxingcpp.read_barcodes(Image.fromarray(frame))
    return any(r.text == payload for r in found)
