"""Photos as evidence: every bad photo named where it is, prepared photos carry nothing but pixels, the cache is
shared safely, photos stand beside the failures by the stated rule, and a corrupt photo never loses the report."""

from __future__ import annotations

import io
import multiprocessing
import struct
import textwrap
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageDraw

from gapaudit.errors import InputError
from gapaudit.load.audit import load_audit
from gapaudit.load.photos import MAX_PIXELS, PhotoFile, sniff
from gapaudit.render import photobook
from gapaudit.render.fetcher import FetchRefused, check_url
from gapaudit.render.photos import BOX_PX, PhotoCache, Prepared, PreparedPhotos, Unreadable, cache_dir, prepare, \
    prepare_all
from gapaudit.testing import make_host

SERIAL = "SN-PHONE-77231"


@pytest.fixture(scope="module")
def host():
    return make_host()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAPAUDIT_CACHE_DIR", str(tmp_path / "cache"))


# --- photos as a phone saves them -------------------------------------------------------------

def phone_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Xiaomi", "Redmi Note 12", orientation
    exif.get_ifd(0x8769)[0xA431] = SERIAL
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (30.0, 17.0, 7.08), "E", (120.0, 7.0, 9.12)
    return exif


def scene(size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """White with a red block in the top-left corner, so orientation can be checked."""
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 3, size[1] // 3), fill=(220, 0, 0))
    return img


def jpeg(orientation: int = 1, size: tuple[int, int] = (1600, 1200), **save) -> bytes:
    """A phone JPEG that shows ``scene(size)``; with orientation 6 its pixels are stored turned left."""
    img = scene(size)
    if orientation == 6:  # stored turned left, shown turned back right
        img = img.transpose(Image.Transpose.ROTATE_90)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=phone_exif(orientation), quality=90, **save)
    return buf.getvalue()


def png_rgba(size: tuple[int, int] = (400, 300)) -> bytes:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((100, 100, 300, 200), fill=(0, 0, 200, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG", exif=phone_exif())
    return buf.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header is rewritten to claim another size."""
    data = bytearray(jpeg(size=(64, 48)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


OBS_HEAD = "visit,standard,result,date,shift,note,photos\n"


def audit_folder(tmp_path: Path, rows: str, files: dict[str, bytes], lang: str = "en", extra: str = "") -> Path:
    for name, data in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (tmp_path / "observations.csv").write_text(OBS_HEAD + textwrap.dedent(rows), encoding="utf-8")
    audit = tmp_path / "audit.yaml"
    audit.write_text(textwrap.dedent(f"""\
        schema_version: 1
        audit: {{id: A1, date: 2026-09-30, language: {lang}}}
        store: {{id: S1, name: Riverside}}
        evidence:
          standards:
            - {{id: GREET, title: Greet every customer within 10 seconds}}
            - {{id: FIT, title: Fitting rooms checked every 15 minutes}}
          observations: {{file: observations.csv}}
        """) + textwrap.indent(textwrap.dedent(extra), "  "), encoding="utf-8")
    return audit


def problems(audit: Path, host, lang: str | None = None) -> list[str]:
    with pytest.raises(InputError) as info:
        load_audit(audit, host)
    return [i.format(lang) for i in info.value.issues]


# --- validate: each bad photo, named where it is -------------------------------------------------

@pytest.mark.parametrize("name, files, expected, expected_zh", [
    ("missing.jpg", {}, "photo 'missing.jpg' does not exist", "照片 'missing.jpg' 不存在"),
    ("photos/IMG_1.jpg", {"photos/IMG_1.JPG": b"x"}, "did you mean 'photos/IMG_1.JPG'?", "是否应为 'photos/IMG_1.JPG'"),
    ("notes.jpg", {"notes.jpg": "店长说明".encode()}, "is not an image: its content is not JPEG, PNG or HEIC",
     "不是图片"),
    ("scan.gif", {"scan.gif": b"GIF89a" + bytes(20)}, "is a GIF file, not a JPEG, PNG or HEIC photo", "是 GIF 文件"),
    ("blank.jpg", {"blank.jpg": b""}, "is an empty file (0 bytes)", "是空文件"),
    ("bomb.png", {"bomb.png": png_header(30000, 30000)}, "30000 × 30000 = 900 megapixels, over the limit of 120",
     "防范解压炸弹"),
    ("bomb.jpg", {"bomb.jpg": jpeg_claiming(20000, 9000)}, "20000 × 9000 = 180 megapixels", "百万像素"),
    ("../outside.jpg", {}, "points outside the audit folder", "指向审核文件夹之外"),
    ("/etc/passwd", {}, "absolute paths are not allowed", "不允许使用绝对路径"),
    ("C:/photos/a.jpg", {}, "absolute paths are not allowed", "不允许使用绝对路径"),
    ("photos", {"photos/x.jpg": jpeg()}, "is not a regular file", "不是普通文件"),
    ("Café.jpg", {"Cafe\u0301.jpg": jpeg()}, "letters encoded another way", "编码方式不同"),  # é decomposed on disk
    ('=DISPIMG("ID_9F2C",1)', {}, "a picture pasted into the spreadsheet (WPS DISPIMG)", "粘贴在表格单元格中的图片"),
    ("https://pan.example.com/s/1Ab", {}, "is a link; photos must be files in the audit folder", "是链接"),
])
def test_bad_photo_is_named_at_its_cell_in_both_languages(tmp_path, host, name, files, expected, expected_zh):
    cell = f"ok.jpg;{name}".replace('"', '""')
    audit = audit_folder(tmp_path, f'V1,GREET,no,2026-09-01,early,,"{cell}"\n', {"ok.jpg": jpeg(), **files})
    found = problems(audit, host)
    assert len(found) == 1, found
    assert found[0].startswith('observations.csv: row 2, column "photos" (G): ')
    assert expected in found[0]
    zh = problems(audit, host, "zh")[0]
    assert zh.startswith("observations.csv：第 2 行，“photos”列（G）：") and expected_zh in zh


def test_symbolic_links_are_refused_even_inside_the_folder(tmp_path, host):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(jpeg())
    (tmp_path / "alias.jpg").symlink_to(tmp_path / "real" / "a.jpg")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "etc").symlink_to("/etc")
    audit = audit_folder(tmp_path, "V1,GREET,no,,,,alias.jpg\nV2,GREET,no,,,,linked/a.jpg\nV3,GREET,no,,,,etc/hostname\n",
                         {})
    found = problems(audit, host)
    assert len(found) == 3
    for row, line in zip((2, 3, 4), found):
        assert line.startswith(f'observations.csv: row {row}, column "photos" (G): ')
    assert all("symbolic link" in f and "copy the photo itself" in f for f in found)


def test_an_oversized_file_is_refused_by_its_size(tmp_path, host, monkeypatch):
    monkeypatch.setattr("gapaudit.load.photos.MAX_PHOTO_BYTES", 1000)
    audit = audit_folder(tmp_path, "V1,GREET,no,,,,big.jpg\n", {"big.jpg": jpeg()})
    assert "the limit is 0 MB per photo" in problems(audit, host)[0] or "limit is" in problems(audit, host)[0]


def test_heic_without_its_reader_says_what_to_install(tmp_path, host, monkeypatch):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    monkeypatch.setattr("gapaudit.load.photos.heic_reader", lambda: None)
    audit = audit_folder(tmp_path, "V1,GREET,no,,,,IMG_0001.HEIC\n", {"IMG_0001.HEIC": heic})
    found = problems(audit, host)[0]
    assert "is HEIC (an iPhone photo)" in found and "pip install 'gapaudit[heic]'" in found


def test_every_problem_at_once_and_a_photo_named_twice_checked_once(tmp_path, host):
    audit = audit_folder(tmp_path, "V1,GREET,no,,,,a.jpg\nV2,FIT,no,,,,a.jpg、b.jpg\nV3,FIT,yes,,,,good.jpg\n",
                         {"good.jpg": jpeg()})
    found = problems(audit, host)
    assert len(found) == 2
    assert "row 2" in found[0] and "'a.jpg'" in found[0] and "row 3" in found[1] and "'b.jpg'" in found[1]


def test_photos_in_inline_yaml_are_located_at_their_line(tmp_path, host):
    audit = audit_folder(tmp_path, "", {}, extra="""\
        promise_checks:
          - {promise: P1, kept: no, photos: [late.jpg]}
        promises:
          - {id: P1, text: Delivered within 24 hours}
        """)
    text = audit.read_text().replace("  observations: {file: observations.csv}\n", "")
    audit.write_text(text)
    found = problems(audit, host)
    assert found[0].startswith("audit.yaml:9:") and "evidence.promise_checks[0].photos" in found[0]


def test_good_photos_validate_without_decoding(tmp_path, host):
    audit = audit_folder(tmp_path, "V1,GREET,no,2026-09-01,early,,photos/a.jpg; photos/b.png | photos\\c.jpg\n",
                         {"photos/a.jpg": jpeg(6), "photos/b.png": png_rgba(), "photos/c.jpg": jpeg()})
    loaded = load_audit(audit, host)
    assert sorted(loaded.photos) == ["photos/a.jpg", "photos/b.png", "photos/c.jpg"]
    a = loaded.photos["photos/a.jpg"]
    assert (a.format, a.width, a.height) == ("JPEG", 1200, 1600)  # as stored: the header knows no orientation
    assert loaded.photos["photos/b.png"].format == "PNG"
    assert a.where == 'observations.csv: row 2, column "photos" (G)'


def test_header_sizes_agree_with_pillow():
    for data in (jpeg(size=(1234, 567)), jpeg(size=(640, 480), progressive=True), png_rgba((333, 222))):
        fmt, w, h = sniff(io.BytesIO(data))
        assert (w, h) == Image.open(io.BytesIO(data)).size


def test_validate_does_not_import_pillow(tmp_path):
    from tests.test_packaging import _imported_modules

    audit_folder(tmp_path, "V1,GREET,no,,,,a.jpg\n", {"a.jpg": jpeg()})
    modules = _imported_modules(["validate", "audit.yaml"], tmp_path)
    assert "gapaudit.load.photos" in modules
    assert not {m for m in modules if m.split(".")[0] in ("PIL", "pillow_heif", "weasyprint")}


# --- preparing: upright, print-sized, sRGB, nothing but pixels -----------------------------------

def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_prepared_photo_is_upright_sized_for_its_box_and_carries_no_metadata():
    out = prepare(jpeg(orientation=6, size=(1200, 1600)))  # held upright: the sensor stores it sideways
    img = decoded(out)
    assert img.format == "JPEG" and img.mode == "RGB"
    assert img.size[1] == BOX_PX[1] and img.size[0] < img.size[1]  # upright: portrait, fitted to the box height
    assert img.getpixel((5, 5))[0] > 200 and img.getpixel((5, 5))[1] < 60  # the red block is top-left again
    assert not img.getexif() and "exif" not in img.info and "xmp" not in img.info
    for needle in (b"Exif", b"Xiaomi", b"Redmi", SERIAL.encode(), b"GPS"):
        assert needle not in out
    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(img.info["icc_profile"]))) \
        .strip() == "sRGB built-in"


def test_landscape_photo_fills_the_box_width():
    assert decoded(prepare(jpeg())).size == (BOX_PX[0], round(BOX_PX[0] * 1200 / 1600))


def test_transparency_is_flattened_on_white_and_cmyk_becomes_rgb():
    img = decoded(prepare(png_rgba(), "PNG"))
    assert img.mode == "RGB" and img.getpixel((2, 2)) == (255, 255, 255)
    buf = io.BytesIO()
    Image.new("CMYK", (300, 200), (0, 255, 255, 0)).save(buf, "JPEG")
    pixel = decoded(prepare(buf.getvalue())).getpixel((10, 10))
    assert pixel[0] > 230 and pixel[1] < 30 and pixel[2] < 30


def _p3_profile() -> bytes:
    """Display P3 as a matrix profile: Pillow's sRGB profile with P3's (D50-adapted) primaries and name."""
    raw = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = int.from_bytes(raw[128:132], "big")
    primaries = {b"rXYZ": (0.5151, 0.2412, -0.0011), b"gXYZ": (0.2920, 0.6922, 0.0419),
                 b"bXYZ": (0.1571, 0.0666, 0.7841)}
    for k in range(count):
        entry = 132 + 12 * k
        sig, offset = bytes(raw[entry:entry + 4]), int.from_bytes(raw[entry + 4:entry + 8], "big")
        if sig in primaries:
            raw[offset + 8:offset + 20] = b"".join(struct.pack(">i", round(v * 65536)) for v in primaries[sig])
    at = raw.find("sRGB built-in".encode("utf-16-be"))
    if at < 0:
        at = raw.find(b"sRGB built-in")
        raw[at:at + 13] = b"Display P3 xx"
    else:
        raw[at:at + 26] = "Display P3 xx".encode("utf-16-be")
    return bytes(raw)


def test_wide_gamut_photo_is_converted_to_srgb():
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 100, 100)).save(buf, "JPEG", quality=95, icc_profile=_p3_profile())
    r, g, b = decoded(prepare(buf.getvalue())).getpixel((50, 50))
    assert r > 207 and g < 97  # P3 reds are more saturated than the same numbers in sRGB


def test_heic_photo_is_read_upright_without_metadata(tmp_path, host):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    scene((600, 800)).transpose(Image.Transpose.ROTATE_90).save(buf, "HEIF", exif=phone_exif(6).tobytes(),
                                                                  quality=80)
    audit = audit_folder(tmp_path, "V1,GREET,no,,,,IMG_0042.HEIC\n", {"IMG_0042.HEIC": buf.getvalue()})
    loaded = load_audit(audit, host)
    assert loaded.photos["IMG_0042.HEIC"].format == "HEIC"
    out = prepare_all(loaded.photos).prepared["IMG_0042.HEIC"]
    img = decoded(out.data)
    assert img.size[0] < img.size[1] and img.getpixel((5, 5))[0] > 200
    assert SERIAL.encode() not in out.data and not img.getexif()


@pytest.mark.parametrize("weasyprint_loaded", [False, True])
@pytest.mark.parametrize("damage", ["truncated", "garbage", "bomb"])
def test_a_photo_that_cannot_be_decoded_is_unreadable_not_fatal(tmp_path, damage, weasyprint_loaded, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", weasyprint_loaded)  # WeasyPrint sets it on import
    good = jpeg()
    data = {"truncated": good[:len(good) // 2], "garbage": b"\xff\xd8\xff\xe0" + bytes(300),
            "bomb": png_header(12000, 11000)}[damage]
    (tmp_path / "x").write_bytes(data)
    (tmp_path / "ok.jpg").write_bytes(good)
    files = {"x": PhotoFile("x", tmp_path / "x", "PNG" if damage == "bomb" else "JPEG", None, None, len(data)),
             "ok.jpg": PhotoFile("ok.jpg", tmp_path / "ok.jpg", "JPEG", 1600, 1200, len(good))}
    out = prepare_all(files)
    assert list(out.prepared) == ["ok.jpg"] and list(out.unreadable) == ["x"]
    reason = out.unreadable["x"]
    assert ("decompression bomb" in reason.reason_zh or "解压炸弹" in reason.reason_zh) if damage == "bomb" \
        else "damaged or truncated" in reason.reason
    assert reason.reason_zh


def test_pillow_limit_is_set_explicitly():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


# --- the cache ------------------------------------------------------------------------------------

def _files(tmp_path: Path, n: int = 3) -> dict[str, PhotoFile]:
    out = {}
    for k in range(n):
        data = jpeg(size=(800 + 16 * k, 600))
        (tmp_path / f"p{k}.jpg").write_bytes(data)
        out[f"p{k}.jpg"] = PhotoFile(f"p{k}.jpg", tmp_path / f"p{k}.jpg", "JPEG", 800 + 16 * k, 600, len(data))
    return out


def test_cache_location_follows_xdg_and_can_be_switched_off(monkeypatch, tmp_path):
    monkeypatch.delenv("GAPAUDIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "gapaudit" / "photos"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "gapaudit" / "photos"
    monkeypatch.setenv("GAPAUDIT_CACHE_DIR", "off")
    assert cache_dir() is None


def test_second_run_prepares_nothing_and_a_damaged_entry_is_prepared_again(tmp_path, monkeypatch):
    files = _files(tmp_path)
    cache = PhotoCache(tmp_path / "c")
    first = prepare_all(files, cache)
    entries = sorted((tmp_path / "c").rglob("*.jpg"))
    assert len(entries) == 3
    monkeypatch.setattr("gapaudit.render.photos.prepare", lambda *a: pytest.fail("prepared again"))
    second = prepare_all(files, PhotoCache(tmp_path / "c"))
    assert {k: p.data for k, p in second.prepared.items()} == {k: p.data for k, p in first.prepared.items()}
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # a damaged entry
    monkeypatch.undo()
    monkeypatch.setenv("GAPAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    third = prepare_all(files, PhotoCache(tmp_path / "c"))
    assert {k: p.data for k, p in third.prepared.items()} == {k: p.data for k, p in first.prepared.items()}


def test_unwritable_cache_is_skipped(tmp_path):
    (tmp_path / "c").write_text("a file where the folder should be")
    out = prepare_all(_files(tmp_path, 1), PhotoCache(tmp_path / "c"))
    assert len(out.prepared) == 1


def test_cache_is_trimmed_least_recently_used_first(tmp_path):
    cache = PhotoCache(tmp_path / "c", max_bytes=1)
    prepare_all(_files(tmp_path), cache)
    assert len(list((tmp_path / "c").rglob("*.jpg"))) == 0  # everything is over a 1-byte limit
    big = PhotoCache(tmp_path / "d", max_bytes=10**9)
    prepare_all(_files(tmp_path), big)
    assert len(list((tmp_path / "d").rglob("*.jpg"))) == 3


def _prepare_in_worker(args: tuple[str, str]) -> dict[str, bytes]:
    folder, cache = args
    files = {p.name: PhotoFile(p.name, p, "JPEG", None, None, p.stat().st_size) for p in sorted(Path(folder).glob("*.jpg"))}
    return {k: v.data for k, v in prepare_all(files, PhotoCache(Path(cache))).prepared.items()}


def test_concurrent_batch_workers_share_the_cache_without_corrupting_it(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    _files(photos, 6)
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_prepare_in_worker, [(str(photos), str(tmp_path / "shared"))] * 8)
    assert all(r == results[0] for r in results) and len(results[0]) == 6
    entries = list((tmp_path / "shared").rglob("*"))
    assert not [e for e in entries if e.name.startswith(".tmp-")]  # no half-written file left behind
    for entry in (e for e in entries if e.is_file()):
        assert decoded(entry.read_bytes()).size[0] == BOX_PX[0]


# --- where photos go: the stated rule ------------------------------------------------------------

def _book(tmp_path: Path, host, rows: str, extra: str = "", modules=("pharmacy_gap", "outcome_gap", "eight_factor"),
          unreadable: tuple[str, ...] = ()):
    names = {n for line in rows.splitlines() for n in line.rsplit(",", 1)[-1].split(";") if n.strip()}
    import re

    names |= set(re.findall(r"[\w/]+\.jpg", extra))
    audit = audit_folder(tmp_path, rows, {n: jpeg(size=(64, 48)) for n in names}, extra=extra)
    loaded = load_audit(audit, host)
    prepared = PreparedPhotos(files=loaded.photos)
    for name in loaded.photos:
        if name in unreadable:
            prepared.unreadable[name] = Unreadable(name, "cannot be decoded", "无法解码")
        else:
            prepared.prepared[name] = Prepared(name, b"\xff\xd8\xff\xd9", 441, 331, name.ljust(64, "0"))
    return photobook.build(loaded.input, prepared, "en", list(modules), "pdf", {"pharmacy_gap": "Pharmacy gap"})


def _layout(book) -> dict[str, list[tuple[str, list[str]]]]:
    inline = {mid: [(p.key, [f"{s.number}:{s.name}" for s in p.shots]) for p in places]
              for mid, places in book.inline.items()}
    appendix = {kind: [(p.key, [f"{s.number}:{s.name}" for s in p.rest]) for p in places]
                for kind, places in book.appendix}
    return {**inline, **appendix}


def test_failed_first_newest_first_at_most_three_the_rest_in_the_appendix(tmp_path, host):
    book = _book(tmp_path, host, """\
        V1,GREET,no,2026-09-01,early,,g1.jpg
        V2,GREET,partly,2026-09-20,late,,g2.jpg
        V3,GREET,no,2026-09-10,late,,g3a.jpg;g3b.jpg
        V4,GREET,no,,late,,g4.jpg
        V5,GREET,yes,2026-09-25,late,,g5.jpg
        V6,GREET,no,2026-09-05,early,,g6.jpg
        V1,FIT,no,2026-09-01,early,,f1.jpg
        V2,FIT,yes,2026-09-02,early,,
        V3,FIT,yes,2026-09-03,early,,
        V4,FIT,yes,2026-09-04,early,,f4.jpg
        """)
    # GREET failed 5 of 6 (most): not compliant before partly, newest first, first photo of an occasion before
    # a second; FIT failed 1 of 4; the compliant photos and the rest go to the appendix, numbered on
    assert _layout(book) == {
        "pharmacy_gap": [("GREET", ["1:g3a.jpg", "2:g6.jpg", "3:g1.jpg"]), ("FIT", ["4:f1.jpg"])],
        "Visits": [("GREET", ["5:g4.jpg", "6:g2.jpg", "7:g5.jpg", "8:g3b.jpg"]), ("FIT", ["9:f4.jpg"])],
    }
    greet = book.inline["pharmacy_gap"][0]
    assert greet.title == "Greet every customer within 10 seconds (GREET)"
    assert greet.summary == "failed on 5 of 6 applicable occasions"
    assert greet.more == "More photos of this in the appendix: 5–8"  # the template links it and adds the stop
    assert book.appendix[0][1][0].beside == "Photos 1–3 are shown in “Pharmacy gap”"
    assert book.appendix[0][1][1].beside == "Photo 4 is shown in “Pharmacy gap”"  # one photo: singular
    fit = book.inline["pharmacy_gap"][1]
    assert book.reference(greet.shots) == "Photos 1–3" and book.reference(fit.shots) == "Photo 4"
    shot = greet.shots[0]
    assert shot.label == "Photo 1" and shot.details == "GREET · 10 Sep 2026 · late shift · not compliant · visit V3"
    assert shot.src.startswith("file:///gapaudit-photos/") and shot.failed
    assert "at most 3 per failed standard" in book.rule and book.count == 9
    # a problem about both standards gets the photos of their failed visits by the same rule, numbers kept
    assert [s.name for s in book.for_subjects(standards=["FIT", "GREET"])] == ["g3a.jpg", "g6.jpg", "g1.jpg"]
    assert [s.label for s in book.for_subjects(standards=["FIT"], limit=5)] == ["Photo 4"]


def test_without_the_module_that_judges_them_every_photo_is_in_the_appendix(tmp_path, host):
    book = _book(tmp_path, host, "V1,GREET,no,2026-09-01,early,,g1.jpg\n", modules=("diagnosis_gap",))
    assert book.inline == {} and _layout(book) == {"Visits": [("GREET", ["1:g1.jpg"])]}


def test_promises_cases_and_standards_find_their_places(tmp_path, host):
    extra = textwrap.dedent("""\
          promises:
            - {id: DELIVER24, text: Delivered within 24 hours}
          promise_checks:
            - {promise: DELIVER24, kept: no, date: 2026-09-03, note: arrived after 52 hours, photos: [late.jpg]}
            - {promise: DELIVER24, kept: yes, date: 2026-09-04, photos: [ontime.jpg]}
          complaint_handling:
            - {case: H1, apologise: yes, explain: no, empathise: partly, solve_quickly: yes, commit: yes, thank: no,
               photos: [h1.jpg]}
            - {case: H2, apologise: yes, explain: yes, empathise: yes, solve_quickly: yes, commit: yes, thank: yes,
               photos: [h2.jpg]}
        """)
    audit_extra = extra
    book = _book(tmp_path, host, "V1,GREET,no,2026-09-01,early,,g1.jpg\n", extra=audit_extra)
    layout = _layout(book)
    assert layout["outcome_gap"] == [("DELIVER24", ["2:late.jpg"])]
    assert layout["eight_factor"] == [("H1", ["3:h1.jpg"])]
    assert layout["Promise checks"] == [("DELIVER24", ["5:ontime.jpg"])] or \
        layout["Promise checks"] == [("DELIVER24", ["4:ontime.jpg"])]
    case = book.inline["eight_factor"][0].shots[0]
    assert case.details == "Complaint case H1 · steps missed: explain; empathise; thank"
    late = book.inline["outcome_gap"][0]
    assert late.summary == "failed on 1 of 2 applicable occasions" and late.shots[0].note == "arrived after 52 hours"


def test_unreadable_photos_are_listed_with_where_they_are_named(tmp_path, host):
    book = _book(tmp_path, host, "V1,GREET,no,2026-09-01,early,,bad.jpg;g1.jpg\n", unreadable=("bad.jpg",))
    assert _layout(book)["pharmacy_gap"] == [("GREET", ["1:g1.jpg"])]
    assert book.unreadable == [{"file": "bad.jpg", "where": 'observations.csv: row 2, column "photos" (G)',
                                "reason": "cannot be decoded"}]
    assert book.has_appendix


# --- the fetcher serves exactly the prepared photos ------------------------------------------------

def test_fetcher_serves_prepared_photos_from_memory_and_nothing_else(tmp_path):
    pytest.importorskip("weasyprint")
    from gapaudit.render.fetcher import make_fetcher

    photo = Prepared("a.jpg", b"\xff\xd8jpeg\xff\xd9", 10, 10, "ab" * 32)
    fetcher = make_fetcher([tmp_path], {photo.url: photo.data})
    assert fetcher.fetch(photo.url).read() == photo.data
    for other in ("file:///gapaudit-photos/" + "cd" * 16 + ".jpg", "file:///gapaudit-photos/../etc/passwd",
                  photo.url + "?x", "file:///etc/passwd"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(other)
    with pytest.raises(FetchRefused):
        check_url(photo.url, ())  # the policy itself never allows it: only the fetcher's own list does


# --- import and the capture workbook -------------------------------------------------------------------

def test_import_maps_a_photo_column_and_its_lists(tmp_path, host):
    from click.testing import CliRunner

    from gapaudit.cli import main
    from tests.intake import exports

    (tmp_path / "现场照片").mkdir()
    for n in ("IMG_0412.jpg", "IMG_0413.jpg", "IMG_0415.jpg"):
        (tmp_path / "现场照片" / n).write_bytes(jpeg(size=(64, 48)))
    raw = tmp_path / "巡店记录.csv"
    raw.write_text("到访编号,检查项目,检查结果,检查日期,班次,备注,现场照片\n"
                   "V1,GREET,否,2026/9/1,早班,无人问候,现场照片/IMG_0412.jpg；现场照片/IMG_0413.jpg\n"
                   "V2,GREET,是,2026/9/2,晚班,,\n"
                   "V3,GREET,否,2026/9/3,晚班,,现场照片/IMG_0415.jpg\n", encoding="utf-8")
    audit = tmp_path / "audit.yaml"
    audit.write_text(exports.audit_yaml("zh"), encoding="utf-8")
    ran = CliRunner().invoke(main, ["import", "observations", str(raw), "--audit", str(audit)])
    assert ran.exit_code == 0, ran.output
    observations = load_audit(audit, host).input.evidence.observations
    assert [o.photos for o in observations] == [["现场照片/IMG_0412.jpg", "现场照片/IMG_0413.jpg"], [],
                                                ["现场照片/IMG_0415.jpg"]]


def test_capture_workbook_has_the_photo_column_with_its_explanation():
    import openpyxl

    from gapaudit.scaffold.workbook import build_workbook
    from gapaudit.scaffold import servqual_items

    book = openpyxl.load_workbook(io.BytesIO(build_workbook("zh", servqual_items("zh"))))
    sheet = book["走访检查"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(1, header.index("photos") + 1)
    assert "照片文件名" in cell.comment.text and "GPS" in cell.comment.text


# --- end to end: the sample's report ----------------------------------------------------------------

def _sample() -> Path:
    from gapaudit.testing import sample_audit_path

    return sample_audit_path("community-supermarket")


def _run(args: list[str]):
    from click.testing import CliRunner

    from gapaudit.cli import main

    return CliRunner().invoke(main, ["run", *args])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_pdf_shows_the_photos_at_the_failed_items_and_carries_no_exif(tmp_path, lang):
    import pypdf

    source = _sample()
    originals = sorted((source.parent / "photos").iterdir())
    assert all(Image.open(p).getexif().get_ifd(0x8825) for p in originals)  # the phone's GPS position is there
    ran = _run([str(source), "-f", "pdf,html", "--lang", lang, "-o", str(tmp_path) + "/"])
    assert ran.exit_code == 0, ran.output
    pdf = (tmp_path / "audit.pdf").read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = {image.data: image for page in reader.pages for image in page.images}.values()  # resources are shared
    assert len(images) == len(originals) == 11
    for image in images:
        img = Image.open(io.BytesIO(image.data))
        assert not img.getexif() and "exif" not in img.info, image.name
        for needle in (b"Exif", b"Xiaomi", b"Redmi", b"RN12-3F7A9C21"):
            assert needle not in image.data
        assert img.mode == "RGB" and max(img.size) <= max(BOX_PX)
    for needle in (b"RN12-3F7A9C21", b"Redmi Note", b"Xiaomi"):
        assert needle not in pdf
    # what PDF/A expects under an sRGB output intent: 8-bit RGB JPEGs, no soft masks (the PNG's alpha is flattened)
    xobjects = {}
    for page in reader.pages:
        for name, ref in (page["/Resources"].get("/XObject") or {}).items():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                xobjects[name] = (obj["/ColorSpace"], obj["/Filter"], obj["/BitsPerComponent"], "/SMask" in obj)
    assert set(xobjects.values()) == {("/DeviceRGB", "/DCTDecode", 8, False)}
    # the photos stand on the pharmacy page, beside the failed standards, in the stated order
    pages = [page.extract_text() for page in reader.pages]
    evidence = "照片证据" if lang == "zh" else "Photo evidence"
    first = next(i for i, text in enumerate(pages) if evidence in text)
    pharmacy = "药房差距" if lang == "zh" else "Pharmacy gap"
    assert any(pharmacy in pages[i] for i in range(max(0, first - 2), first + 1))
    text = " ".join(pages[first:first + 2])
    stock = text.index("(STOCK)")
    assert stock < text.index("(QUEUE)") < text.index("(PRICE)") < text.index("(FRESH)")
    photo1 = "照片 1 · STOCK · 2026-09-30 · 晚班 · 不符合 · 走访 V30" if lang == "zh" else \
        "Photo 1 · STOCK · 30 Sep 2026 · 晚班 · not compliant · visit V30"
    assert "".join(photo1.split()) in "".join(text.split())
    appendix = next(i for i, t in enumerate(pages) if ("照片附录" if lang == "zh" else "Photo appendix") in t
                    and i > first)
    assert ("照片 11" if lang == "zh" else "Photo 11") in " ".join(pages[appendix:])
    # the HTML report embeds the same prepared photos
    html = (tmp_path / "audit.html").read_text("utf-8")
    assert html.count('<img src="data:image/jpeg;base64,') == 11 and "file://" not in html


@pytest.mark.slow
def test_a_corrupt_photo_is_listed_and_the_report_is_still_written(tmp_path):
    import pypdf

    photos = tmp_path / "photos"
    audit = audit_folder(tmp_path, "V1,GREET,no,2026-09-01,早班,无人问候,photos/ok.jpg;photos/broken.jpg\n"
                                   "V2,GREET,yes,2026-09-02,晚班,,\n", {"photos/ok.jpg": jpeg(6, (1200, 1600))},
                         lang="zh")
    good = jpeg()
    (photos / "broken.jpg").write_bytes(good[:len(good) // 3])
    ran = _run([str(audit), "-f", "pdf", "-o", str(tmp_path / "out.pdf")])
    assert ran.exit_code == 0, ran.output
    assert "警告：照片 'photos/broken.jpg' 无法读取" in ran.output
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "out.pdf").pages)
    assert "无法读取的照片" in text and "photos/broken.jpg" in text and "第 2 行" in text


@pytest.mark.slow
def test_same_photos_give_the_same_pdf_bytes_with_and_without_the_cache(tmp_path, monkeypatch):
    audit = audit_folder(tmp_path, "V1,GREET,no,2026-09-01,early,,a.jpg;b.png\n",
                         {"a.jpg": jpeg(6, (1200, 1600)), "b.png": png_rgba()})
    first = _run([str(audit), "-f", "pdf", "-o", str(tmp_path / "1.pdf")])
    second = _run([str(audit), "-f", "pdf", "-o", str(tmp_path / "2.pdf")])  # from the cache
    third = _run([str(audit), "-f", "pdf", "--no-cache", "-o", str(tmp_path / "3.pdf")])
    assert first.exit_code == second.exit_code == third.exit_code == 0
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes() == (tmp_path / "3.pdf").read_bytes()
    assert len(list((tmp_path / "cache").rglob("*.jpg"))) == 2


def test_a_batch_names_the_audit_whose_photo_could_not_be_read(tmp_path):
    for store in ("north", "south"):
        folder = tmp_path / store
        folder.mkdir()
        good = jpeg(size=(320, 240))
        audit_folder(folder, "V1,GREET,no,2026-09-01,early,,ok.jpg;bad.jpg\n",
                     {"ok.jpg": good, "bad.jpg": good if store == "north" else good[:len(good) // 3]})
    ran = _run([str(tmp_path / "north"), str(tmp_path / "south"), "-f", "html", "-o", str(tmp_path / "out") + "/",
                "--workers", "1", "--no-progress"])
    assert ran.exit_code == 0, ran.output
    warnings = [line for line in ran.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "south/audit.yaml: photo 'bad.jpg' could not be read" in warnings[0]
    assert len(list((tmp_path / "out").glob("*.html"))) == 2


@pytest.mark.slow
def test_problems_show_their_photos_in_the_brief_report_and_point_to_them_in_the_full_one(tmp_path):
    import pypdf

    source = _sample()
    for args, name in (([], "full.pdf"), (["--brief"], "brief.pdf")):
        ran = _run([str(source), "-f", "pdf", "--lang", "en", *args, "-o", str(tmp_path / name)])
        assert ran.exit_code == 0, ran.output
    full_reader = pypdf.PdfReader(tmp_path / "full.pdf")
    full = [" ".join(p.extract_text().split()) for p in full_reader.pages]
    brief_reader = pypdf.PdfReader(tmp_path / "brief.pdf")
    brief = [" ".join(p.extract_text().split()) for p in brief_reader.pages]
    # full report: the first actions and the plan say where the photos proving each problem stand
    at = next(i for i, t in enumerate(full) if "First actions" in t)
    assert "Photos 1–3" in full[at] and "Photos 4–5" in full[at]
    links = {str(a.get_object().get("/Dest")) for a in full_reader.pages[at].get("/Annots")}
    assert {"photo-1", "photo-4"} <= links  # each reference is a link to its first photo
    # brief report: no module pages, no appendix; the top problems carry their photos, numbered in their order
    text = " ".join(brief)
    assert "Photo appendix" not in text and "Photo evidence" not in text
    stock = text.index("Photo 1 · STOCK · 30 Sep 2026")
    assert stock < text.index("Photo 2 · STOCK · 14 Sep 2026") < text.index("Photo 3 · STOCK · 20 Aug 2026")
    import re

    numbers = [int(n) for n in re.findall(r"Photo (\d+) ·", text)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5  # each shown once, in order
    assert "Photo 4 · QUEUE" in text
    images = {image.data for page in brief_reader.pages for image in page.images}
    assert len(images) >= 5 and not any(b"Exif" in data or b"RN12-3F7A9C21" in data for data in images)
