"""Fonts for the report: find a CJK font, build the font stack, warn about unsubset fonts.

Chinese text must never print as empty boxes, so a report that contains
Chinese needs a font covering it. We ask fontconfig (``fc-list :lang=zh``)
at run time; the query is started early (:func:`prefetch`) and collected
just before rendering, so it costs no wall time. Without such a font the
PDF writer stops with an error naming the Debian packages to install.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
from typing import Iterable

from gapaudit.errors import OutputError

#: CJK families in order of preference (what Debian's fonts-noto-cjk / fonts-wqy-* install).
PREFERRED_CJK = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
                 "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN")
LATIN = ("DejaVu Sans", "Liberation Sans", "Arial", "Helvetica")
INSTALL_HINT = ("install a Chinese font, e.g. `sudo apt-get install fonts-noto-cjk` "
                "(or the smaller `fonts-wqy-microhei`)")

_CJK_RE = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
                     "\uf900-\ufaff\uff00-\uffef]")
_HARFBUZZ_SUBSET = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")

_query: subprocess.Popen | None = None
_query_pid = 0  # the process that started _query: only it can collect the answer
_families: tuple[str, ...] | None = None


def needs_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese (or other CJK) characters."""
    return _CJK_RE.search(text) is not None


def prefetch() -> None:
    """Start the fontconfig query in the background (idempotent, and safe across fork: a forked
    child does not share its parent's pending query but starts its own when it needs one)."""
    global _query, _query_pid
    if _query is not None and _query_pid != os.getpid():
        _query = None  # the parent's query: its output pipe and its exit status are the parent's
    if _query is None and _families is None:
        _query_pid = os.getpid()
        try:
            _query = subprocess.Popen(["fc-list", ":lang=zh", "family"], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace")
        except OSError:
            _query = None


def cjk_families() -> tuple[str, ...] | None:
    """Installed CJK font families, preferred first; ``None`` when fontconfig cannot be asked."""
    global _families, _query
    if _families is not None:
        return _families
    prefetch()  # also drops a query inherited across fork
    if _query is None:
        return None
    try:
        out, _ = _query.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        _query.kill()
        _query = None
        return None
    _query = None
    names = {line.split(",")[0].strip().replace("\\-", "-") for line in out.splitlines() if line.strip()}
    _families = tuple(sorted(names, key=lambda n: (PREFERRED_CJK.index(n) if n in PREFERRED_CJK
                                                   else len(PREFERRED_CJK), n)))
    return _families


def font_stack(lang: str, theme_family: str | None = None, cjk: Iterable[str] | None = None) -> list[str]:
    """Font families for the report, first choice first, ending with a generic family.

    A theme's font comes first; Chinese reports put the CJK font before the
    Latin one so both scripts come from one design; English reports keep a
    CJK font as fallback for Chinese names in the data.
    """
    cjk = list(cjk_families() or ()) if cjk is None else list(cjk)
    cjk = cjk[:1]
    stack = ([theme_family] if theme_family else [])
    stack += (cjk + list(LATIN)) if lang == "zh" else (list(LATIN) + cjk)
    stack.append("sans-serif")
    out: list[str] = []
    for name in stack:
        if name not in out:
            out.append(name)
    return out


def css_font_family(stack: Iterable[str]) -> str:
    """A CSS ``font-family`` value; names are quoted, generic families are not."""
    generic = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
    out = []
    for name in stack:
        clean = re.sub(r"[^\w \-.]", "", name, flags=re.UNICODE).strip()
        if clean:
            out.append(clean if clean in generic else f'"{clean}"')
    return ", ".join(out)


def require_cjk_font(text: str, lang: str) -> None:
    """Raise OutputError when the report needs a CJK font and none is installed."""
    if lang != "zh" and not needs_cjk(text):
        return
    families = cjk_families()
    if families is not None and not families:
        raise OutputError("the report contains Chinese text but no Chinese font is installed: " + INSTALL_HINT)


def harfbuzz_subset_available() -> bool:
    """Whether libharfbuzz-subset can be loaded (WeasyPrint subsets fonts with it, quickly)."""
    for name in _HARFBUZZ_SUBSET:
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def startup_warnings(formats: Iterable[str]) -> list[str]:
    """Warnings worth printing before a run that writes ``formats``."""
    warnings = []
    if "pdf" in formats and not harfbuzz_subset_available():
        warnings.append("libharfbuzz-subset is not installed: fonts are subset with the slower fontTools and "
                        "Chinese reports take longer (`sudo apt-get install libharfbuzz-subset0`)")
    return warnings
