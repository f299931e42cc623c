"""Installation and start-up as a user gets them: the console script, a wheel used from
outside the source tree, and a light start (no WeasyPrint for --help or validate)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def _imported_modules(args: list[str], cwd: Path) -> set[str]:
    code = ("import sys, runpy; sys.argv = ['gapaudit'] + %r\n"
            "try:\n    runpy.run_module('gapaudit.cli', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('\\nMODULES=' + ','.join(sorted(sys.modules)))" % (args,))
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=_env(),
                         timeout=60)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("MODULES=")][-1]
    return set(line[len("MODULES="):].split(","))


@pytest.mark.parametrize("args", [["--help"], ["validate", "audit.yaml"]])
def test_start_up_does_not_import_weasyprint(tmp_path, args):
    (tmp_path / "audit.yaml").write_text("schema_version: 1\naudit: {id: A, date: 2026-01-01}\n"
                                         "store: {id: S, name: N}\n")
    modules = _imported_modules(args, tmp_path)
    assert "gapaudit" in modules and "click" in modules
    assert not {m for m in modules if m.split(".")[0] in ("weasyprint", "numpy", "scipy", "sqlalchemy", "dask")}
    if args == ["--help"]:
        assert "pydantic" not in modules  # --help needs only click


def test_console_script_runs_from_any_directory(tmp_path):
    script = BIN / "gapaudit"
    assert script.exists(), "the project is not installed into this environment"
    out = subprocess.run([str(script), "init", "store", "--lang", "en"], cwd=tmp_path, capture_output=True,
                         text=True, env=_env(), timeout=120)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([str(script), "validate", "store/audit.yaml"], cwd=tmp_path, capture_output=True,
                         text=True, env=_env(), timeout=120)
    assert out.returncode == 0, out.stderr
    assert "store/audit.yaml: valid" in out.stdout


@pytest.mark.slow
def test_wheel_ships_everything_and_runs_outside_the_tree(tmp_path):
    """Build the wheel, install it (no deps: they are in this venv) and run it from elsewhere."""
    # build from a copy of the source files: an in-tree build/ folder could carry stale files into the wheel
    source = tmp_path / "src"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(dist), str(source)], capture_output=True, text=True, timeout=600)
    if build.returncode != 0 and "setuptools" in build.stderr:
        build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                                str(source)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    [wheel] = dist.glob("gapaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gapaudit_plugins/diagnosis_gap/__init__.py" in names
    assert "gapaudit/scaffold/files/servqual_items.csv" in names
    assert "gapaudit_templates/__init__.py" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(PYTHONPATH=str(target), PYTHONNOUSERSITE="1")
    code = ("import gapaudit, gapaudit_plugins, sys; "
            "assert gapaudit.__file__.startswith(sys.argv[1]), gapaudit.__file__; "
            "assert gapaudit_plugins.__file__.startswith(sys.argv[1]); "
            "from gapaudit.cli import main; main(args=sys.argv[2:])")
    run = lambda *a: subprocess.run([sys.executable, "-c", code, str(target), *a], cwd=elsewhere,
                                    capture_output=True, text=True, env=env, timeout=300)
    out = run("init", "shop", "--lang", "zh")
    assert out.returncode == 0, out.stderr
    out = run("plugins")
    assert out.returncode == 0, out.stderr
    assert "built-in" in out.stdout
    out = run("run", "shop/audit.yaml", "-f", "json,html,pdf")
    assert out.returncode == 0, out.stderr
    assert (elsewhere / "shop" / "audit.pdf").read_bytes().startswith(b"%PDF")  # templates and CSS shipped
    assert "<html" in (elsewhere / "shop" / "audit.html").read_text("utf-8")
    data = json.loads((elsewhere / "shop" / "audit.json").read_text())
    assert data["store"]["name"] == "我的门店"
