"""A seal headquarters can check: PAdES signatures on report PDFs, and their verification.

``gapaudit run … --sign KEY.p12`` signs each PDF report with the key and
certificate in a PKCS#12 file (PAdES baseline B: a CAdES detached signature in
an incremental update, so the PDF/A-3 file and the data it carries stay as
written; pyHanko ≥ 0.35.2 keeps the XMP metadata PDF/A needs). ``gapaudit
verify`` says for each file who signed it, whether the signed bytes are intact
and cover the whole file, and whether the result the PDF carries is the one
that was signed (a later incremental update could otherwise swap it).

pyHanko is an optional extra (``pip install 'gapaudit[sign]'``); it is
imported only here, and only when signing or verifying.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from gapaudit.errors import GapauditError, InputError, InputIssue

#: where ``--sign`` reads the key's passphrase (never from the command line)
PASSPHRASE_ENV = "GAPAUDIT_SIGN_PASSPHRASE"
FIELD_NAME = "gapaudit-seal"
INSTALL_HINT = "signing needs the optional extra: pip install 'gapaudit[sign]'"

#: how a report counts as verified, in words (verify's help, the roll-up's appendix)
VERIFIED_RULE = ("verified = the PDF has a signature whose cryptographic check passes, whose signed bytes are "
                 "intact and cover the whole file (no change appended after signing), and whose embedded "
                 "result.json is byte for byte the one in the signed revision; with trusted certificates given, "
                 "the signer's certificate must also chain to one of them")


#: each verification problem in Chinese (by its English wording; a problem carrying details keeps them)
PROBLEMS_ZH = {
    "not signed": "未签名",
    "altered: the signed bytes no longer match the signature": "已被改动：签名覆盖的字节与签名不符",
    "the signature does not verify against the signer's certificate": "签名与签名人的证书不符",
    "altered: content was appended to the file after it was signed": "已被改动：签名后文件又被追加了内容",
    "the signer's certificate does not chain to a trusted certificate given": "签名人的证书不属于所给的可信证书",
    "the embedded result.json is not the one that was signed": "内嵌的 result.json 不是签名时的那一份",
}


def problem_text(problem: str, lang: str) -> str:
    """A verification problem in ``lang`` (unknown ones, e.g. a parser's error, as they are)."""
    return PROBLEMS_ZH.get(problem, problem) if lang == "zh" else problem


class SealError(GapauditError):
    """The signing key cannot be used, or pyHanko is missing."""

    exit_code = 2


def _pyhanko() -> None:
    try:
        import pyhanko  # noqa: F401
    except ImportError as exc:
        raise SealError(INSTALL_HINT) from exc


# --- signing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignKey:
    """A PKCS#12 key file and its passphrase: what ``--sign`` hands to every PDF written (picklable for workers)."""

    path: Path
    passphrase: bytes = field(repr=False)

    def signer(self) -> Any:
        """The pyHanko signer; SealError naming the file when it cannot be opened."""
        _pyhanko()
        from pyhanko.sign import signers

        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise SealError(f"{self.path}: cannot read the signing key: {exc.strerror or exc}") from exc
        try:
            return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=self.passphrase or None)
        except (ValueError, TypeError) as exc:
            raise SealError(f"{self.path}: cannot open the signing key: wrong passphrase, or not a PKCS#12 "
                            f"(.p12/.pfx) file with a private key and its certificate") from exc


def sign_pdf(pdf: bytes, key: SignKey, *, reason: str = "gapaudit report", location: str | None = None) -> bytes:
    """``pdf`` with a PAdES signature by ``key`` appended as an incremental update."""
    signer = key.signer()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
    except Exception as exc:  # pyHanko raises several kinds; the key was usable, so name the step
        raise SealError(f"signing failed: {type(exc).__name__}: {exc}") from exc
    return out.getvalue()


def read_passphrase(prompt: Any = None) -> bytes:
    """The passphrase from ``GAPAUDIT_SIGN_PASSPHRASE``, else from ``prompt()`` (the CLI asks without echo)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None and prompt is not None:
        value = prompt()
    return (value or "").encode("utf-8")


# --- verifying -----------------------------------------------------------------------------

@dataclass
class Verification:
    """What ``gapaudit verify`` says about one PDF."""

    file: str
    readable: bool = True
    signed: bool = False
    signer: str | None = None
    signed_at: str | None = None
    intact: bool = False  # the signed bytes hash to the signed digest and the signature checks out
    whole_file: bool = False  # nothing was appended after signing
    trusted: bool | None = None  # None: no trusted certificates given
    result_consistent: bool | None = None  # None: the PDF carries no result
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Signed, intact, covering the whole file, its result the signed one, and trusted when trust was asked."""
        return (self.readable and self.signed and self.intact and self.whole_file
                and self.result_consistent is not False and self.trusted is not False)

    @property
    def altered(self) -> bool:
        """Signed, but changed since signing (or its carried result differs from the signed one)."""
        return self.signed and not (self.intact and self.whole_file and self.result_consistent is not False)


def load_certificates(paths: Iterable[Path]) -> list[Any]:
    """Trusted certificates (PEM or DER files; a PEM file may hold several) as asn1crypto certificates."""
    from asn1crypto import pem, x509

    certs = []
    issues = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
            blocks = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certs.extend(x509.Certificate.load(der) for der in blocks)
            for cert in certs:
                cert.native  # parse now: a broken file fails here, not deep in validation
        except (OSError, ValueError, TypeError) as exc:
            issues.append(InputIssue(f"not a readable certificate (PEM or DER): {exc}", (), str(path),
                                     zh=f"无法读取证书（PEM 或 DER）：{exc}"))
    if issues:
        raise InputError(issues, what="certificates")
    return certs


def verify_pdf(data: bytes, name: str = "<pdf>", trust: list[Any] | None = None) -> Verification:
    """Check every signature of one PDF (see :data:`VERIFIED_RULE`); never raises for a bad PDF."""
    _pyhanko()
    with _quiet_pyhanko():
        return _verify(data, name, trust)


@contextlib.contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs every failed check with a traceback; the Verification says it once, in words."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _verify(data: bytes, name: str, trust: list[Any] | None) -> Verification:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    out = Verification(file=name)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file: pyHanko raises many kinds
        out.readable = False
        out.problems.append(f"cannot be read as a PDF ({type(exc).__name__}: {exc})")
        return out
    if not signatures:
        out.problems.append("not signed")
        out.result_consistent = _carried_result(data) is not None or None
        return out
    out.signed = True
    sig = signatures[-1]  # the last signature covers the most
    try:
        context = ValidationContext(trust_roots=list(trust or []), allow_fetching=False)
        status = validate_pdf_signature(sig, context)
    except Exception as exc:
        out.problems.append(f"the signature cannot be checked ({type(exc).__name__}: {exc})")
        return out
    cert = status.signing_cert
    out.signer = cert.subject.human_friendly if cert is not None else None
    when = status.signer_reported_dt
    out.signed_at = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if when else None
    out.intact = bool(status.intact and status.valid)
    if not status.intact:
        out.problems.append("altered: the signed bytes no longer match the signature")
    elif not status.valid:
        out.problems.append("the signature does not verify against the signer's certificate")
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    out.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if out.intact and not out.whole_file:
        out.problems.append("altered: content was appended to the file after it was signed")
    if trust:
        out.trusted = bool(status.trusted)
        if not out.trusted:
            out.problems.append("the signer's certificate does not chain to a trusted certificate given")
    # the result a reader sees (latest revision) against the result in the signed revision
    end = _signed_end(sig)
    now, then = _carried_result(data), _carried_result(data[:end]) if end else None
    if now is not None or then is not None:
        out.result_consistent = now == then
        if not out.result_consistent:
            out.problems.append("the embedded result.json is not the one that was signed")
    return out


def _signed_end(sig: Any) -> int | None:
    """The end offset of the signed revision (the signature's ByteRange covers the file up to it)."""
    try:
        start1, len1, start2, len2 = (int(x) for x in sig.byte_range)
        return start2 + len2
    except (TypeError, ValueError):
        return None


def _carried_result(data: bytes) -> bytes | None:
    from gapaudit.render.pdfa import NoEmbeddedResult, read_result

    try:
        return read_result(data)
    except NoEmbeddedResult:
        return None
