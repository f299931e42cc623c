"""The PDF carries its data: PDF/A-3 with the result and the action register as associated files.

Every PDF gapaudit writes (store report and roll-up) is PDF/A-3u — the level of
PDF/A that allows embedded files of any type, with Unicode text — and tagged
for accessibility. A store report embeds:

* ``result.json`` — byte for byte what ``gapaudit run -f json`` writes, so
  headquarters can roll up the PDFs it receives by mail without asking for the
  JSON too (:func:`read_result`);
* the action register — what ``-f csv`` writes today (:data:`EMBEDDED` names the
  formats; swap the entry when the register gains another format).

Both are associated files of the document with relationship ``Data`` (ISO
19005-3): the report's tables and charts are drawn from them. They are read back
with pikepdf (qpdf): ~0.08 s per tagged report where pypdf took ~0.9 s, because a
tagged report keeps thousands of objects in object streams; signed PDFs (an
incremental update) read the same way, from the latest revision.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from gapaudit.errors import GapauditError

if TYPE_CHECKING:
    from gapaudit.model.result import AuditResult

#: the WeasyPrint ``pdf_variant``: PDF/A-3 (attachments allowed), level u (Unicode text mapping)
PDF_VARIANT = "pdf/a-3u"
#: tag the structure (headings, paragraphs, tables, lists) for screen readers and reflow
PDF_TAGS = True
#: how every associated file relates to the report (ISO 32000-2 7.11.3 / ISO 19005-3)
RELATIONSHIP = "Data"

RESULT_NAME = "result.json"


@dataclass(frozen=True)
class EmbeddedSpec:
    """One file a store report embeds: its name in the PDF, the output format that writes it, a description."""

    name: str
    fmt: str  # a key of gapaudit.render.FORMATS
    description: str


#: the files embedded in every store report, in order. The action register is what ``-f csv`` writes;
#: to embed another register format, change this entry (name and format) and nothing else.
EMBEDDED: tuple[EmbeddedSpec, ...] = (
    EmbeddedSpec(RESULT_NAME, "json", "gapaudit result (the JSON written by gapaudit run -f json)"),
    EmbeddedSpec("actions.csv", "csv", "action register (the CSV written by gapaudit run -f csv)"),
)


@dataclass(frozen=True)
class Attachment:
    """A file to embed: name, bytes, description (its MIME type follows from the name)."""

    name: str
    data: bytes
    description: str


class NoEmbeddedResult(GapauditError):
    """A PDF that carries no gapaudit result (not a gapaudit report, or one from before results were embedded)."""

    exit_code = 2


def report_attachments(result: "AuditResult") -> list[Attachment]:
    """The files a store report embeds (:data:`EMBEDDED`), written by the same writers as ``-f json`` / ``-f csv``."""
    from gapaudit.render import writer

    return [Attachment(spec.name, writer(spec.fmt)(result), spec.description) for spec in EMBEDDED]


def write_options(attachments: Iterable[Attachment], created: str | None) -> dict[str, Any]:
    """WeasyPrint ``write_pdf`` options for PDF/A-3 with ``attachments`` as associated files.

    ``created`` (ISO 8601, the report's creation time) dates the embedded files, so the
    same input gives the same bytes (WeasyPrint would otherwise use the clock).
    """
    import weasyprint

    when = _when(created)
    files = [weasyprint.Attachment(file_obj=io.BytesIO(a.data), name=a.name, description=a.description,
                                   created=when, modified=when, relationship=RELATIONSHIP)
             for a in attachments]
    return {"pdf_variant": PDF_VARIANT, "pdf_tags": PDF_TAGS, "attachments": files or None,
            "finisher": _finish}


def _finish(_document: Any, pdf: Any) -> None:
    """The last touches before pydyf writes the file: one ``/AF`` entry per file, every object serialised once."""
    _dedupe_associated_files(pdf)
    _serialise_once(pdf)


def _dedupe_associated_files(pdf: Any) -> None:
    """WeasyPrint 70 lists each associated file twice in the catalog's ``/AF``: keep one of each."""
    import pydyf

    refs = pdf.catalog.get("AF")
    if refs:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(refs))


def _serialise_once(pdf: Any) -> None:
    """Replace every object by its bytes, so pydyf serialises it once instead of twice.

    For the file identifier PDF/A requires, pydyf hashes the serialised form of every object after writing
    it, serialising each again — every dictionary re-encoded, every page, font and attached file compressed
    a second time at level 9: about 0.2 s of a 3-second report (6–7 %). The bytes written are the
    same; only the work is done once. Called last, when nothing changes the objects any more.
    """
    serialised = _serialised_class()
    for index, obj in enumerate(pdf.objects):
        if obj.free != "f":
            pdf.objects[index] = serialised(obj)


@functools.cache
def _serialised_class() -> type:
    """The class of an object kept as its bytes (made on first use: pydyf is imported with WeasyPrint)."""
    import pydyf

    class Serialised(pydyf.Object):
        """A PDF object as the bytes it serialises to, with the same number and place in the file."""

        def __init__(self, source: Any) -> None:
            super().__init__()
            self.number, self.generation, self.offset = source.number, source.generation, source.offset
            self._data, self._compressible = source.data, source.compressible

        @property
        def data(self) -> bytes:
            return self._data

        @property
        def compressible(self) -> bool:
            return self._compressible

    return Serialised


def _when(created: str | None) -> dt.datetime:
    if created:
        try:
            return dt.datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(dt.timezone.utc) \
                .replace(tzinfo=None)
        except ValueError:
            pass
    return dt.datetime(1970, 1, 1)


# --- reading the files back -----------------------------------------------------------------

def embedded_files(pdf: bytes | Path | str) -> dict[str, bytes]:
    """Every embedded file of a PDF by name (the latest revision's, for a signed or updated PDF).

    Raises :class:`NoEmbeddedResult` when the bytes are not a readable PDF.
    """
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf) if isinstance(pdf, bytes) else Path(pdf)) as doc:
            return {name: spec.get_file().read_bytes() for name, spec in doc.attachments.items()}
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = re.sub(r"^.*?>: ", "", str(exc))  # qpdf names the stream object first: say what is wrong
        raise NoEmbeddedResult(f"not a readable PDF: {detail}") from exc


def read_result(pdf: bytes | Path | str) -> bytes:
    """The result JSON a gapaudit report PDF carries (the bytes ``-f json`` wrote).

    Raises :class:`NoEmbeddedResult` saying why when there is none.
    """
    files = embedded_files(pdf)
    if RESULT_NAME not in files and "rollup.json" in files:
        raise NoEmbeddedResult("a roll-up report, not a store's report: roll up the stores' reports instead")
    if RESULT_NAME not in files:
        raise NoEmbeddedResult(f"PDF without an embedded {RESULT_NAME}: not a gapaudit report, or one written "
                               "before reports carried their result (re-run the audit, or use its -f json file)")
    return files[RESULT_NAME]


def is_pdf(path: Path | str) -> bool:
    """Whether a file starts like a PDF (``%PDF-``), whatever its name."""
    try:
        with open(path, "rb") as fh:
            return fh.read(1024).lstrip()[:5] == b"%PDF-"
    except OSError:
        return False
