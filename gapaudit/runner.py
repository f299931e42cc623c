"""One audit, end to end: load → run modules → render every format → write atomically.

The CLI's ``run`` and the batch workers share this, so a store is processed
the same way alone or in a chain-wide batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gapaudit import engine
from gapaudit.errors import GapauditError
from gapaudit.load.audit import LoadedAudit, load_audit
from gapaudit.model.result import AuditResult
from gapaudit.plugins import PluginHost
from gapaudit.render import output_path, render
from gapaudit.render.output import commit

if TYPE_CHECKING:
    from gapaudit.render.photos import PreparedPhotos
    from gapaudit.seal import SignKey


@dataclass(frozen=True)
class RunOptions:
    """What to produce for each audit."""

    formats: tuple[str, ...] = ("json",)
    output: Path | None = None  # file (one audit, one format) or folder
    lang: str | None = None
    template_dirs: tuple[Path, ...] = ()
    many: bool = False  # several audits or formats: ``output`` is a folder
    photo_cache: bool = True  # keep prepared photos in the user's cache folder between runs
    sign: "SignKey | None" = None  # sign every PDF with this key (PAdES, gapaudit.seal)
    profile: str | None = None  # report profile: "full" or "brief" (default: the audit's report.profile)


@dataclass
class RunOutcome:
    """What happened to one audit."""

    source: Path
    result: AuditResult
    written: list[Path] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese): e.g. unreadable photos


def run_one(path: Path, options: RunOptions, host: PluginHost, name: str | None = None) -> RunOutcome:
    """Process one audit file; raise a GapauditError on invalid input, plugin or output failure.

    Every format is rendered before any file is written, and the files are
    committed together (all replaced or none), so a failure never leaves a mix
    of new and stale reports. ``name`` replaces the
    audit file's stem in output file names (a batch uses it to keep names unique).
    """
    loaded = load_audit(path, host)
    try:
        result = engine.run(loaded, host, lang=options.lang)
        many = options.many or len(options.formats) > 1
        naming = path.with_name(name + path.suffix) if name else path
        photos = _photos(loaded, options)
        rendered = [(output_path(naming, fmt, options.output, many),
                     render(result, fmt, host=host, template_dirs=options.template_dirs, audit=loaded.input,
                            profile=options.profile, photos=photos))
                    for fmt in options.formats]
        if options.sign is not None:
            from gapaudit.seal import sign_pdf

            rendered = [(target, sign_pdf(data, options.sign) if target.suffix == ".pdf" else data)
                        for target, data in rendered]
        commit(rendered)
        outcome = RunOutcome(source=path, result=result, written=[target for target, _ in rendered])
        if photos is not None:
            outcome.warnings += [(f"photo {u.name!r} could not be read ({u.reason}); the report lists it as unreadable",
                                  f"照片 {u.name!r} 无法读取（{u.reason_zh}）；报告中已列为无法读取")
                                 for u in photos.unreadable.values()]
    except GapauditError as exc:
        exc.lang = exc.lang or options.lang or loaded.input.audit.language
        raise
    return outcome


#: formats that show photos
PHOTO_FORMATS = ("pdf", "html")


def _photos(loaded: "LoadedAudit", options: RunOptions) -> "PreparedPhotos | None":
    """The audit's photos prepared once for every format that shows them (None when none does)."""
    if not loaded.photos or not any(f in PHOTO_FORMATS for f in options.formats):
        return None
    from gapaudit.render.photos import default_cache, prepare_all

    return prepare_all(loaded.photos, default_cache() if options.photo_cache else None)
