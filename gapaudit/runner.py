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
from gapaudit.load.audit import load_audit
from gapaudit.model.result import AuditResult
from gapaudit.plugins import PluginHost
from gapaudit.render import output_path, render
from gapaudit.render.output import commit

if TYPE_CHECKING:
    from gapaudit.seal import SignKey


@dataclass(frozen=True)
class RunOptions:
    """What to produce for each audit."""

    formats: tuple[str, ...] = ("json",)
    output: Path | None = None  # file (one audit, one format) or folder
    lang: str | None = None
    template_dirs: tuple[Path, ...] = ()
    many: bool = False  # several audits or formats: ``output`` is a folder
    sign: "SignKey | None" = None  # sign every PDF with this key (PAdES, gapaudit.seal)
    profile: str | None = None  # report profile: "full" or "brief" (default: the audit's report.profile)


@dataclass
class RunOutcome:
    """What happened to one audit."""

    source: Path
    result: AuditResult
    written: list[Path] = field(default_factory=list)


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
        rendered = [(output_path(naming, fmt, options.output, many),
                     render(result, fmt, host=host, template_dirs=options.template_dirs, audit=loaded.input,
                            profile=options.profile))
                    for fmt in options.formats]
        if options.sign is not None:
            from gapaudit.seal import sign_pdf

            rendered = [(target, sign_pdf(data, options.sign) if target.suffix == ".pdf" else data)
                        for target, data in rendered]
        commit(rendered)
        outcome = RunOutcome(source=path, result=result, written=[target for target, _ in rendered])
    except GapauditError as exc:
        exc.lang = exc.lang or options.lang or loaded.input.audit.language
        raise
    return outcome
