"""Every PDF is PDF/A-3u, tagged, and carries its result and action register; the roll-up reads PDFs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from gapaudit.chain import rollup
from gapaudit.render import pdfa
from gapaudit.render.pdfa import NoEmbeddedResult, read_result

pytestmark = pytest.mark.slow
SAMPLES = ["community-supermarket", "electronics-retailer", "lubricant-aftersales", "well-run-store"]


@pytest.mark.parametrize("name", SAMPLES)
def test_pdfdetach_lists_the_result_and_it_equals_the_json_byte_for_byte(sample_reports, name, tmp_path):
    pdf = sample_reports / f"{name}.pdf"
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "result.json" in listing and "actions.csv" in listing
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(pdf)], check=True, capture_output=True)
    assert (tmp_path / "result.json").read_bytes() == (sample_reports / f"{name}.json").read_bytes()
    assert read_result(pdf) == (sample_reports / f"{name}.json").read_bytes()
    actions = (tmp_path / "actions.csv").read_bytes().decode("utf-8-sig")
    result = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert actions.splitlines()[0].startswith(("Rank,Problem,Role,Action ID", "序号,问题,角色,行动编号"))  # the register
    assert len(actions.splitlines()) - 1 >= len(result["actions"])  # one row each (evidence may hold newlines)


def test_pdf_is_pdfa_3u_tagged_with_associated_data_files(sample_reports):
    reader = PdfReader(sample_reports / "well-run-store.pdf")
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="U"' in xmp
    assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"  # sRGB output intent
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog  # tagged
    assert catalog["/Lang"] == "en"
    associated = [ref.get_object() for ref in catalog["/AF"]]
    assert [f["/F"] for f in associated] == ["result.json", "actions.csv"]  # each once
    for spec in associated:
        assert spec["/AFRelationship"] == "/Data"
        stream = spec["/EF"]["/F"].get_object()
        assert stream["/Subtype"] in ("/application/json", "/text/csv")
        assert stream["/Params"]["/ModDate"].startswith("D:2026")  # dated like the report, not by the clock
    # every font is embedded (a PDF/A rule)
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object().get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font.get_object())["/FontDescriptor"]
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_rollup_over_the_pdfs_equals_rollup_over_the_json(sample_reports, tmp_path):
    pdfs, jsons = tmp_path / "pdf", tmp_path / "json"
    pdfs.mkdir()
    jsons.mkdir()
    for name in SAMPLES:
        shutil.copy(sample_reports / f"{name}.pdf", pdfs)
        shutil.copy(sample_reports / f"{name}.json", jsons)
    from_pdf = rollup.build(rollup.expand_results([pdfs]), workers=1)
    from_json = rollup.build(rollup.expand_results([jsons]), workers=1)
    assert from_pdf["counts"]["stores"] == len(SAMPLES) and not from_pdf["skipped"]
    assert rollup.to_json(from_pdf) == rollup.to_json(from_json)


def test_a_folder_with_both_reads_each_store_once(sample_reports):
    files = rollup.expand_results([sample_reports])
    assert sorted(f.name for f in files) == sorted(f"{n}.json" for n in SAMPLES)


def test_a_pdf_without_a_result_is_skipped_with_the_reason(sample_reports, tmp_path):
    import weasyprint

    plain = tmp_path / "letter.pdf"
    plain.write_bytes(weasyprint.HTML(string="<p>Dear HQ</p>").write_pdf())
    roll = tmp_path / "rollup.pdf"
    data = rollup.build([sample_reports / "well-run-store.json"], workers=1)
    roll.write_bytes(rollup.render(data, "pdf"))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really")
    with pytest.raises(NoEmbeddedResult, match="not a gapaudit report, or one written before"):
        read_result(plain)
    with pytest.raises(NoEmbeddedResult, match="roll-up report"):
        read_result(roll)
    with pytest.raises(NoEmbeddedResult, match="not a readable PDF"):
        read_result(broken)
    out = rollup.build([sample_reports / "well-run-store.pdf", plain, roll, broken], workers=1)
    reasons = {Path(s["file"]).name: s["reason"] for s in out["skipped"]}
    assert set(reasons) == {"letter.pdf", "rollup.pdf", "broken.pdf"} and out["counts"]["stores"] == 1
    assert "embedded result.json" in reasons["letter.pdf"]


def test_rollup_pdf_is_pdfa_and_carries_its_data(sample_reports, tmp_path):
    data = rollup.build([sample_reports / "well-run-store.json"], workers=1)
    pdf = rollup.render(data, "pdf")
    files = pdfa.embedded_files(pdf)
    assert json.loads(files["rollup.json"]) == json.loads(rollup.to_json(data))
    xmp = PdfReader(__import__("io").BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb'pdfaid:part="3"', xmp)
