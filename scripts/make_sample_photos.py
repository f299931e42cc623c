#!/usr/bin/env python3
"""Draw the mystery shopper's photos of a sample audit, as a phone would save them.

Each photo named in the sample's evidence (``photos`` column of its
observations, ``photos`` of its standards) is drawn with Pillow from its row —
the standard checked, the note, the date and shift — and saved as a phone
saves it: 4:3 JPEG with the EXIF a phone writes (make, model, body serial
number, date taken, GPS position of the store) and, for photos taken holding
the phone upright, the pixels stored sideways with an EXIF orientation tag.
One is a PNG with a transparent margin, as a markup app exports it. So the
sample exercises what the report must undo (orientation) and strip (GPS,
device, serial). The drawings are simple scenes, not art: a shelf with an
empty stretch, a queue at one open till, yoghurt past its date.

    .venv/bin/python scripts/make_sample_photos.py              # community-supermarket
    .venv/bin/python scripts/make_sample_photos.py --size 4032x3024 --out /tmp/photos N   # N benchmark photos

Photos are binary files committed as they are; rerunning redraws them from a
fixed seed (bytes may differ with another Pillow version).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from pathlib import Path
from typing import Callable

import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent / "sample_audits"
SEED = 20260930
#: where the store is: the GPS position every photo carries (and the report must never show)
STORE_GPS = (30.2853, 120.1192)
PHONE = {"make": "Xiaomi", "model": "Redmi Note 12", "serial": "RN12-3F7A9C21"}
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def font(size: int) -> ImageFont.ImageFont:
    for path in FONT_FILES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


# --- scenes -------------------------------------------------------------------------

def _canvas(rng: random.Random, size: tuple[int, int], wall: tuple[int, int, int]) -> Image.Image:
    """A back wall lit from above: a vertical gradient."""
    w, h = size
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    for y in range(0, h, 4):
        k = 1.08 - 0.35 * y / h
        d.rectangle((0, y, w, y + 4), fill=tuple(min(255, int(c * k)) for c in wall))
    return img


def _finish(rng: random.Random, img: Image.Image) -> Image.Image:
    """What a phone adds: slight blur, sensor noise, a darker edge."""
    img = img.filter(ImageFilter.GaussianBlur(radius=max(1.0, img.width / 1400)))
    noise = Image.effect_noise(img.size, 18).convert("RGB")
    img = Image.blend(img, noise, 0.06)
    w, h = img.size
    mask = Image.radial_gradient("L").resize((w, h)).point(lambda v: int(v * 0.55))
    return Image.composite(Image.new("RGB", (w, h), (20, 20, 24)), img, mask)


def shelf(rng: random.Random, size: tuple[int, int], empty: float, label: str) -> Image.Image:
    """A supermarket shelf, four levels, with a stretch of empty shelf and a price strip."""
    w, h = size
    img = _canvas(rng, size, (214, 218, 222))
    d = ImageDraw.Draw(img)
    levels = 4
    gap_start = rng.uniform(0.15, 0.55)
    colours = [(230, 236, 245), (40, 110, 190), (220, 60, 50), (250, 250, 250), (60, 160, 90), (245, 200, 40)]
    for level in range(levels):
        top = int(h * (0.08 + level * 0.22))
        bottom = top + int(h * 0.18)
        d.rectangle((0, bottom, w, bottom + int(h * 0.025)), fill=(150, 152, 158))
        d.rectangle((0, bottom + int(h * 0.025), w, bottom + int(h * 0.045)), fill=(250, 250, 246))
        x = int(w * 0.02)
        while x < w:
            pw = int(w * rng.uniform(0.035, 0.06))
            frac = x / w
            if not (gap_start <= frac <= gap_start + empty and level in (1, 2)) and rng.random() > 0.04:
                ph = int((bottom - top) * rng.uniform(0.7, 0.95))
                c = rng.choice(colours)
                d.rounded_rectangle((x, bottom - ph, x + pw, bottom), radius=pw // 6, fill=c,
                                    outline=tuple(max(0, v - 50) for v in c))
                d.rectangle((x + pw // 5, bottom - ph * 2 // 3, x + pw * 4 // 5, bottom - ph // 3),
                            fill=rng.choice(colours))
            x += pw + int(w * 0.006)
        for k in range(6):  # price tags on the strip
            tx = int(w * (0.05 + k * 0.16))
            d.rectangle((tx, bottom + int(h * 0.028), tx + int(w * 0.07), bottom + int(h * 0.043)),
                        fill=(255, 226, 70))
    f = font(int(h * 0.035))
    d.text((int(w * (gap_start + empty / 4)), int(h * 0.5)), label, fill=(90, 90, 96), font=f)
    return img


def queue(rng: random.Random, size: tuple[int, int], people: int, tills_open: int) -> Image.Image:
    """Checkouts seen from the aisle: numbered tills, one lit, a line of customers waiting."""
    w, h = size
    img = _canvas(rng, size, (232, 226, 214))
    d = ImageDraw.Draw(img)
    d.rectangle((0, int(h * 0.72), w, h), fill=(190, 186, 178))  # floor
    f = font(int(h * 0.04))
    tills = 5
    for t in range(tills):
        x = int(w * (0.08 + t * 0.18))
        lit = t >= tills - tills_open
        d.rectangle((x, int(h * 0.45), x + int(w * 0.12), int(h * 0.75)), fill=(120, 124, 130))
        d.rectangle((x + int(w * 0.03), int(h * 0.12), x + int(w * 0.09), int(h * 0.2)),
                    fill=(60, 170, 90) if lit else (170, 60, 55))
        d.text((x + int(w * 0.045), int(h * 0.13)), str(t + 1), fill=(255, 255, 255), font=f)
    lane = int(w * (0.08 + (tills - 1) * 0.18))
    for p in range(people):
        scale = 1.0 - p * 0.06
        cx = int(lane - w * 0.03 - p * w * 0.085)
        base = int(h * 0.9 - p * h * 0.012)
        body_h = int(h * 0.32 * scale)
        c = rng.choice([(50, 70, 120), (140, 40, 40), (60, 60, 60), (200, 150, 60), (90, 120, 80)])
        d.rounded_rectangle((cx - int(w * 0.028 * scale), base - body_h, cx + int(w * 0.028 * scale), base),
                            radius=int(w * 0.012), fill=c)
        r = int(h * 0.045 * scale)
        d.ellipse((cx - r, base - body_h - 2 * r, cx + r, base - body_h), fill=(232, 196, 170))
        if rng.random() < 0.5:  # a basket
            d.rectangle((cx, base - body_h // 2, cx + int(w * 0.04), base - body_h // 3), outline=(200, 40, 40),
                        width=4)
    return img


def yoghurt(rng: random.Random, size: tuple[int, int], date_text: str) -> Image.Image:
    """A chiller shelf of yoghurt cups, a date label in focus."""
    w, h = size
    img = _canvas(rng, size, (200, 225, 235))
    d = ImageDraw.Draw(img)
    f = font(int(h * 0.05))
    for row in range(3):
        for col in range(7):
            x = int(w * (0.04 + col * 0.135))
            y = int(h * (0.1 + row * 0.3))
            d.rounded_rectangle((x, y, x + int(w * 0.11), y + int(h * 0.24)), radius=18,
                                fill=(250, 250, 250), outline=(180, 180, 190), width=3)
            d.rectangle((x, y + int(h * 0.07), x + int(w * 0.11), y + int(h * 0.13)), fill=(230, 80, 120))
    d.rectangle((int(w * 0.3), int(h * 0.42), int(w * 0.7), int(h * 0.56)), fill=(255, 255, 255),
                outline=(40, 40, 40), width=4)
    d.text((int(w * 0.32), int(h * 0.45)), date_text, fill=(20, 20, 20), font=f)
    return img


def uniform(rng: random.Random, size: tuple[int, int], label: str) -> Image.Image:
    """A staff member from behind the shelves: shirt, apron, name badge."""
    w, h = size
    img = shelf(rng, size, 0.0, "")
    d = ImageDraw.Draw(img)
    cx = w // 2
    d.rounded_rectangle((cx - int(w * 0.12), int(h * 0.35), cx + int(w * 0.12), h), radius=40, fill=(30, 110, 70))
    d.ellipse((cx - int(h * 0.1), int(h * 0.12), cx + int(h * 0.1), int(h * 0.34)), fill=(232, 196, 170))
    d.rectangle((cx + int(w * 0.02), int(h * 0.45), cx + int(w * 0.09), int(h * 0.52)), fill=(255, 255, 255))
    d.text((cx + int(w * 0.025), int(h * 0.46)), label, fill=(20, 20, 20), font=font(int(h * 0.03)))
    return img


def sign(rng: random.Random, size: tuple[int, int], text: str) -> Image.Image:
    """A printed notice on the wall by the checkouts."""
    w, h = size
    img = _canvas(rng, size, (236, 232, 224))
    d = ImageDraw.Draw(img)
    d.rectangle((int(w * 0.18), int(h * 0.15), int(w * 0.82), int(h * 0.8)), fill=(252, 252, 250),
                outline=(180, 30, 30), width=10)
    f = font(int(h * 0.07))
    for k, line in enumerate(text.split("\n")):
        d.text((int(w * 0.24), int(h * (0.25 + k * 0.14))), line, fill=(30, 30, 30), font=f)
    return img


def price_markup(rng: random.Random, size: tuple[int, int], old: str, new: str) -> Image.Image:
    """A cropped close-up of a shelf price tag with a red ring drawn round it, on a transparent margin."""
    w, h = size
    photo = shelf(rng, (w, h), 0.0, "")
    d = ImageDraw.Draw(photo)
    d.rectangle((int(w * 0.25), int(h * 0.35), int(w * 0.75), int(h * 0.65)), fill=(255, 226, 70),
                outline=(60, 60, 60), width=6)
    d.text((int(w * 0.28), int(h * 0.38)), old, fill=(20, 20, 20), font=font(int(h * 0.08)))
    d.text((int(w * 0.28), int(h * 0.5)), new, fill=(200, 20, 20), font=font(int(h * 0.06)))
    photo = _finish(rng, photo).convert("RGBA")
    ring = ImageDraw.Draw(photo)
    ring.ellipse((int(w * 0.2), int(h * 0.28), int(w * 0.8), int(h * 0.72)), outline=(230, 20, 20, 255), width=12)
    out = Image.new("RGBA", (w + 80, h + 80), (0, 0, 0, 0))
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w, h), radius=60, fill=255)
    out.paste(photo, (40, 40), mask)
    return out


# --- saving as a phone does --------------------------------------------------------------

def _dms(value: float) -> tuple[float, float, float]:
    deg = int(value)
    minutes = (value - deg) * 60
    return float(deg), float(int(minutes)), round((minutes - int(minutes)) * 60, 2)


def exif_for(taken: str, upright: bool) -> Image.Exif:
    """The EXIF a phone writes: device, serial, time taken, GPS; orientation 6 for an upright shot."""
    exif = Image.Exif()
    exif[0x010F] = PHONE["make"]
    exif[0x0110] = PHONE["model"]
    exif[0x0131] = "MIUI Camera"
    exif[0x0112] = 6 if upright else 1
    exif[0x0132] = taken
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken  # DateTimeOriginal
    sub[0xA431] = PHONE["serial"]  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    lat, lon = STORE_GPS
    gps[1], gps[2] = "N", _dms(lat)
    gps[3], gps[4] = "E", _dms(lon)
    return exif


def save_jpeg(img: Image.Image, path: Path, taken: str, upright: bool, quality: int = 85) -> None:
    """Save as a phone does; an upright photo's pixels are stored turned 90° left, with orientation 6."""
    if upright:
        img = img.transpose(Image.Transpose.ROTATE_90)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, exif=exif_for(taken, upright))
    path.write_bytes(buf.getvalue())


def save_png(img: Image.Image, path: Path, taken: str) -> None:
    """A markup app's PNG: transparency kept, EXIF (with the GPS) carried over in an eXIf chunk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, "PNG", exif=exif_for(taken, False))
    path.write_bytes(buf.getvalue())


# --- the samples ----------------------------------------------------------------------------

def _taken(name: str, date: str) -> str:
    stem = Path(name).stem
    if stem.startswith("IMG_") and len(stem) >= 19:
        d, t = stem[4:12], stem[13:19]
        return f"{d[:4]}:{d[4:6]}:{d[6:]} {t[:2]}:{t[2:4]}:{t[4:]}"
    return f"{date.replace('-', ':')} 10:15:22"


SCENES: dict[str, Callable[[random.Random, tuple[int, int], dict[str, str]], Image.Image]] = {
    "STOCK": lambda rng, size, row: shelf(rng, size, 0.45 if "牛奶" in (row.get("note") or "") else 0.25,
                                          "牛奶" if "牛奶" in (row.get("note") or "") else ""),
    "QUEUE": lambda rng, size, row: queue(rng, size, 8, 1),
    "FRESH": lambda rng, size, row: yoghurt(rng, size, "保质期至 2026-08-29"),
    "UNIFORM": lambda rng, size, row: uniform(rng, size, "理货员"),
    "PRICE": lambda rng, size, row: price_markup(rng, size, "¥12.80", "促销价 ¥9.90 (未换签)"),
}
UPRIGHT = {"QUEUE"}  # photos taken holding the phone upright: stored sideways with EXIF orientation 6


def community_supermarket(size: tuple[int, int]) -> list[Path]:
    folder = ROOT / "community-supermarket"
    rng = random.Random(f"{SEED}:photos")
    written = []
    with open(folder / "observations.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for name in filter(None, (row.get("photos") or "").split(";")):
            upright = row["standard"] in UPRIGHT and name.endswith(".jpg")
            shape = (size[1], size[0]) if upright else size
            img = _finish(rng, SCENES[row["standard"]](rng, shape, row)) if name.endswith(".jpg") else \
                SCENES[row["standard"]](rng, (size[0] * 2 // 5, size[1] * 2 // 5), row)
            taken = _taken(name, row["date"])
            (save_png(img, folder / name, taken) if name.endswith(".png")
             else save_jpeg(img, folder / name, taken, upright))
            written.append(folder / name)
    audit = yaml.safe_load((folder / "audit.yaml").read_text("utf-8"))
    for std in audit["evidence"]["standards"]:
        for name in std.get("photos") or []:
            img = _finish(rng, sign(rng, size, "顾客排队超过 5 人\n请立即开启新收银台\n—— 前台主管"))
            save_jpeg(img, folder / name, "2026:07:01 08:30:00", False)
            written.append(folder / name)
    return written


def benchmark_photos(folder: Path, n: int, size: tuple[int, int]) -> list[Path]:
    """``n`` distinct phone-sized photos (every third upright) for the benchmark: IMG_0001.jpg …"""
    rng = random.Random(f"{SEED}:bench")
    out = []
    kinds = list(SCENES)
    for k in range(n):
        kind = kinds[k % len(kinds)]
        upright = k % 3 == 0
        shape = (size[1], size[0]) if upright else size
        img = SCENES[kind](rng, shape, {"note": "牛奶区空架" if k % 2 else ""})
        img = _finish(rng, img.convert("RGB"))
        path = folder / f"IMG_{k + 1:04d}.jpg"
        save_jpeg(img, path, f"2026:09:{1 + k % 28:02d} 10:{k % 60:02d}:00", upright, quality=90)
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, help="with --out: draw this many benchmark photos")
    parser.add_argument("--out", type=Path, help="folder for benchmark photos")
    parser.add_argument("--size", default="1600x1200", help="landscape size WxH (default 1600x1200)")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    if args.out:
        written = benchmark_photos(args.out, args.count or 200, size)  # type: ignore[arg-type]
    else:
        written = community_supermarket(size)  # type: ignore[arg-type]
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
