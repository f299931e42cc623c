"""Photo references in the evidence: each file checked where it is named, by its header only.

``validate`` stays fast and never imports Pillow: a photo is checked for being
a regular file inside the audit folder (no symbolic link on the way, no
``..`` escape), of a bounded size, and a JPEG, PNG or HEIC image by its
first bytes, whose width and height (read from the header, as Pillow would)
stay under the decompression-bomb limit. Decoding is left to ``run``
(:mod:`gapaudit.render.photos`), where a photo that turns out to be corrupt is
listed as unreadable and the report is still written.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator

from gapaudit.errors import InputIssue

#: largest photo file accepted (a 108-megapixel phone JPEG weighs ~25 MB)
MAX_PHOTO_BYTES = 64 * 1024 * 1024
#: largest image accepted, in pixels; Pillow's own limit is set to the same (gapaudit.render.photos)
MAX_PIXELS = 120_000_000
#: header bytes read to find an image's size (a JPEG's EXIF and colour profile come first)
_MAX_SCAN = 4 * 1024 * 1024

FORMATS = ("JPEG", "PNG", "HEIC")
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
                b"mif2"}
#: formats people send instead of a photo, recognised to say what the file is
_OTHER = ((b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
          (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP / Office document"), (b"\xd0\xcf\x11\xe0", "Office document"))


@dataclass(frozen=True)
class PhotoFile:
    """A photo named in the evidence, checked: where it is and what its header says."""

    name: str  # as written in the audit (``\\`` read as ``/``)
    path: Path  # its real path, inside the audit folder
    format: str  # JPEG, PNG or HEIC
    width: int | None  # from the header; None when the header could not be read (decoding will tell)
    height: int | None
    size: int  # bytes
    where: str = ""  # the first place it is named, e.g. observations.csv: row 5, column "photos" (I)
    where_zh: str = ""


def heic_reader() -> str | None:
    """The installed HEIC plugin for Pillow (pi-heif or pillow-heif), without importing it."""
    for module in ("pi_heif", "pillow_heif"):
        if importlib.util.find_spec(module) is not None:
            return module
    return None


def photo_rows(evidence: Any) -> Iterator[tuple[str, int, Any]]:
    """(table, row index, row) of every evidence row that lists photos."""
    for table in type(evidence).model_fields:
        rows = getattr(evidence, table)
        if isinstance(rows, list):
            for index, row in enumerate(rows):
                if getattr(row, "photos", None):
                    yield table, index, row


def normalise(name: str) -> str:
    """A photo name as the lookup key: Windows separators read as ``/``."""
    return name.strip().replace("\\", "/")


def check_photos(evidence: Any, base_dir: Path, issues: list[InputIssue],
                 place: Callable[[tuple[str | int, ...]], tuple[str, str]] = lambda p: ("", "")
                 ) -> dict[str, PhotoFile]:
    """Every photo the evidence names, checked once (at its first mention); problems go to ``issues``.

    ``place`` turns a field path into where it is (English, Chinese) for the report's list of
    unreadable photos.
    """
    found: dict[str, PhotoFile] = {}
    seen: set[str] = set()
    base = Path(os.path.realpath(base_dir))
    for table, index, row in photo_rows(evidence):
        for position, written in enumerate(row.photos):
            name = normalise(written)
            if name in seen:
                continue
            seen.add(name)
            path = ("evidence", table, index, "photos")
            try:
                photo = inspect(base, name)
            except PhotoProblem as exc:
                issues.append(InputIssue(exc.en, path, zh=exc.zh))
                continue
            where, where_zh = place(path)
            found[name] = PhotoFile(**{**photo.__dict__, "where": where, "where_zh": where_zh})
    return found


class PhotoProblem(ValueError):
    """A photo that cannot be used, said in both languages."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


def inspect(base: Path, name: str) -> PhotoFile:
    """Check one photo named relative to ``base`` (a real path); raise PhotoProblem saying what is wrong."""
    shown = repr(name)
    rel = PurePosixPath(name)
    if not name or "\x00" in name:
        raise PhotoProblem("empty or invalid photo file name", "照片文件名为空或无效")
    if rel.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise PhotoProblem(f"photo {shown}: absolute paths are not allowed; give the path relative to the audit "
                           "folder (e.g. photos/IMG_0412.jpg)",
                           f"照片 {shown}：不允许使用绝对路径，请写相对于审核文件夹的路径（例如 photos/IMG_0412.jpg）")
    if ".." in rel.parts:
        raise PhotoProblem(f"photo {shown} points outside the audit folder ('..'); photos must be inside "
                           f"{base}", f"照片 {shown} 指向审核文件夹之外（含“..”）；照片必须放在 {base} 之内")
    current = base
    for part in rel.parts:
        current = current / part
        try:
            info = current.lstat()
        except FileNotFoundError:
            raise PhotoProblem(f"photo {shown} does not exist (looked in {base}){_near_miss(base, rel)}",
                               f"照片 {shown} 不存在（查找位置：{base}）{_near_miss(base, rel, 'zh')}") from None
        except OSError as exc:
            raise PhotoProblem(f"photo {shown} cannot be read: {exc.strerror or exc}",
                               f"无法读取照片 {shown}：{exc.strerror or exc}") from None
        if stat.S_ISLNK(info.st_mode):
            raise PhotoProblem(f"photo {shown} is (or lies under) a symbolic link ({current.name}); copy the photo "
                               "itself into the audit folder",
                               f"照片 {shown} 是（或位于）符号链接（{current.name}）；请把照片本身复制到审核文件夹中")
    if not stat.S_ISREG(info.st_mode):
        raise PhotoProblem(f"photo {shown} is not a regular file (a folder, pipe or device cannot be a photo)",
                           f"照片 {shown} 不是普通文件（文件夹、管道或设备不能作为照片）")
    real = Path(os.path.realpath(current))
    if not real.is_relative_to(base):  # pragma: no cover - no link was followed, so this cannot happen
        raise PhotoProblem(f"photo {shown} lies outside the audit folder {base}", f"照片 {shown} 位于审核文件夹之外")
    size = info.st_size
    if size == 0:
        raise PhotoProblem(f"photo {shown} is an empty file (0 bytes)", f"照片 {shown} 是空文件（0 字节）")
    if size > MAX_PHOTO_BYTES:
        raise PhotoProblem(f"photo {shown} is {size / 2**20:.0f} MB; the limit is {MAX_PHOTO_BYTES // 2**20} MB per "
                           "photo (export it smaller)",
                           f"照片 {shown} 有 {size / 2**20:.0f} MB，单张照片上限为 {MAX_PHOTO_BYTES // 2**20} MB（请导出较小的版本）")
    with open(real, "rb") as fh:
        fmt, width, height = sniff(fh)
    if fmt is None:
        raise PhotoProblem(f"photo {shown} is not an image: its content is not JPEG, PNG or HEIC, whatever its name "
                           "says", f"照片 {shown} 不是图片：无论扩展名如何，其内容都不是 JPEG、PNG 或 HEIC")
    if fmt not in FORMATS:
        raise PhotoProblem(f"photo {shown} is a {fmt} file, not a JPEG, PNG or HEIC photo (export it as JPEG)",
                           f"照片 {shown} 是 {fmt} 文件，不是 JPEG、PNG 或 HEIC 照片（请导出为 JPEG）")
    if fmt == "HEIC" and heic_reader() is None:
        raise PhotoProblem(f"photo {shown} is HEIC (an iPhone photo); reading it needs the optional HEIC support: "
                           "pip install 'gapaudit[heic]', or export the photo as JPEG",
                           f"照片 {shown} 为 HEIC 格式（iPhone 照片）；读取它需要安装可选的 HEIC 支持："
                           "pip install 'gapaudit[heic]'，或将照片导出为 JPEG")
    if width is not None and height is not None and width * height > MAX_PIXELS:
        mp = width * height / 1e6
        raise PhotoProblem(f"photo {shown} is {width} × {height} = {mp:,.0f} megapixels, over the limit of "
                           f"{MAX_PIXELS // 1_000_000} megapixels (a guard against decompression bombs); export it "
                           "at a smaller size",
                           f"照片 {shown} 为 {width} × {height} = {mp:,.0f} 百万像素，超过 {MAX_PIXELS // 1_000_000} "
                           "百万像素的上限（防范解压炸弹）；请导出较小尺寸的版本")
    return PhotoFile(name=name, path=real, format=fmt, width=width, height=height, size=size)


def _near_miss(base: Path, rel: PurePosixPath, lang: str = "en") -> str:
    """A file in the same folder whose name differs only in case (IMG_1.JPG for IMG_1.jpg) or in Unicode form
    (é composed or not, as macOS and Windows write it)."""
    folder = base.joinpath(*rel.parts[:-1])
    wanted = unicodedata.normalize("NFC", rel.name).casefold()
    try:
        with os.scandir(folder) as entries:
            for n, entry in enumerate(entries):
                if n > 5000:
                    break
                if unicodedata.normalize("NFC", entry.name).casefold() == wanted:
                    if entry.name.casefold() != rel.name.casefold():
                        return ("; a file of that name exists with its letters encoded another way (é as e + accent, "
                                "as macOS writes names): rename the file, or copy its name from the folder into the "
                                "cell" if lang == "en" else
                                "；存在同名文件，但其字符的编码方式不同（如 é 写成 e 加重音符，macOS 常这样保存文件名）："
                                "请重命名该文件，或从文件夹中复制文件名到单元格")
                    hint = str(PurePosixPath(*rel.parts[:-1], entry.name))
                    return f"; did you mean {hint!r}?" if lang == "en" else f"；是否应为 {hint!r}？"
    except OSError:
        pass
    return ""


# --- headers ------------------------------------------------------------------------

def sniff(fh: IO[bytes]) -> tuple[str | None, int | None, int | None]:
    """(format, width, height) from a file's first bytes; format None when it is no image we know."""
    head = fh.read(32)
    if head.startswith(b"\xff\xd8\xff"):
        return ("JPEG", *_jpeg_size(fh))
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        if head[12:16] == b"IHDR":
            return "PNG", int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        return "PNG", None, None
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return ("HEIC", *_heif_size(fh))
        if brand in (b"avif", b"avis"):
            return "AVIF", None, None
        return "video or other ISO media", None, None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP", None, None
    for magic, kind in _OTHER:
        if head.startswith(magic):
            return kind, None, None
    return None, None, None


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(fh: IO[bytes]) -> tuple[int | None, int | None]:
    """Width and height from a JPEG's start-of-frame segment, walking the segments before it."""
    fh.seek(2)
    for _ in range(1000):
        if fh.tell() > _MAX_SCAN:
            break
        byte = fh.read(1)
        if byte != b"\xff":
            break
        while byte == b"\xff":  # fill bytes
            byte = fh.read(1)
        if not byte:
            break
        marker = byte[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before it
            break
        length = int.from_bytes(fh.read(2), "big")
        if length < 2:
            break
        if marker in _SOF:
            data = fh.read(5)
            if len(data) < 5:
                break
            return int.from_bytes(data[3:5], "big"), int.from_bytes(data[1:3], "big")
        fh.seek(length - 2, os.SEEK_CUR)
    return None, None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the ISO-BMFF boxes in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _heif_size(fh: IO[bytes]) -> tuple[int | None, int | None]:
    """The largest image spatial extent ('ispe') in a HEIF's meta box: the full picture's size."""
    fh.seek(0)
    data = fh.read(_MAX_SCAN)
    best: tuple[int, int] | None = None
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"meta":
            continue
        for sub, s2, e2 in _boxes(data, start + 4, end):  # meta is a full box: 4 bytes version/flags
            if sub != b"iprp":
                continue
            for sub2, s3, e3 in _boxes(data, s2, e2):
                if sub2 != b"ipco":
                    continue
                for prop, s4, e4 in _boxes(data, s3, e3):
                    if prop == b"ispe" and e4 - s4 >= 12:
                        w = int.from_bytes(data[s4 + 4:s4 + 8], "big")
                        h = int.from_bytes(data[s4 + 8:s4 + 12], "big")
                        if best is None or w * h > best[0] * best[1]:
                            best = (w, h)
    return best if best is not None else (None, None)
