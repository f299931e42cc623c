"""A restricted URL fetcher for WeasyPrint: the report may load only its own files.

WeasyPrint's default fetcher opens any local file or URL, and a
``<link rel=attachment href=file:///etc/passwd>`` in audit text would embed
that file in the PDF. This fetcher allows ``data:`` URLs and ``file:`` URLs
inside the allowed folders (templates, theme assets, fonts), the report's
prepared photos (by their exact URLs, from memory) and nothing else:
no network, no redirects, no ``..`` segments, no percent-encoding tricks, no
symlinks leading out of the folders.

WeasyPrint is imported lazily (only a PDF needs it); :func:`check_url` is the
policy itself and needs no WeasyPrint.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, unquote_to_bytes, urlsplit

MAX_BYTES = 20 * 1024 * 1024  # no theme asset is this large; a bigger file is not ours


class FetchRefused(ValueError):
    """A URL the report is not allowed to load."""


def allowed_roots(folders: Iterable[Path | str]) -> tuple[Path, ...]:
    """The real (symlink-resolved) paths of the folders that exist, without duplicates."""
    out: list[Path] = []
    for folder in folders:
        try:
            real = Path(os.path.realpath(folder))
        except (OSError, ValueError):
            continue
        if real.is_dir() and real not in out:
            out.append(real)
    return tuple(out)


def check_url(url: str, roots: tuple[Path, ...]) -> Path | None:
    """The local file ``url`` may load, ``None`` for a ``data:`` URL; raise FetchRefused otherwise."""
    if not isinstance(url, str) or "\x00" in url:
        raise FetchRefused("not a URL")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return None
    if scheme != "file":
        raise FetchRefused(f"scheme {scheme or '(none)'!r} is not allowed")
    try:
        parts = urlsplit(url)
        path = unquote(parts.path, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchRefused("malformed file URL") from exc
    if parts.netloc not in ("", "localhost"):
        raise FetchRefused("remote file URLs are not allowed")
    if parts.query or parts.fragment:
        raise FetchRefused("file URLs with a query or fragment are not allowed")
    raw = parts.path
    if "%" in path or "\\" in path or "\x00" in path or any(ord(c) < 32 for c in path):
        raise FetchRefused("encoded or control characters in the path")
    for segment in (raw.split("/") + path.split("/")):
        if segment in ("..", "."):
            raise FetchRefused("'..' or '.' segments are not allowed")
    if not path.startswith("/"):
        raise FetchRefused("the path must be absolute")
    real = Path(os.path.realpath(path))
    if not any(real == root or root in real.parents for root in roots):
        raise FetchRefused("outside the template, theme and font folders")
    if not real.is_file():
        raise FetchRefused("no such file")
    return real


def read_allowed(url: str, roots: tuple[Path, ...]) -> tuple[bytes, str]:
    """The bytes and MIME type behind an allowed URL (raises FetchRefused otherwise)."""
    path = check_url(url, roots)
    if path is None:
        return _decode_data_url(url)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise FetchRefused(f"file larger than {MAX_BYTES // (1024 * 1024)} MB")
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), mime


def data_url(body: bytes, mime: str) -> str:
    """A ``data:`` URL holding ``body``."""
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


def _decode_data_url(url: str) -> tuple[bytes, str]:
    head, sep, payload = url[5:].partition(",")
    if not sep:
        raise FetchRefused("malformed data: URL")
    params = head.split(";")
    mime = params[0] or "text/plain"
    if "base64" in params[1:]:
        try:
            return base64.b64decode(payload, validate=False), mime
        except ValueError as exc:
            raise FetchRefused("malformed base64 in data: URL") from exc
    return unquote_to_bytes(payload), mime


def make_fetcher(folders: Iterable[Path | str], served: Mapping[str, bytes] | None = None) -> Any:
    """A WeasyPrint ``URLFetcher`` that only serves :func:`check_url`-allowed URLs, and the report's prepared
    photos: ``served`` maps their exact URLs to JPEG bytes held in memory (nothing on disk becomes reachable)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = allowed_roots(folders)
    photos = dict(served or {})

    class RestrictedFetcher(URLFetcher):
        """Serves data: URLs and files inside the allowed folders; refuses everything else."""

        def __init__(self) -> None:
            super().__init__(allow_redirects=False, allowed_protocols=("file", "data"), fail_on_errors=False)
            self.roots = roots
            self.refused: list[tuple[str, str]] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if isinstance(url, str) and url in photos:
                return URLFetcherResponse(url, photos[url], {"Content-Type": "image/jpeg"})
            try:
                body, mime = read_allowed(url, self.roots)
            except FetchRefused as exc:
                self.refused.append((url[:200], str(exc)))
                raise
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return RestrictedFetcher()
