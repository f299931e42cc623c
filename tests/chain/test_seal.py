"""Signing and verifying report PDFs: the round trip, and what counts as altered."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pyhanko")

from cryptography import x509  # noqa: E402  (pyHanko's dependency)
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from gapaudit.chain import rollup  # noqa: E402
from gapaudit.cli import main  # noqa: E402
from gapaudit.render.pdfa import read_result  # noqa: E402
from gapaudit.seal import SealError, SignKey, load_certificates, sign_pdf, verify_pdf  # noqa: E402

pytestmark = pytest.mark.slow
PASSPHRASE = "throwaway passphrase"


def make_key(folder: Path, name: str) -> tuple[Path, Path]:
    """A throwaway self-signed certificate and key: ``name.p12`` (passphrase-protected) and ``name.pem``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Chain HQ")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    p12 = folder / f"{name}.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, None, serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    pem = folder / f"{name}.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return p12, pem


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return {"store": make_key(folder, "QM S001"), "stranger": make_key(folder, "Someone Else")}


@pytest.fixture(scope="module")
def signed(sample_reports, keys, tmp_path_factory):
    """The well-run-store report signed with the store's key, via ``gapaudit run --sign``."""
    out = tmp_path_factory.mktemp("signed")
    root = Path(__file__).resolve().parents[2] / "sample_audits"
    ran = CliRunner(env={"GAPAUDIT_SIGN_PASSPHRASE": PASSPHRASE}).invoke(
        main, ["run", str(root / "well-run-store" / "audit.yaml"), "-f", "pdf,json", "-o", str(out) + "/",
               "--sign", str(keys["store"][0])])
    assert ran.exit_code == 0, ran.output
    return out / "audit.pdf"


def test_round_trip_signer_intact_and_result_consistent(signed, keys, sample_reports):
    check = verify_pdf(signed.read_bytes(), "r.pdf", load_certificates([keys["store"][1]]))
    assert check.verified and check.intact and check.whole_file and check.trusted and check.result_consistent
    assert "QM S001" in check.signer and not check.problems
    # the signed PDF still carries its result, byte for byte the JSON written beside it, and stays PDF/A-3
    assert read_result(signed) == signed.with_suffix(".json").read_bytes()
    from pypdf import PdfReader

    xmp = PdfReader(signed).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp


def test_a_stranger_certificate_is_not_trusted(signed, keys):
    check = verify_pdf(signed.read_bytes(), "r.pdf", load_certificates([keys["stranger"][1]]))
    assert check.intact and check.trusted is False and not check.verified
    assert verify_pdf(signed.read_bytes(), "r.pdf").trusted is None  # no trust asked: not judged


@pytest.mark.parametrize("where", [0.05, 0.5, 0.9])
def test_one_flipped_byte_fails(signed, where):
    data = bytearray(signed.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    check = verify_pdf(bytes(data), "flipped.pdf")
    assert not check.verified and check.problems


def test_replacing_the_embedded_json_fails(signed, tmp_path):
    """An incremental update after signing that swaps result.json: the signature itself still checks out."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(io.BytesIO(signed.read_bytes()), incremental=True)
    forged = json.loads(read_result(signed))
    forged["overall"]["score"] = 99.9
    for ref in writer.root_object["/AF"]:
        spec = ref.get_object()
        if spec["/F"] == "result.json":
            stream = StreamObject()
            stream.set_data(json.dumps(forged).encode())
            stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
            spec["/EF"][NameObject("/F")] = writer._add_object(stream)
    buf = io.BytesIO()
    writer.write(buf)
    forged_pdf = buf.getvalue()
    assert json.loads(read_result(forged_pdf))["overall"]["score"] == 99.9  # a reader would see the forgery
    check = verify_pdf(forged_pdf, "forged.pdf")
    assert not check.verified and check.altered
    assert any("result.json is not the one that was signed" in p or "appended" in p for p in check.problems)


def test_verify_cli_exit_codes(signed, sample_reports, keys, tmp_path):
    runner = CliRunner()
    unsigned = sample_reports / "well-run-store.pdf"
    ok = runner.invoke(main, ["verify", str(signed), "--trust", str(keys["store"][1])])
    assert ok.exit_code == 0 and "verified" in ok.output and "signer trusted" in ok.output
    assert runner.invoke(main, ["verify", str(unsigned)]).exit_code == 0  # unsigned is reported, not failed
    required = runner.invoke(main, ["verify", str(signed), str(unsigned), "--require-signature"])
    assert required.exit_code == 1 and "NOT SIGNED" in required.output
    broken = tmp_path / "broken.pdf"
    data = bytearray(signed.read_bytes())
    data[len(data) // 2] ^= 0x01
    broken.write_bytes(bytes(data))
    bad = runner.invoke(main, ["verify", str(broken), "--lang", "zh"])
    assert bad.exit_code in (1, 2) and ("已被改动" in bad.output or "无法读取" in bad.output)
    untrusted = runner.invoke(main, ["verify", str(signed), "--trust", str(keys["stranger"][1])])
    assert untrusted.exit_code == 1 and "does not chain to a trusted certificate" in untrusted.output


def test_rollup_of_verified_reports_only(signed, sample_reports, keys, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(signed, folder / "north.pdf")
    shutil.copy(sample_reports / "community-supermarket.pdf", folder / "unsigned.pdf")
    out = tmp_path / "hq.json"
    ran = CliRunner().invoke(main, ["rollup", str(folder), "-o", str(out), "--require-signature", "--trust",
                                    str(keys["store"][1])])
    assert ran.exit_code == 2, ran.output  # written, with skipped files listed
    data = json.loads(out.read_text("utf-8"))
    assert data["counts"]["stores"] == 1 and data["stores"][0]["name"] == "Northgate Fresh Market"
    assert "unsigned.pdf" in ran.output and "not verified: not signed" in ran.output
    kept, refused = rollup.only_verified([folder / "north.pdf"], load_certificates([keys["stranger"][1]]))
    assert not kept and "trusted" in refused[0]["reason"]


def test_wrong_passphrase_or_missing_key_is_a_clear_error(keys, tmp_path):
    with pytest.raises(SealError, match="wrong passphrase"):
        SignKey(keys["store"][0], b"nope").signer()
    with pytest.raises(SealError, match="cannot read the signing key"):
        SignKey(tmp_path / "none.p12", b"x").signer()
    root = Path(__file__).resolve().parents[2] / "sample_audits" / "well-run-store" / "audit.yaml"
    ran = CliRunner(env={"GAPAUDIT_SIGN_PASSPHRASE": "nope"}).invoke(
        main, ["run", str(root), "-o", str(tmp_path / "x.pdf"), "--sign", str(keys["store"][0])])
    assert ran.exit_code == 2 and "wrong passphrase" in ran.output and not (tmp_path / "x.pdf").exists()
    json_only = CliRunner().invoke(main, ["run", str(root), "-f", "json", "--sign", str(keys["store"][0])])
    assert json_only.exit_code == 2 and "add -f pdf" in json_only.output


def test_sign_pdf_directly(sample_reports, keys):
    data = sign_pdf((sample_reports / "electronics-retailer.pdf").read_bytes(), SignKey(keys["store"][0],
                                                                                      PASSPHRASE.encode()))
    assert verify_pdf(data).verified
