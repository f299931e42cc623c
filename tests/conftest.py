"""Shared fixtures: tests never load installed third-party plugins by accident."""

from __future__ import annotations

import os

os.environ.setdefault("GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD", "1")

pytest_plugins = ["gapaudit.testing"]


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory):
    """The four core samples run once as a batch to PDF and JSON: a folder with ``<sample>.pdf`` / ``.json``."""
    from pathlib import Path

    from click.testing import CliRunner

    from gapaudit.cli import main

    root = Path(__file__).resolve().parent.parent / "sample_audits"
    out = tmp_path_factory.mktemp("sample_reports")
    names = ["community-supermarket", "electronics-retailer", "lubricant-aftersales", "well-run-store"]
    ran = CliRunner().invoke(main, ["run", *(str(root / n / "audit.yaml") for n in names), "-o", str(out) + "/",
                                    "-f", "pdf,json", "--no-progress", "--workers", "2"])
    assert ran.exit_code == 0, ran.output
    return out
