#!/usr/bin/env python3
"""Benchmark photos in the report: a 200-photo audit's PDF size and render time, per photo.

The community-supermarket sample is copied to a temporary folder and its 210
visit observations are given phone photos (4032 × 3024 JPEGs of ~1.6 MB, every
third one upright with an EXIF orientation tag, all with GPS), ``--photos``
of them (default 200, spread over failed and compliant visits). Each case is
``gapaudit run AUDIT -f pdf`` as a fresh process, repeated and interleaved:

* ``none``  — the same audit without photos (the baseline);
* ``cold``  — with photos and an empty cache: every photo decoded, oriented,
  converted and resized;
* ``warm``  — with photos, prepared ones taken from the cache (a rerun, or the
  next store of a batch sharing photos).

It prints the median wall time, pages and PDF size of each, and the added
time and size per photo against the baseline.

    .venv/bin/python scripts/bench_photos.py [--photos 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_audits" / "community-supermarket"
PHONE_SIZE = (4032, 3024)


def make_photos(folder: Path, n: int, bases: int = 12) -> list[str]:
    """``n`` distinct phone photos: ``bases`` drawn scenes, each saved shifted by a few pixels (new content)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_sample_photos import SCENES, _finish, exif_for  # noqa: E402
    from PIL import Image, ImageChops

    rng = random.Random(17)
    kinds = list(SCENES)
    drawn = []
    w, h = PHONE_SIZE
    for k in range(bases):
        img = _finish(rng, SCENES[kinds[k % len(kinds)]](rng, PHONE_SIZE, {"note": "牛奶"}).convert("RGB"))
        # texture at every scale, as real photos have (drawn scenes alone are flatter and compress better)
        img = img.resize(PHONE_SIZE) if img.size != PHONE_SIZE else img
        texture = Image.effect_noise((w // 8, h // 8), 60).resize(PHONE_SIZE, Image.Resampling.BICUBIC)
        drawn.append(Image.blend(img, texture.convert("RGB"), 0.2))
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    names = []
    for k in range(n):
        img = ImageChops.offset(drawn[k % bases], 7 * (k // bases + 1), 3 * (k // bases))
        upright = k % 3 == 0
        if upright:
            img = img.transpose(Image.Transpose.ROTATE_90)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=92, exif=exif_for(f"2026:09:{1 + k % 28:02d} 10:{k % 60:02d}:00", upright))
        name = f"photos/IMG_{k + 1:04d}.jpg"
        (folder / name).write_bytes(buf.getvalue())
        names.append(name)
    return names


def audit_with_photos(target: Path, names: list[str]) -> Path:
    """The sample copied to ``target`` with one photo on each of the first len(names) observations."""
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("photos", "*.pdf", "*.html"))
    with open(target / "observations.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    order = sorted(range(len(rows)), key=lambda i: (i * 7919) % len(rows))  # spread over visits and standards
    for row in rows:
        row["photos"] = ""
    for name, i in zip(names, order):
        rows[i]["photos"] = name
    with open(target / "observations.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    text = (target / "audit.yaml").read_text("utf-8").replace(", photos: [photos/排队规定.jpg]", "")
    (target / "audit.yaml").write_text(text, "utf-8")
    return target / "audit.yaml"


def run(audit: Path, out: Path, cache: Path | str) -> tuple[float, int, int]:
    """Wall seconds, pages and bytes of one ``gapaudit run -f pdf``."""
    env = {**os.environ, "GAPAUDIT_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "gapaudit"), "run", str(audit), "-f", "pdf", "-o", str(out)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    seconds = time.perf_counter() - start
    data = out.read_bytes()
    from pypdf import PdfReader

    return seconds, len(PdfReader(io.BytesIO(data)).pages), len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        names = make_photos(tmp_path / "with", args.photos)
        source_mb = sum((tmp_path / "with" / n).stat().st_size for n in names) / 1e6
        print(f"drew {len(names)} photos of {PHONE_SIZE[0]} × {PHONE_SIZE[1]} ({source_mb:.0f} MB) in "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        photos_dir = tmp_path / "with" / "photos"
        with_photos = audit_with_photos(tmp_path / "audit", names)
        shutil.move(str(photos_dir), str(with_photos.parent / "photos"))
        without = audit_with_photos(tmp_path / "plain", [])
        results: dict[str, list[tuple[float, int, int]]] = {"none": [], "cold": [], "warm": []}
        for k in range(args.repeat):
            results["none"].append(run(without, tmp_path / "none.pdf", "off"))
            cache = tmp_path / f"cache{k}"
            results["cold"].append(run(with_photos, tmp_path / "cold.pdf", cache))
            results["warm"].append(run(with_photos, tmp_path / "warm.pdf", cache))
    load = os.getloadavg()[0]
    med = {case: (statistics.median(r[0] for r in rows), rows[0][1], rows[0][2]) for case, rows in results.items()}
    print(f"{args.photos} photos, {args.repeat} runs each, load average {load:.1f}")
    print(f"{'case':<6} {'seconds':>8} {'pages':>6} {'PDF MB':>8}")
    for case, (seconds, pages, size) in med.items():
        print(f"{case:<6} {seconds:>8.2f} {pages:>6} {size / 1e6:>8.2f}")
    base = med["none"]
    for case in ("cold", "warm"):
        seconds, _, size = med[case]
        print(f"{case}: +{(seconds - base[0]) / args.photos * 1000:.0f} ms and +{(size - base[2]) / args.photos / 1024:.0f} "
              "KB per photo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
