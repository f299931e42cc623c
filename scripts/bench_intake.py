#!/usr/bin/env python3
"""Benchmark (not a timed test): evidence intake at the edge of the scale — seconds and peak memory per command.

    python scripts/bench_intake.py [--respondents 100000] [--work DIR] [--only NAME ...]

Each case runs the real command in a fresh process and reports its wall time, peak RSS and exit code:

* a 100,000-respondent Wenjuanxing-style export (GBK CSV, label answers, (跳过) skips, metadata and
  demographic columns): ``gapaudit import survey`` then ``gapaudit validate``, then ``run -f json``;
* the same answers as an XLSX download (``validate`` only: the workbook path);
* files that used to cost minutes and gigabytes, each refused or read in bounded time and memory:
  a 0.9 MB workbook whose shared strings unpack to ~70 MB, a 2,000-column sheet of unknown columns,
  a 1,000,000-row complaints log, a 49 MB survey CSV of one very long answer per row.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAPAUDIT = Path(sys.executable).with_name("gapaudit")
sys.path.insert(0, str(ROOT / "tests" / "intake"))

import exports  # noqa: E402  the test corpus's writers: files shaped like the real exports

import benchlib  # noqa: E402  (scripts/, beside this file)


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS MB, exit code, last line of output) of one fresh process."""
    run = benchlib.measure(cmd, cwd)
    lines = [ln for ln in run.output.splitlines() if ln.strip()]
    return run.seconds, run.peak_mb, run.returncode, (lines[-1] if lines else "")[:110]


def audit(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "audit.yaml"
    path.write_text(exports.audit_yaml("zh", extra), encoding="utf-8")
    return path


def case_survey_csv(work: Path, n: int) -> list[tuple[str, list[str], Path]]:
    folder = work / "wjx"
    raw = work / "wjx-download.csv"
    if not raw.exists():
        exports.wenjuanxing(raw, n=n)
    a = audit(folder)
    return [(f"import survey, {n:,} respondents (GBK CSV, {raw.stat().st_size / 1e6:.0f} MB)",
             [str(GAPAUDIT), "import", "survey", str(raw), "--audit", str(a)], folder),
            ("validate (reads and checks every answer)", [str(GAPAUDIT), "validate", str(a)], folder),
            ("run -f json (every module)", [str(GAPAUDIT), "run", str(a), "-f", "json", "-o", "out.json"], folder)]


def case_survey_xlsx(work: Path, n: int) -> list[tuple[str, list[str], Path]]:
    import openpyxl

    folder = work / "xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "survey.xlsx"
    items = [i["id"] for i in exports.items("zh")]
    if not book.exists():
        written = exports._answers(__import__("random").Random(7), n, ("expectation", "perception", "importance"))
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("问卷")
        ws.append(["respondent"] + [f"{p}_{i}" for p in "EPI" for i in items])
        for r, answers in enumerate(written.answers):
            ws.append([r + 1] + [answers[(role, i)] for role in ("expectation", "perception", "importance")
                                 for i in items])
        wb.save(book)
    a = audit(folder, "  survey: {responses: {file: survey.xlsx}}\n")
    return [(f"validate, {n:,} respondents as XLSX ({book.stat().st_size / 1e6:.0f} MB)",
             [str(GAPAUDIT), "validate", str(a)], folder)]


def case_hostile(work: Path) -> list[tuple[str, list[str], Path]]:
    import openpyxl

    out = []
    folder = work / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    bomb = folder / "bomb.xlsx"
    if not bomb.exists():
        wb = openpyxl.Workbook()
        wb.active.append(["id"])
        wb.save(bomb)
        with zipfile.ZipFile(bomb) as zf:
            parts = {name: zf.read(name) for name in zf.namelist()}
        parts["xl/sharedStrings.xml"] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                         + b"<si><t>a</t></si>" * 4_000_000 + b"</sst>")
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
    a = audit(folder / "bomb", "  complaints: {file: ../bomb.xlsx}\n")
    (folder / "bomb" / "bomb.xlsx").write_bytes(bomb.read_bytes())
    a.write_text(a.read_text("utf-8").replace("../bomb.xlsx", "bomb.xlsx"), "utf-8")
    out.append((f"shared-strings bomb ({bomb.stat().st_size / 1e6:.1f} MB unpacking to ~70 MB)",
                [str(GAPAUDIT), "validate", str(a)], a.parent))
    wide = folder / "wide" / "survey.csv"
    wide.parent.mkdir(exist_ok=True)
    if not wide.exists():
        with wide.open("w", encoding="utf-8") as fh:
            fh.write(",".join(f"Q{i}" for i in range(2000)) + "\n")
            for r in range(5000):
                fh.write(",".join(str((r + i) % 7 + 1) for i in range(2000)) + "\n")
    a = audit(wide.parent, "  survey: {responses: {file: survey.csv}}\n")
    out.append((f"2,000 unknown survey columns × 5,000 rows ({wide.stat().st_size / 1e6:.0f} MB)",
                [str(GAPAUDIT), "validate", str(a)], wide.parent))
    log = folder / "log" / "complaints.csv"
    log.parent.mkdir(exist_ok=True)
    if not log.exists():
        with log.open("w", encoding="utf-8") as fh:
            fh.write("id,date,category,severity,resolved\n")
            for r in range(1_000_000):
                fh.write(f"C{r},2026-10-{r % 28 + 1:02d},价格,中,是\n")
    a = audit(log.parent, "  complaints: {file: complaints.csv}\n")
    out.append((f"1,000,000-row complaints log ({log.stat().st_size / 1e6:.0f} MB)",
                [str(GAPAUDIT), "validate", str(a)], log.parent))
    longtext = folder / "long" / "survey.csv"
    longtext.parent.mkdir(exist_ok=True)
    if not longtext.exists():
        with longtext.open("w", encoding="utf-8") as fh:
            fh.write("respondent,E_TAN1,P_TAN1,备注\n")
            for r in range(5000):
                fh.write(f"{r},5,6,{'很长的意见' * 2000}\n")
    a = audit(longtext.parent, "  survey: {responses: {file: survey.csv, ignore: [备注]}}\n")
    out.append((f"survey with a 10,000-character comment per row ({longtext.stat().st_size / 1e6:.0f} MB)",
                [str(GAPAUDIT), "validate", str(a)], longtext.parent))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--work", type=Path, help="folder for the generated files (kept between runs)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="gapaudit-intake-"))
    work.mkdir(parents=True, exist_ok=True)
    cases = case_hostile(work) + case_survey_xlsx(work, args.respondents) + case_survey_csv(work, args.respondents)
    print(f"{'case':<66} {'seconds':>8} {'peak MB':>8} {'exit':>5}  last line")
    for name, cmd, cwd in cases:
        seconds, peak, code, last = measure(cmd, cwd)
        print(f"{name:<66} {seconds:8.1f} {peak:8.0f} {code:5d}  {last}")


if __name__ == "__main__":
    main()
