"""The restricted fetcher: only the allowed folders and data: URLs, no escapes of any kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gapaudit.render.fetcher import FetchRefused, allowed_roots, check_url, make_fetcher, read_allowed


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "theme"
    (root / "img").mkdir(parents=True)
    (root / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "my file é.css").write_text("h1{}")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (root / "link_out").symlink_to(secret)
    (root / "dir_out").symlink_to(tmp_path)
    return root, secret


def url(path: Path | str) -> str:
    return Path(path).as_uri() if isinstance(path, Path) else path


def test_allows_files_inside_and_data_urls(tree):
    root, _ = tree
    roots = allowed_roots([root])
    assert check_url(url(root / "img" / "logo.svg"), roots) == (root / "img" / "logo.svg").resolve()
    assert check_url(url(root / "my file é.css"), roots) is not None  # spaces and non-ASCII, percent-encoded
    assert check_url("data:image/png;base64,iVBORw0KGgo=", roots) is None
    body, mime = read_allowed("data:text/plain,hello%20world", roots)
    assert body == b"hello world" and mime == "text/plain"
    body, mime = read_allowed(url(root / "img" / "logo.svg"), roots)
    assert body.startswith(b"<svg") and mime == "image/svg+xml"


@pytest.mark.parametrize("make", [
    lambda root, secret: url(secret),                                         # outside
    lambda root, secret: "file:///etc/passwd",
    lambda root, secret: f"file://{root}/../secret.txt",                       # ..
    lambda root, secret: f"file://{root}/img/../../secret.txt",
    lambda root, secret: f"file://{root}/%2e%2e/secret.txt",                   # encoded ..
    lambda root, secret: f"file://{root}/%2E%2E/secret.txt",
    lambda root, secret: f"file://{root}/%252e%252e/secret.txt",               # double-encoded
    lambda root, secret: f"file://{root}/..%2fsecret.txt",
    lambda root, secret: f"file://{root}/img%2f..%2f..%2fsecret.txt",
    lambda root, secret: f"file://{root}/%2e/img/logo.svg",                    # encoded .
    lambda root, secret: f"file://{root}/img/logo.svg%00.png",                 # NUL
    lambda root, secret: f"file://{root}/img/logo.svg?x=1",                    # query
    lambda root, secret: f"file://{root}/img/logo.svg#frag",
    lambda root, secret: f"file://evil.example{root}/img/logo.svg",            # remote host
    lambda root, secret: f"file://{root}/link_out",                            # symlink out
    lambda root, secret: f"file://{root}/dir_out/secret.txt",                  # symlinked folder out
    lambda root, secret: f"file://{root}/img",                                 # a folder
    lambda root, secret: f"file://{root}/missing.png",
    lambda root, secret: "http://example.com/x.png",                           # network
    lambda root, secret: "https://example.com/x.png",
    lambda root, secret: "ftp://example.com/x",
    lambda root, secret: "//example.com/x.png",
    lambda root, secret: "img/logo.svg",                                       # relative
    lambda root, secret: f"FILE://{root}/../secret.txt",
    lambda root, secret: f"file:{root}/%c0%ae%c0%ae/secret.txt",               # overlong UTF-8
    lambda root, secret: f"file://{root}/img\\..\\..\\secret.txt",             # backslashes
])
def test_refuses_escapes(tree, make):
    root, secret = tree
    with pytest.raises(FetchRefused):
        read_allowed(make(root, secret), allowed_roots([root]))


def test_refuses_a_prefix_sibling(tmp_path):
    """/x/theme-evil is not inside /x/theme although the string starts the same."""
    root, sibling = tmp_path / "theme", tmp_path / "theme-evil"
    root.mkdir()
    sibling.mkdir()
    (sibling / "a.css").write_text("x")
    with pytest.raises(FetchRefused):
        check_url(url(sibling / "a.css"), allowed_roots([root]))


def test_weasyprint_fetcher_serves_and_records_refusals(tree):
    root, secret = tree
    fetcher = make_fetcher([root])
    response = fetcher.fetch(url(root / "img" / "logo.svg"))
    assert response.read().startswith(b"<svg")
    with pytest.raises(FetchRefused):
        fetcher.fetch(url(secret))
    assert fetcher.refused and fetcher.refused[0][0] == url(secret)


def test_no_roots_means_only_data_urls(tree):
    root, _ = tree
    assert allowed_roots([root / "missing"]) == ()
    with pytest.raises(FetchRefused):
        check_url(url(root / "img" / "logo.svg"), ())
    assert os.path.exists(root / "img" / "logo.svg")
