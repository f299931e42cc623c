"""Photos prepared for the report: upright, print-sized, sRGB, with nothing but the pixels.

A phone photo is 3–12 MB of 12 megapixels, often stored sideways with an
EXIF orientation tag, in Display P3, carrying the shopper's GPS position and
the phone's serial number. What the report embeds instead (Pillow):

* orientation applied (EXIF), then resized to :data:`DPI` at the printed size of
  its box (:data:`BOX_MM`) — JPEGs are decoded at a reduced scale (libjpeg's DCT
  scaling), so even a 108-megapixel photo costs little memory;
* converted to 8-bit sRGB through its ICC profile (none means sRGB), transparency
  flattened on white, so the PDF holds only DeviceRGB images with no soft masks —
  what PDF/A expects under its sRGB output intent;
* written as a baseline JPEG with an sRGB profile and no EXIF, XMP, comments or
  thumbnails: the GPS position, the device and its serial never reach a report.

Prepared photos are cached by content (SHA-256 of the file plus the recipe) in
:func:`cache_dir` — ``$GAPAUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/gapaudit``,
else ``~/.cache/gapaudit`` — so reruns and batches prepare each photo once.
Entries are written to a temporary file and renamed into place, so concurrent
batch workers never see a half-written one; a damaged entry is prepared again.
``GAPAUDIT_CACHE_DIR=off`` (or ``gapaudit run --no-cache``) turns the cache off.

A photo that cannot be decoded (truncated, corrupt) is returned as
:class:`Unreadable` with the reason; the report lists it and is still written.
Pillow is imported here only: ``validate`` checks photos by their headers
(:mod:`gapaudit.load.photos`).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from PIL import Image, ImageCms, ImageFile, ImageOps

from gapaudit.load.photos import MAX_PHOTO_BYTES, MAX_PIXELS, heic_reader

if TYPE_CHECKING:
    from gapaudit.load.photos import PhotoFile

#: Pillow's decompression-bomb limit, set explicitly (its default is 89 megapixels with a warning, an
#: error at twice that); the warning is raised as an error below, so this is the limit
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

#: the printed box every photo is fitted into (width, height in mm), and the resolution it is prepared at
BOX_MM = (56.0, 42.0)
DPI = 200
BOX_PX = tuple(round(mm / 25.4 * DPI) for mm in BOX_MM)  # (441, 331)
QUALITY = 80
#: changes whenever the recipe does, so old cache entries are never reused
RECIPE = f"v1:{BOX_PX[0]}x{BOX_PX[1]}:q{QUALITY}"
#: entries beyond this total size are removed, least recently used first (GAPAUDIT_CACHE_MAX_MB)
CACHE_MAX_BYTES = 1024 * 1024 * 1024

_DECODERS = ["JPEG", "PNG"]


@dataclass(frozen=True)
class Prepared:
    """A photo ready to embed: a baseline sRGB JPEG without metadata."""

    name: str
    data: bytes
    width: int
    height: int
    digest: str  # SHA-256 of the source file

    @property
    def url(self) -> str:
        """The URL the PDF's HTML names it by; the restricted fetcher serves exactly these, from memory."""
        return f"file:///gapaudit-photos/{self.digest[:32]}.jpg"


@dataclass(frozen=True)
class Unreadable:
    """A photo that could not be decoded, with why (both languages)."""

    name: str
    reason: str
    reason_zh: str


@dataclass
class PreparedPhotos:
    """Every photo of one audit, prepared or found unreadable."""

    prepared: dict[str, Prepared] = field(default_factory=dict)
    unreadable: dict[str, Unreadable] = field(default_factory=dict)
    files: dict[str, "PhotoFile"] = field(default_factory=dict)

    def served(self) -> dict[str, bytes]:
        """URL → bytes of every prepared photo, for the PDF's fetcher."""
        return {p.url: p.data for p in self.prepared.values()}


class PhotoError(Exception):
    """A photo that cannot be prepared, said in both languages."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.zh = zh


# --- the cache ------------------------------------------------------------------------

def cache_dir() -> Path | None:
    """Where prepared photos are kept between runs; None when the cache is switched off."""
    configured = os.environ.get("GAPAUDIT_CACHE_DIR", "").strip()
    if configured.lower() in ("off", "0", "no", "false", "none"):
        return None
    if configured:
        return Path(configured).expanduser() / "photos"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "gapaudit" / "photos"


class PhotoCache:
    """Prepared photos on disk, one file per source content and recipe; safe across processes."""

    def __init__(self, folder: Path, max_bytes: int | None = None):
        self.folder = folder
        env = os.environ.get("GAPAUDIT_CACHE_MAX_MB", "").strip()
        self.max_bytes = max_bytes if max_bytes is not None else (
            int(env) * 1024 * 1024 if env.isdigit() else CACHE_MAX_BYTES)
        self.usable = True
        self.written = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.jpg"

    def get(self, key: str) -> bytes | None:
        """The entry for ``key``, or None (missing, or damaged: a JPEG must start and end as one)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not (data.startswith(b"\xff\xd8") and data.rstrip(b"\x00").endswith(b"\xff\xd9")):
            return None
        try:
            os.utime(path)  # recently used: kept longest when the cache is trimmed
        except OSError:
            pass
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store an entry atomically (temporary file + rename); a cache that cannot be written is skipped."""
        if not self.usable:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".jpg", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            self.usable = False  # read-only or full: go on without it
            return
        self.written += len(data)

    def trim(self) -> None:
        """Remove the least recently used entries while the cache is larger than its limit."""
        if not self.written:
            return
        entries = []
        try:
            for sub in self.folder.iterdir():
                if sub.is_dir():
                    for entry in os.scandir(sub):
                        if entry.name.endswith(".jpg"):
                            st = entry.stat()
                            entries.append((st.st_mtime, st.st_size, entry.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            try:
                os.unlink(path)
            except OSError:
                pass
            total -= size


def default_cache() -> PhotoCache | None:
    folder = cache_dir()
    return None if folder is None else PhotoCache(folder)


# --- preparing ------------------------------------------------------------------------

def prepare_all(files: "dict[str, PhotoFile]", cache: PhotoCache | None = None,
                names: Iterable[str] | None = None) -> PreparedPhotos:
    """Prepare the photos ``names`` (default: all of ``files``); unreadable ones are listed, never raised."""
    out = PreparedPhotos(files=dict(files))
    for name in (files if names is None else names):
        photo = files[name]
        try:
            source = _read(photo.path)
            digest = hashlib.sha256(source).hexdigest()
            key = hashlib.sha256(f"{digest}:{RECIPE}".encode()).hexdigest()
            data = cache.get(key) if cache is not None else None
            if data is None:
                data = prepare(source, photo.format)
                if cache is not None:
                    cache.put(key, data)
            width, height = _jpeg_dimensions(data)
            out.prepared[name] = Prepared(name, data, width, height, digest)
        except PhotoError as exc:
            out.unreadable[name] = Unreadable(name, str(exc), exc.zh)
    if cache is not None:
        cache.trim()
    return out


def _read(path: Path) -> bytes:
    """The photo's bytes, refusing a symbolic link swapped in since validation and an oversized file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_PHOTO_BYTES + 1)
    except OSError as exc:
        raise PhotoError(f"cannot be read: {exc.strerror or exc}", f"无法读取：{exc.strerror or exc}") from exc
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError("larger than the photo size limit", "超过照片大小上限")
    return data


def prepare(source: bytes, fmt: str = "JPEG") -> bytes:
    """One photo's bytes → the JPEG the report embeds (see the module docstring); PhotoError if it cannot be."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint sets it on import, for its own images
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated photo is unreadable, never half grey
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source), formats=_decoders(fmt))
            if image.format == "JPEG":
                image.draft("RGB", (max(BOX_PX), max(BOX_PX)))  # decode at 1/2 … 1/8 scale when that suffices
            image = ImageOps.exif_transpose(image)  # loads the pixels; orientation from EXIF
            image = _to_srgb(image)
            image.thumbnail(BOX_PX, Image.Resampling.LANCZOS, reducing_gap=3.0)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"too many pixels for a photo ({exc})", "像素数过多，不像一张照片（防范解压炸弹）") from exc
    except PhotoError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError,
            MemoryError, RuntimeError) as exc:
        reason = str(exc) or type(exc).__name__
        raise PhotoError(f"cannot be decoded ({reason}): the file is damaged or truncated",
                         f"无法解码（{reason}）：文件已损坏或不完整") from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=False, subsampling="4:2:0",
               icc_profile=srgb_profile(), dpi=(DPI, DPI))
    return out.getvalue()


def _decoders(fmt: str) -> list[str]:
    if fmt == "HEIC":
        module = heic_reader()
        if module is None:
            raise PhotoError("HEIC support is not installed (pip install 'gapaudit[heic]')",
                             "未安装 HEIC 支持（pip install 'gapaudit[heic]'）")
        __import__(module).register_heif_opener()
        return ["HEIF"]
    return list(_DECODERS)


def _to_srgb(image: Image.Image) -> Image.Image:
    """8-bit RGB in sRGB: transparency flattened on white, colours converted through the photo's profile."""
    icc = image.info.get("icc_profile")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode not in ("RGB", "L", "CMYK"):
                image = image.convert("RGB")
            if not _is_srgb(source):
                converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode="RGB")
                if converted is not None:
                    return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: read the pixels as sRGB
    return image if image.mode == "RGB" else image.convert("RGB")


def _is_srgb(profile: "ImageCms.ImageCmsProfile") -> bool:
    try:
        description = ImageCms.getProfileDescription(profile).lower()
    except ImageCms.PyCMSError:
        return False
    return "srgb" in description or "iec61966-2" in description


_SRGB: list[bytes] = []


def srgb_profile() -> bytes:
    """The sRGB ICC profile embedded in every prepared photo; its date and id fixed, so output is reproducible."""
    if not _SRGB:
        raw = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
        raw[24:36] = (2000).to_bytes(2, "big") + bytes([0, 1, 0, 1]) + bytes(6)  # 2000-01-01 00:00:00
        raw[84:100] = bytes(16)  # profile id: "not computed"
        _SRGB.append(bytes(raw))
    return _SRGB[0]


def _srgb() -> "ImageCms.ImageCmsProfile":
    return ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile()))


def _jpeg_dimensions(data: bytes) -> tuple[int, int]:
    from gapaudit.load.photos import sniff

    _, width, height = sniff(io.BytesIO(data))
    if width is None or height is None:
        raise PhotoError("prepared image is damaged", "处理后的图片已损坏")
    return width, height
