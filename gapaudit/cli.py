"""The ``gapaudit`` command: the only place that prints errors and exits.

Heavy imports (pydantic models, the engine, WeasyPrint) happen inside the
commands that need them, so ``gapaudit --help`` stays fast.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, NoReturn

import click

from gapaudit import __version__

if TYPE_CHECKING:
    from gapaudit.plugins import PluginHost

EXIT_OK, EXIT_BELOW, EXIT_INPUT, EXIT_PLUGIN, EXIT_OUTPUT = 0, 1, 2, 3, 4
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, not the user's input

MESSAGES = {
    "invalid": {"en": "{file}: invalid audit ({n} problem{s}):", "zh": "{file}：审核文件有误（{n} 处问题）："},
    "invalid_results": {"en": "nothing to roll up ({n} problem{s}):", "zh": "没有可汇总的结果（{n} 处问题）："},
    "invalid_import": {"en": "{file}: cannot import ({n} problem{s}):", "zh": "{file}：无法导入（{n} 处问题）："},
    "valid": {"en": "{file}: valid — {modules} module(s) will run: {ids}",
              "zh": "{file}：校验通过 —— 将运行 {modules} 个模块：{ids}"},
    "photos_checked": {"en": "{n} photo(s) found and checked by their headers ({kinds}); they are decoded when a "
                              "report is written", "zh": "已找到并按文件头检查 {n} 张照片（{kinds}）；生成报告时再解码"},
    "wrote": {"en": "wrote {path}", "zh": "已写入 {path}"},
    "warning": {"en": "warning: {msg}", "zh": "警告：{msg}"},
    "score": {"en": "{store}: overall score {score} ({grade})", "zh": "{store}：总分 {score}（{grade}）"},
    "no_score": {"en": "{store}: no overall score (no module had data)", "zh": "{store}：无总分（所有模块均无数据）"},
    "below": {"en": "overall score {score} is below --fail-under {limit}",
              "zh": "总分 {score} 低于 --fail-under {limit}"},
    "plugin_failed": {"en": "plugin error: {msg}", "zh": "插件错误：{msg}"},
    "output_failed": {"en": "cannot write output: {msg}", "zh": "无法写入输出：{msg}"},
    "batch_done": {"en": "{n} audit(s): {ok} written, {failed} failed, in {seconds} s ({workers} {executor} worker(s))",
                   "zh": "共 {n} 份审核：成功 {ok} 份，失败 {failed} 份，用时 {seconds} 秒（{workers} 个 {executor} 工作进程）"},
    "batch_below": {"en": "{store}: overall score {score} is below --fail-under {limit}",
                    "zh": "{store}：总分 {score} 低于 --fail-under {limit}"},
    "batch_failures": {"en": "failed audits ({n}):", "zh": "失败的审核（{n} 份）："},
    "kind_input": {"en": "invalid input", "zh": "输入有误"},
    "kind_plugin": {"en": "plugin or module failed", "zh": "插件或模块出错"},
    "kind_output": {"en": "output could not be written", "zh": "无法写入输出"},
    "kind_history": {"en": "report written, but not recorded in the history", "zh": "报告已写入，但未能记入历史库"},
    "kind_error": {"en": "error", "zh": "错误"},
    "kind_unexpected": {"en": "unexpected error", "zh": "意外错误"},
    "kind_timeout": {"en": "stopped at the time limit", "zh": "超时被终止"},
    "timeout_detail": {"en": "stopped after the time limit of {limit} s (--time-limit); its worker was replaced",
                       "zh": "超过时限 {limit} 秒（--time-limit）被终止；其工作进程已替换"},
    "not_regular": {"en": "{path}: skipped, not a regular file (a FIFO, socket or device is never opened)",
                    "zh": "{path}：已跳过，不是普通文件（不会打开管道、套接字或设备文件）"},
    "debug_hint": {"en": "(run with --debug for the traceback)", "zh": "（加 --debug 可查看调用栈）"},
    "interrupted": {"en": "interrupted", "zh": "已中断"},
    "rollup_done": {"en": "roll-up of {stores} store(s) from {results} result(s): mean overall score {mean}",
                    "zh": "汇总 {stores} 家门店（{results} 份结果）：平均总分 {mean}"},
    "rollup_skipped": {"en": "{n} file(s) skipped:", "zh": "跳过 {n} 个文件："},
    "import_head": {"en": "{file}: {what}, {rows} data rows, column names in row {header}",
                    "zh": "{file}：{what}，{rows} 行数据，列名在第 {header} 行"},
    "import_decisions": {"en": "needs a decision ({n}):", "zh": "需要你决定（{n} 处）："},
    "import_decide": {"en": "the mapping is written; settle the {n} decision(s) above (the options named there) and "
                            "run gapaudit import again", "zh": "映射已写入；请按上面所列的选项处理 {n} 处待决定事项，再运行一次 gapaudit import"},
    "import_dry": {"en": "dry run: nothing written", "zh": "试运行：未写入任何内容"},
    "import_exists": {"en": "error: {path} exists and differs: it may be an earlier export the audit needs; "
                            "give the new file another name and import that, or use --force to overwrite it",
                      "zh": "错误：{path} 已存在且内容不同：它可能是审核仍要用的上一次导出；请给新文件另起一个名字再导入，"
                            "或用 --force 覆盖"},
}


def msg(key: str, lang: str | None = None, **fmt: Any) -> str:
    table = MESSAGES[key]
    return table.get(lang or "en", table["en"]).format(**fmt)


def _formats(values: tuple[str, ...], choices: dict[str, str], default: list[str],
             output: Path | None = None) -> list[str]:
    """The ``-f`` formats (repeatable, comma-separated) among ``choices`` (format → file suffix).

    Without ``-f``, an output file's suffix picks the format (``-o store.json``
    writes JSON, not a PDF named store.json); otherwise ``default``.
    """
    from gapaudit.render import extension

    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part not in choices:
                raise click.BadParameter(f"{part!r}; choose from {', '.join(choices)}", param_hint="-f/--format")
            if part not in out:
                out.append(part)
    if output is None or _output_is_folder() or not output.suffix or output.is_dir():
        return out or list(default)
    given = output.suffix.lower()
    extensions = {fmt: extension(suffix) for fmt, suffix in choices.items()}
    if len(out) == 1 and given in extensions.values() and given != extensions[out[0]]:
        click.echo(f"warning: -o {output.name} has another format's suffix; -f {out[0]} writes "
                   f"{output.stem}{choices[out[0]]}", err=True)
    if not out:
        out = [fmt for fmt, ext in extensions.items() if given == ext][:1]
        if not out:
            raise click.BadParameter(f"cannot tell the format from {output.name!r}: name the file "
                                     f"{', '.join(dict.fromkeys(extensions.values()))}, or give -f (for a folder, "
                                     "end it with /)", param_hint="-o/--output")
    return out or list(default)


def _fail(exc: BaseException, debug: bool, lang: str | None = None) -> NoReturn:
    """Print a gapaudit error the way a user needs it and exit with its code."""
    from gapaudit.errors import GapauditError, InputError, OutputError, PluginError

    if debug:
        import traceback

        traceback.print_exception(exc)
    lang = lang or getattr(exc, "lang", None)
    if isinstance(exc, InputError):
        n = len(exc.issues)
        key = "invalid" if exc.what == "audit" else "invalid_" + exc.what
        click.echo(msg(key, lang, file=exc.source or "audit", n=n, s="" if n == 1 else "s"), err=True)
        for issue in exc.issues:
            click.echo("  " + issue.format(lang), err=True)
    elif isinstance(exc, PluginError):
        click.echo(msg("plugin_failed", lang, msg=exc), err=True)
        if not debug:
            click.echo("  (run with --debug for the traceback)", err=True)
    elif isinstance(exc, OutputError):
        click.echo(msg("output_failed", lang, msg=exc), err=True)
    elif isinstance(exc, GapauditError):
        click.echo(f"error: {exc}", err=True)
    sys.exit(getattr(exc, "exit_code", 1))


def _host(plugin: tuple[str, ...]) -> "PluginHost":
    from gapaudit.plugins import PluginHost

    return PluginHost.create(local=plugin)


plugin_option = click.option("--plugin", "plugin", multiple=True, metavar="MODULE_OR_FILE",
                             help="Load a local plugin (a .py file or an importable module); repeatable.")
debug_option = click.option("--debug", is_flag=True, help="Show tracebacks for errors.")


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM raise :class:`gapaudit.errors.Interrupted`, which plugin code cannot pass off as
    its own failure; the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from gapaudit.errors import Interrupted

    def stop(signum: int, _frame: Any) -> None:
        raise Interrupted(signum)

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


class _Group(click.Group):
    """Turns an unexpected exception into one line and exit code 70; ``--debug`` shows the traceback.

    Ctrl-C (or SIGTERM) ends any command with "interrupted" and exit code 130 (143), after the
    temporary files being written are removed.
    """

    def invoke(self, ctx: click.Context) -> Any:
        with _interruptible():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as exc:
            click.echo(msg("interrupted"), err=True)
            sys.exit(getattr(exc, "exit_code", 130))
        except Exception as exc:
            if "--debug" in sys.argv[1:]:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("  this is a bug in gapaudit or one of its plugins; run again with --debug for the "
                       "traceback and report it", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="gapaudit")
def main() -> None:
    """Audit a store's service quality and report where it falls short, why, and what to do first.

    \b
    Quick start:
      gapaudit init my-store --lang en     # scaffold an audit folder
      gapaudit validate my-store/audit.yaml
      gapaudit run my-store/audit.yaml     # → my-store/audit.pdf
    """


def _output_option(ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    """``-o`` as a Path, remembering a trailing slash (which Path drops): ``-o reports/`` is a folder."""
    if value is None:
        return None
    ctx.meta["gapaudit.output_is_folder"] = value.endswith(("/", os.sep))
    return Path(value)


def _check_output_folder(output: Path | None, why: str) -> None:
    """``-o`` must name a folder here: refuse an existing file before any work is done."""
    if output is not None and output.exists() and not output.is_dir():
        raise click.BadParameter(f"{output} is a file, but {why}", param_hint="-o/--output")


def _output_is_folder() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get("gapaudit.output_is_folder"))


@main.command()
@click.argument("audit", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the messages (default: the audit's).")
@plugin_option
@debug_option
def validate(audit: Path, lang: str | None, plugin: tuple[str, ...], debug: bool) -> None:
    """Check an audit file and the evidence files it references, without running modules.

    Every problem is listed at once with its place: file:line:column in the
    YAML, the cell in a table (survey.xlsx[Sheet1]!D6). Exit code 2 when
    there are any.
    """
    from gapaudit.errors import GapauditError
    from gapaudit.load.audit import display_path, load_audit

    try:
        host = _host(plugin)
        loaded = load_audit(audit, host)
    except GapauditError as exc:
        _fail(exc, debug, lang or getattr(exc, "lang", None) or _audit_language(audit))
    lang = lang or loaded.input.audit.language
    click.echo(msg("valid", lang, file=display_path(audit), modules=len(loaded.enabled_modules),
                   ids=", ".join(loaded.enabled_modules) or "-"))
    if loaded.photos:
        kinds = Counter(p.format for p in loaded.photos.values())
        click.echo(msg("photos_checked", lang, n=len(loaded.photos),
                       kinds=", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))))


@main.command()
@click.argument("audits", nargs=-1, required=True, metavar="AUDIT...")
@click.option("-o", "--output", type=click.Path(), callback=_output_option,
              help="Output file, or folder for several formats or several audits (default: next to each audit "
                   "file); a trailing / always means a folder.")
@click.option("-f", "--format", "formats", multiple=True, metavar="FORMAT",
              help="pdf, html, json, md, csv or xlsx (the action register); repeat or comma-separate for several.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Report language (default: the audit's).")
@click.option("--brief", is_flag=True,
              help="The store owner's brief report (at most six pages: summary, top problems, action plan) "
                   "instead of the full one; a chain plugin can make it the default (report.profile).")
@click.option("--template-dir", "template_dirs", multiple=True, metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Report templates searched before the plugins' and the defaults (override any template; "
                   "extend a default with {% extends \"default:NAME\" %}); repeatable.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="SCORE",
              help="Exit with code 1 when the overall score is below SCORE.")
@click.option("--executor", type=click.Choice(["process", "dask"]), default="process", show_default=True,
              help="Several audits: a local process pool, or a Dask distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786); without it --executor dask starts a local cluster.")
@click.option("--workers", type=click.IntRange(1), metavar="N",
              help="Several audits: worker processes (default: one per CPU core).")
@click.option("--history", "history", metavar="URL",
              help="Record results in this history database (a SQLite file path or a SQLAlchemy URL) and show "
                   "the change since each store's previous audit; also set by GAPAUDIT_HISTORY or gapaudit.toml.")
@click.option("--progress/--no-progress", default=None,
              help="Several audits: show a progress bar on stderr (default: when stderr is a terminal).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Prepare the audit's photos afresh and keep none in the cache folder ($GAPAUDIT_CACHE_DIR, else "
                   "$XDG_CACHE_HOME/gapaudit, else ~/.cache/gapaudit; GAPAUDIT_CACHE_DIR=off does the same).")
@click.option("--time-limit", type=click.FloatRange(0), default=None, metavar="SECONDS",
              help="Several audits: stop a store still running after SECONDS, replace its worker and report the "
                   "store as failed (exit code 5); 0 = no limit. [default: 300]")
@click.option("--sign", "sign_key", type=click.Path(path_type=Path, dir_okay=False), metavar="KEY.p12",
              help="Sign every PDF report (PAdES) with the key and certificate in this PKCS#12 file; the passphrase "
                   "comes from GAPAUDIT_SIGN_PASSPHRASE or is asked for, never from the command line. Needs "
                   "pip install 'gapaudit[sign]'.")
@plugin_option
@debug_option
def run(audits: tuple[str, ...], output: Path | None, formats: tuple[str, ...], lang: str | None, brief: bool,
        template_dirs: tuple[Path, ...], fail_under: float | None, executor: str, scheduler: str | None,
        workers: int | None, history: str | None, progress: bool | None, time_limit: float | None,
        no_cache: bool, sign_key: Path | None,
        plugin: tuple[str, ...], debug: bool) -> None:
    """Validate each AUDIT, run every enabled audit module and write its report.

    AUDIT is an audit file; several files, folders (every audit YAML below
    them) or globs run as a batch in parallel, one report per store, into the
    -o folder. A bad audit does not stop a batch: the failures are listed at
    the end.

    Exit codes: 0 success, 1 score below --fail-under, 2 invalid input,
    3 a plugin or module failed, 4 output could not be written, 5 a store was
    stopped at the time limit (batch), 70 an unexpected error, 130 interrupted
    (Ctrl-C). A batch exits with the highest code among its stores.
    """
    from gapaudit.errors import GapauditError
    from gapaudit.chain.history import resolve_url

    try:
        history_url = resolve_url(history)
    except GapauditError as exc:
        _fail(exc, debug, lang)
    from gapaudit.render import DEFAULT_FORMAT, FORMATS

    single = _is_single(audits)
    formats = tuple(_formats(formats, {fmt: spec[2] for fmt, spec in FORMATS.items()}, [DEFAULT_FORMAT],
                             output if single else None))
    key = _sign_key(sign_key, formats, executor, debug, lang)
    _startup_warnings(formats, single)
    profile = "brief" if brief else None
    if single:
        _run_single(Path(audits[0]), output, formats, lang, fail_under, plugin, debug, history_url, template_dirs,
                    profile, key, not no_cache)
    else:
        _run_batch(audits, output, formats, lang, fail_under, plugin, debug, history_url, executor, scheduler,
                   workers, progress, template_dirs, profile, key, time_limit, not no_cache)


def _sign_key(path: Path | None, formats: tuple[str, ...], executor: str, debug: bool,
              lang: str | None) -> Any:
    """``--sign``: the key with its passphrase, opened once now so a wrong passphrase fails before any work."""
    if path is None:
        return None
    if "pdf" not in formats:
        raise click.BadParameter("only PDF reports are signed: add -f pdf", param_hint="--sign")
    if executor == "dask":
        raise click.BadParameter("signing runs on this machine's workers only: use --executor process",
                                 param_hint="--sign")
    from gapaudit.errors import GapauditError
    from gapaudit.seal import PASSPHRASE_ENV, SignKey, read_passphrase

    def ask() -> str:
        if not sys.stdin.isatty():
            raise click.UsageError(f"--sign: set {PASSPHRASE_ENV} to the key's passphrase (no terminal to ask on)")
        return click.prompt(f"Passphrase of {path}", hide_input=True, default="", show_default=False, err=True)

    key = SignKey(path, read_passphrase(ask))
    try:
        key.signer()
    except GapauditError as exc:
        _fail(exc, debug, lang)
    return key


def _startup_warnings(formats: tuple[str, ...], single: bool = False) -> None:
    """For PDF runs: warn about a system that gives slow or large PDFs, and start the slow parts early
    (the font query, and for one audit the WeasyPrint import in a helper process)."""
    if "pdf" not in formats:
        return
    from gapaudit.render import fonts, worker

    if single:
        worker.start()
    fonts.prefetch()
    for warning in fonts.startup_warnings(formats):
        click.echo(f"warning: {warning}", err=True)


def _is_single(audits: tuple[str, ...]) -> bool:
    """One audit file (existing or not), as opposed to several, a folder or a glob."""
    if len(audits) != 1:
        return False
    path = Path(audits[0])
    if path.is_dir():
        return False
    return path.exists() or not any(c in audits[0] for c in "*?[")


def _run_single(audit: Path, output: Path | None, formats: tuple[str, ...], lang: str | None,
                fail_under: float | None, plugin: tuple[str, ...], debug: bool, history_url: str | None,
                template_dirs: tuple[Path, ...] = (), profile: str | None = None,
                sign: Any = None, photo_cache: bool = True) -> None:
    """One audit file, as ``gapaudit run`` always did; recorded in the history when one is set."""
    from gapaudit.errors import GapauditError
    from gapaudit.load.audit import display_path
    from gapaudit.runner import RunOptions, run_one

    if len(formats) > 1 or _output_is_folder():
        _check_output_folder(output, "several formats need a folder" if len(formats) > 1
                             else "a trailing / asks for a folder")
    options = RunOptions(formats=formats, output=output, lang=lang, template_dirs=template_dirs,
                         many=_output_is_folder(), profile=profile, sign=sign, photo_cache=photo_cache)
    msg_lang = lang
    history_error: GapauditError | None = None
    recorder = plugin_ = None
    try:
        host = _host(plugin)
        if history_url:
            from gapaudit.chain.history import History, HistoryError, attach, take_error

            try:  # a history that cannot be opened, read or written never costs the report
                recorder = History(history_url)
                plugin_ = attach(host, recorder)
            except HistoryError as exc:
                history_error = exc
        outcome = run_one(audit, options, host)
        if recorder is not None:
            history_error = take_error(plugin_)
            if history_error is None:
                try:
                    recorder.record(outcome.result)
                except HistoryError as exc:
                    history_error = exc
    except GapauditError as exc:
        _fail(exc, debug, msg_lang or getattr(exc, "lang", None) or _audit_language(audit))
    finally:
        if recorder is not None:
            recorder.close()
    result = outcome.result
    msg_lang = lang or result.audit.get("language")
    for en, zh in outcome.warnings:
        click.echo(msg("warning", msg_lang, msg=zh if msg_lang == "zh" else en), err=True)
    for path in outcome.written:
        click.echo(msg("wrote", msg_lang, path=display_path(path)), err=True)
    store = result.store.get("name", "")
    if result.overall.score is None:
        click.echo(msg("no_score", msg_lang, store=store))
    else:
        click.echo(msg("score", msg_lang, store=store, score=f"{result.overall.score:.1f}",
                       grade=result.overall.grade))
    if history_error is not None:
        click.echo(f"{msg('kind_history', msg_lang)}: {history_error}", err=True)
        sys.exit(EXIT_OUTPUT)
    if fail_under is not None and (result.overall.score is None or result.overall.score < fail_under):
        click.echo(msg("below", msg_lang, score=result.overall.score, limit=fail_under), err=True)
        sys.exit(EXIT_BELOW)


def _run_batch(audits: tuple[str, ...], output: Path | None, formats: tuple[str, ...], lang: str | None,
               fail_under: float | None, plugin: tuple[str, ...], debug: bool, history_url: str | None,
               executor: str, scheduler: str | None, workers: int | None, progress: bool | None,
               template_dirs: tuple[Path, ...] = (), profile: str | None = None, sign: Any = None,
               time_limit: float | None = None, photo_cache: bool = True) -> None:
    """Several audits in parallel: one report each, failures listed at the end (see gapaudit.chain.batch)."""
    from gapaudit.chain.batch import DEFAULT_TIME_LIMIT, BatchOptions, expand_sources, run_batch
    from gapaudit.errors import GapauditError
    from gapaudit.load.audit import display_path
    from gapaudit.runner import RunOptions

    if scheduler and executor != "dask":
        raise click.BadParameter("--scheduler needs --executor dask", param_hint="--scheduler")
    _check_output_folder(output, "several audits need a folder")
    options = BatchOptions(run=RunOptions(formats=formats, output=output, lang=lang, many=True,
                                          template_dirs=template_dirs, profile=profile, sign=sign,
                                          photo_cache=photo_cache),
                           plugins=plugin, history=history_url, fail_under=fail_under)
    show = sys.stderr.isatty() if progress is None else progress
    limit = DEFAULT_TIME_LIMIT if time_limit is None else (time_limit or None)
    skipped: list[Path] = []
    try:
        sources = expand_sources(audits, skipped)
        for path in skipped:
            click.echo(msg("not_regular", lang, path=display_path(path)), err=True)
        report = run_batch(sources, options, executor=executor, workers=workers, scheduler=scheduler,
                           progress=show, time_limit=limit, debug=debug)
    except GapauditError as exc:
        _fail(exc, debug, lang)
    except KeyboardInterrupt as exc:
        click.echo(msg("interrupted", lang), err=True)
        sys.exit(getattr(exc, "exit_code", 130))
    failed = len(report.failures)
    for item in report.warned:
        for line in item.warnings:
            click.echo(msg("warning", lang, msg=f"{display_path(Path(item.source))}: {line}"), err=True)
    click.echo(msg("batch_done", lang, n=report.total, ok=report.succeeded, failed=failed,
                   seconds=f"{report.seconds:.1f}", workers=report.workers, executor=report.executor), err=True)
    for item in report.below:
        score = "-" if item.score is None else f"{item.score:.1f}"
        click.echo(msg("batch_below", lang, store=item.label, score=score, limit=fail_under), err=True)
    if failed:
        click.echo(msg("batch_failures", lang, n=failed), err=True)
        for item in report.failures:
            click.echo(f"  {display_path(Path(item.source))}: {msg('kind_' + (item.kind or 'unexpected'), lang)}",
                       err=True)
            messages = item.messages
            if item.kind == "timeout":
                messages = [msg("timeout_detail", lang, limit=f"{item.seconds:g}")]
            for line in messages[:20]:
                click.echo("      " + line.rstrip().replace("\n", "\n      "), err=True)
            if len(messages) > 20:
                click.echo(f"      ... (+{len(messages) - 20})", err=True)
            if item.trace and debug:
                click.echo("      " + "".join(item.trace).rstrip().replace("\n", "\n      "), err=True)
        if not debug and any(item.trace for item in report.failures):
            click.echo("  " + msg("debug_hint", lang), err=True)
    sys.exit(report.exit_code)


@main.command()
@click.argument("results", nargs=-1, required=True, metavar="RESULT...")
@click.option("-o", "--output", type=click.Path(), callback=_output_option,
              help="Output file, or folder for several formats (default: rollup.<ext> in the working directory); "
                   "a trailing / always means a folder.")
@click.option("-f", "--format", "formats", multiple=True, metavar="FORMAT",
              help="pdf, html, json (the roll-up data), xlsx (a workbook: ranking, heat map, actions, standards, "
                   "regions, trends) or csv (the full ranking); repeat or comma-separate (default: pdf and html).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Report language (default: the results' usual one).")
@click.option("--title", help="Title on the cover (default: the chain's name).")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Stores in each top and bottom list.")
@click.option("--history", "history", metavar="URL",
              help="History database for the quarter trends and the change since each store's previous audit "
                   "(also set by GAPAUDIT_HISTORY or gapaudit.toml).")
@click.option("--template-dir", "template_dirs", multiple=True, metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Templates searched before the plugins' and the defaults; repeatable.")
@click.option("--require-signature", is_flag=True,
              help="Roll up only signed PDF reports that verify (intact, whole file signed, the result they carry "
                   "is the signed one); every other file is listed as skipped. Needs gapaudit[sign].")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="CERT", help="With --require-signature: signers must chain to one of these certificates "
                                   "(PEM or DER); repeatable.")
@plugin_option
@debug_option
def rollup(results: tuple[str, ...], output: Path | None, formats: tuple[str, ...], lang: str | None,
           title: str | None, top: int, history: str | None, template_dirs: tuple[Path, ...],
           require_signature: bool, trust: tuple[Path, ...], plugin: tuple[str, ...], debug: bool) -> None:
    """Combine many stores' results into one chain report for headquarters.

    RESULT is a result JSON file (from gapaudit run -f json), a PDF report
    (gapaudit run -f pdf: it carries its result), a folder (every result and
    report below it; a PDF with its JSON beside it is read once) or a glob;
    audits are not re-run. The report ranks the
    stores, shows score distributions, a heat map of the weakest stores, the
    standards most often below target, recurring actions, regions, and the
    trend by quarter.

    Exit codes: 0 written, 2 no readable result (each file says why), or some files were skipped
    (listed; the report is still written), 4 output could not be written.
    """
    from gapaudit.chain import rollup as chain
    from gapaudit.errors import GapauditError
    from gapaudit.chain.history import History, resolve_url
    from gapaudit.load.audit import display_path
    from gapaudit.render.output import commit

    fmts = _formats(formats, chain.FORMATS, ["pdf", "html"], output)
    if "pdf" in fmts:
        _startup_warnings(("pdf",))
    recorder = None
    try:
        url = resolve_url(history)
        host = _host(plugin)
        recorder = History(url) if url else None
        paths, refused = chain.expand_results(results), []
        if trust and not require_signature:
            raise click.BadParameter("--trust is for --require-signature", param_hint="--trust")
        if require_signature:
            from gapaudit.seal import load_certificates

            paths, refused = chain.only_verified(paths, load_certificates(trust))
        data = chain.build(paths, history=recorder, lang=lang, title=title, options=chain.RollupOptions(top=top),
                           refused=refused)
        outputs = [(chain.output_path(fmt, output, len(fmts) > 1 or _output_is_folder()),
                    chain.render(data, fmt, host=host, template_dirs=template_dirs, lang=lang)) for fmt in fmts]
        commit(outputs)
    except GapauditError as exc:
        _fail(exc, debug, lang)
    finally:
        if recorder is not None:
            recorder.close()
    out_lang = data["lang"]
    for target, _ in outputs:
        click.echo(msg("wrote", out_lang, path=display_path(target)), err=True)
    counts = data["counts"]
    click.echo(msg("rollup_done", out_lang, stores=counts["stores"], results=counts["results"],
                   mean="-" if data["overall"]["mean"] is None else f"{data['overall']['mean']:.1f}"))
    if data["skipped"]:
        click.echo(msg("rollup_skipped", out_lang, n=len(data["skipped"])), err=True)
        for item in data["skipped"]:
            click.echo(f"  {item['file']}: {chain.skip_reason(item['reason'], out_lang)}", err=True)
        sys.exit(EXIT_INPUT)


IMPORT_KINDS = ("survey", "questionnaire", "survey_summary", "management", "standards", "observations", "promises",
                "promise_checks", "complaints", "complaint_handling", "errors", "lost_customers")


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left.strip():
            raise click.BadParameter(f"{value!r}: write COLUMN=FIELD", param_hint=option)
        out[left.strip()] = right.strip()
    return out


def _value_maps(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for value in values:
        fieldname, sep, rest = value.partition(":")
        raw, sep2, mapped = rest.partition("=")
        if not sep or not sep2 or not fieldname.strip():
            raise click.BadParameter(f"{value!r}: write FIELD:VALUE=MEANING, e.g. severity:高=high",
                                     param_hint="--value")
        out.setdefault(fieldname.strip(), {})[raw.strip()] = mapped.strip()
    return out


@main.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS + ("complaint-handling", "promise-checks", "lost-customers",
                                                         "survey-summary", "visits", "checklist")),
                metavar="KIND")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--audit", "audit", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The audit YAML to write the mapping into.")
@click.option("--sheet", help="Workbook sheet (default: the first).")
@click.option("--header-row", type=click.IntRange(1, 1000), help="Row of the column names (default: found under "
                                                                  "title rows).")
@click.option("--encoding", help="CSV encoding (default: detected).")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=TARGET",
              help="Settle a column: a field (complaints: severity) or a survey target (P_TAN1); repeatable.")
@click.option("--ignore", "ignores", multiple=True, metavar="COLUMN", help="Leave a column out (name or pattern "
                                                                          "with * ?); repeatable.")
@click.option("--missing", "missing", multiple=True, metavar="CODE",
              help="An answer that means 'not answered' (e.g. '(跳过)', -99); repeatable.")
@click.option("--value", "value_maps", multiple=True, metavar="FIELD:VALUE=MEANING",
              help="Map a value, e.g. severity:紧急=high; repeatable.")
@click.option("--date-format", help="DMY, MDY, excel or a strftime pattern, when dates are not year first.")
@click.option("--role-order", help="Survey questions asked in blocks: the roles in column order, e.g. "
                                   "expectation,perception.")
@click.option("--dry-run", is_flag=True, help="Show the match table; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite a different file of the same name in the audit folder, or "
                                           "replace rows typed into the audit where the mapping goes.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the messages (default: the audit's).")
@debug_option
def import_cmd(kind: str, file: Path, audit: Path, sheet: str | None, header_row: int | None,
               encoding: str | None, maps: tuple[str, ...], ignores: tuple[str, ...], missing: tuple[str, ...],
               value_maps: tuple[str, ...], date_format: str | None, role_order: str | None, dry_run: bool,
               force: bool, lang: str | None, debug: bool) -> None:
    """Bring an export as it arrived (survey tool, Excel checklist, CRM log) into the AUDIT.

    \b
    KIND is one of: survey, questionnaire, survey_summary, management,
    standards, observations, promises, promise_checks, complaints,
    complaint_handling, errors, lost_customers.

    Reads FILE (CSV in any common encoding, XLSX/XLS/ODS), finds the header
    under title rows, matches its columns to what the audit needs and
    writes the reading options into the audit's evidence block (comments
    kept), then prints what each column became and what needs a decision.
    A file outside the audit folder is copied into it. Run it again on the
    next export of the same survey: the saved mapping is reused.

    Exit codes: 0 mapped and valid, 2 decisions needed or the audit does not
    validate (each listed with the option that settles it).
    """
    from gapaudit.errors import GapauditError
    from gapaudit.load import intake
    from gapaudit.load.audit import display_path, load_audit

    roles = [r.strip() for r in role_order.split(",")] if role_order else None
    if roles and any(r not in ("expectation", "perception", "importance") for r in roles):
        raise click.BadParameter("use expectation, perception and importance", param_hint="--role-order")
    out_lang = lang or _audit_language(audit)
    try:
        proposal = intake.propose(kind, file, audit, sheet=sheet, header_row=header_row, encoding=encoding,
                                  renames=_pairs(maps, "--map"), ignore=list(ignores), missing=list(missing),
                                  values=_value_maps(value_maps), date_format=date_format, role_order=roles,
                                  lang=out_lang)
    except GapauditError as exc:
        _fail(_import_failed(exc, file), debug, lang or getattr(exc, "lang", None) or out_lang)
    _print_proposal(proposal, out_lang)
    if dry_run:
        clash = None if force else intake.clashes(proposal, file, audit)
        if clash is not None:
            click.echo(msg("import_exists", out_lang, path=clash), err=True)
        click.echo(msg("import_dry", out_lang), err=True)
        sys.exit(EXIT_OUTPUT if clash else EXIT_INPUT if proposal.decisions else EXIT_OK)
    try:
        done = intake.write(proposal, file, audit, force=force)
    except FileExistsError as exc:
        click.echo(msg("import_exists", out_lang, path=exc), err=True)
        sys.exit(EXIT_OUTPUT)
    except GapauditError as exc:
        _fail(_import_failed(exc, file), debug, out_lang)
    for en, zh in done:
        click.echo(zh if out_lang == "zh" else en, err=True)
    if proposal.decisions:
        click.echo(msg("import_decide", out_lang, n=len(proposal.decisions)), err=True)
        sys.exit(EXIT_INPUT)
    try:
        host = _host(())
        loaded = load_audit(audit, host)
    except GapauditError as exc:
        _fail(exc, debug, out_lang)
    click.echo(msg("valid", out_lang, file=display_path(audit), modules=len(loaded.enabled_modules),
                   ids=", ".join(loaded.enabled_modules) or "-"))


def _import_failed(exc: Exception, file: Path) -> Exception:
    """An input error met while importing is headed "FILE: cannot import", not "invalid audit"."""
    from gapaudit.errors import InputError

    if isinstance(exc, InputError) and exc.what == "audit":
        exc.what = "import"
        exc.source = str(file)
    return exc


def _audit_language(audit: Path) -> str | None:
    """The audit's report language, read cheaply for messages (None when the file cannot say)."""
    import re

    try:
        head = audit.read_bytes()[:20000].decode("utf-8", "replace")
    except OSError:
        return None
    found = re.search(r"^\s*language:\s*['\"]?(zh|en)\b", head, re.MULTILINE) or \
        re.search(r"language:\s*['\"]?(zh|en)\b", head)
    return found.group(1) if found else None


def _print_proposal(proposal: Any, lang: str | None) -> None:
    """The match table: each column, what it became and why; then notes and the decisions left."""
    import unicodedata

    zh = lang == "zh"

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    def cut(text: str, limit: int) -> str:
        out, used = "", 0
        for c in text:
            w = 2 if unicodedata.east_asian_width(c) in "WF" else 1
            if used + w > limit - 1:
                return out + "…"
            out, used = out + c, used + w
        return out

    def pad(text: str, limit: int) -> str:  # a cut text still leaves a space before the next column
        text = cut(text, limit - 1)
        return text + " " * max(1, limit - width(text))

    from gapaudit.errors import column_letter

    sheet = proposal.sheet
    kind = proposal.kind
    what = kind.zh if zh else kind.en
    click.echo(msg("import_head", lang, file=sheet.display, what=what, rows=proposal.rows,
                   header=sheet.options.header_row))
    names = [r.name for r in proposal.table]
    col_w = min(48, max([width(n) for n in names] + [8]) + 2)
    becomes_w = min(36, max([width(r.becomes) for r in proposal.table] + [8]) + 2)
    head = ("列", "对应为", "依据") if zh else ("column", "becomes", "why")
    click.echo("     " + pad(head[0], col_w) + pad(head[1], becomes_w) + head[2])
    for row in proposal.table:
        click.echo(f"  {column_letter(row.index):>2} " + pad(row.name, col_w) + pad(row.becomes, becomes_w) + row.why)
    for en, zh_text in proposal.notes:
        click.echo("  · " + (zh_text if zh else en))
    if proposal.decisions:
        click.echo(msg("import_decisions", lang, n=len(proposal.decisions)))
        for en, zh_text in proposal.decisions:
            click.echo("  - " + (zh_text if zh else en))
VERIFY_TEXT = {
    "verified": {"en": "verified", "zh": "验证通过"},
    "sep": {"en": "; ", "zh": "；"},
    "not_signed": {"en": "NOT SIGNED", "zh": "未签名"},
    "altered": {"en": "ALTERED", "zh": "已被改动"},
    "failed": {"en": "NOT VERIFIED", "zh": "未通过验证"},
    "unreadable": {"en": "UNREADABLE", "zh": "无法读取"},
    "signed_by": {"en": "signed by {who}", "zh": "签名人：{who}"},
    "on": {"en": " on {when}", "zh": "，时间 {when}"},
    "intact": {"en": "intact, nothing changed since signing", "zh": "签名后未被改动"},
    "result_ok": {"en": "embedded result is the signed one", "zh": "内嵌结果即为签名时的结果"},
    "no_result": {"en": "carries no result", "zh": "未内嵌结果"},
    "trusted": {"en": "signer trusted", "zh": "签名人可信"},
    "unchecked": {"en": "signer not checked (give --trust CERT)", "zh": "未核验签名人（请用 --trust 指定证书）"},
    "summary": {"en": "{n} file(s): {ok} verified, {bad} not verified",
                "zh": "共 {n} 个文件：{ok} 个通过验证，{bad} 个未通过"},
}


def _vt(key: str, lang: str, **fmt: Any) -> str:
    return VERIFY_TEXT[key].get(lang, VERIFY_TEXT[key]["en"]).format(**fmt)


def _pdf_files(args: tuple[str, ...]) -> list[Path]:
    """PDF files from files, folders (every ``*.pdf`` below) and globs, in the order given."""
    import glob

    out: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.pdf") if not any(part.startswith(".") for part in p.parts)))
        elif not path.exists() and any(c in arg for c in "*?["):
            out.extend(Path(p) for p in sorted(glob.glob(arg, recursive=True)) if p.lower().endswith(".pdf"))
        else:
            out.append(path)
    return list(dict.fromkeys(out))


@main.command()
@click.argument("reports", nargs=-1, required=True, metavar="REPORT.pdf...")
@click.option("--require-signature", is_flag=True,
              help="Fail (exit 1) for any file that is not signed, as well as for altered ones.")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="CERT", help="A trusted certificate (PEM or DER: the chain's CA, or a store's own); the signer "
                                   "must chain to one of them. Repeatable.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True, help="Message language.")
@debug_option
def verify(reports: tuple[str, ...], require_signature: bool, trust: tuple[Path, ...], lang: str,
           debug: bool) -> None:
    """Check the signature of each PDF report: who signed it, whether it is intact, and whether the result it
    carries is the one that was signed.

    REPORT is a PDF file, a folder (every PDF below it) or a glob. Exit codes: 0 every file verified (or, without
    --require-signature, unsigned); 1 a file altered, not verified, or unsigned with --require-signature; 2 a
    file missing or not readable; needs pip install 'gapaudit[sign]'.
    """
    from gapaudit.errors import GapauditError
    from gapaudit.load.audit import display_path
    from gapaudit.seal import load_certificates, verify_pdf

    try:
        certs = load_certificates(trust)
        files = _pdf_files(reports)
        outcomes: list[int] = []
        verified = 0
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                click.echo(f"{display_path(path)}: {_vt('unreadable', lang)} — {exc.strerror or exc}")
                outcomes.append(2)
                continue
            checked = verify_pdf(data, display_path(path), certs)
            verified += checked.verified
            outcomes.append(_report_verification(checked, lang, require_signature))
    except GapauditError as exc:
        _fail(exc, debug, lang)
    if len(files) > 1:
        click.echo(_vt("summary", lang, n=len(files), ok=verified, bad=len(files) - verified), err=True)
    sys.exit(max(outcomes, default=EXIT_OK))


def _report_verification(v: Any, lang: str, require_signature: bool) -> int:
    """Print one file's verification; its exit code (0 fine, 1 failed, 2 unreadable)."""
    if not v.readable:
        click.echo(f"{v.file}: {_vt('unreadable', lang)} — {'; '.join(v.problems)}")
        return 2
    if not v.signed:
        click.echo(f"{v.file}: {_vt('not_signed', lang)}")
        return 1 if require_signature else 0
    details = [_vt("signed_by", lang, who=v.signer or "?") + (_vt("on", lang, when=v.signed_at) if v.signed_at else "")]
    if v.verified:
        details += [_vt("intact", lang),
                    _vt("result_ok", lang) if v.result_consistent else _vt("no_result", lang),
                    _vt("trusted", lang) if v.trusted else _vt("unchecked", lang)]
        click.echo(f"{v.file}: {_vt('verified', lang)} — " + _vt("sep", lang).join(details))
        return 0
    status = _vt("altered", lang) if v.altered else _vt("failed", lang)
    from gapaudit.seal import problem_text

    problems = [problem_text(p, lang) for p in v.problems]
    click.echo(f"{v.file}: {status} — " + _vt("sep", lang).join(details + problems))
    return 1


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Language of the template's comments and of the report.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--workbook", is_flag=True,
              help="Evidence tables as the sheets of one Excel workbook (audit.xlsx, with drop-downs) instead of CSV files.")
def init(directory: Path, lang: str, force: bool, workbook: bool) -> None:
    """Create a new audit folder: a commented audit.yaml and CSV templates (or a workbook) with the right headers."""
    import json

    from gapaudit.errors import GapauditError
    from gapaudit.render.output import write_atomic
    from gapaudit.scaffold import scaffold
    from gapaudit.schema import audit_json_schema

    try:
        written = scaffold(directory, lang, force=force, workbook=workbook)
        schema_path = directory / "gapaudit.schema.json"
        schema_data = audit_json_schema(_host(()), {"store": {}})  # a new audit: plugins scoped to chains stay out
        write_atomic(schema_path, json.dumps(schema_data, indent=2, ensure_ascii=False).encode())
        written.append(schema_path)
    except FileExistsError as exc:
        click.echo(f"error: {exc} exists (use --force to overwrite)", err=True)
        sys.exit(EXIT_OUTPUT)
    except GapauditError as exc:
        _fail(exc, False, lang)
    for path in written:
        click.echo(msg("wrote", lang, path=path))


@main.command()
@click.option("--for", "for_audit", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="AUDIT",
              help="Only the modules of plugins that apply to this audit file (its chain, store type, opt-ins).")
@click.option("--chain", help="Only the modules of plugins that apply to stores of this chain (store.chain).")
@click.option("--store-type", help="Only the modules of plugins that apply to this store type (store.type).")
@plugin_option
def schema(for_audit: Path | None, chain: str | None, store_type: str | None, plugin: tuple[str, ...]) -> None:
    """Print the JSON Schema of audit files (for editor completion and checking).

    Without --for, --chain or --store-type, every installed module's block is offered.
    """
    import json

    from gapaudit.errors import GapauditError
    from gapaudit.schema import audit_json_schema

    try:
        host = _host(plugin)
        audit = _scope_probe(for_audit, chain, store_type)
    except GapauditError as exc:
        _fail(exc, False)
    click.echo(json.dumps(audit_json_schema(host, audit), indent=2, ensure_ascii=False))


def _scope_probe(audit_file: Path | None, chain: str | None, store_type: str | None) -> dict[str, Any] | None:
    """The audit data plugin scopes are tested against: the file's, with --chain / --store-type laid over it."""
    if audit_file is None and chain is None and store_type is None:
        return None
    data: dict[str, Any] = {}
    if audit_file is not None:
        from gapaudit.load.audit import display_path, read_audit_text
        from gapaudit.load.yamlpos import load_yaml

        data, _ = load_yaml(read_audit_text(audit_file), display_path(audit_file))
        data = data if isinstance(data, dict) else {}
    store = dict(data.get("store") or {}) if isinstance(data.get("store"), dict) else {}
    if chain is not None:
        store["chain"] = chain
    if store_type is not None:
        store["type"] = store_type
    return {**data, "store": store}


@main.command("plugins")
@plugin_option
@debug_option
def plugins_cmd(plugin: tuple[str, ...], debug: bool) -> None:
    """List registered plugins: name, version, source, audit modules and hooks."""
    from gapaudit.errors import GapauditError

    try:
        host = _host(plugin)
        records = host.describe()
        modules = host.modules()
    except GapauditError as exc:
        _fail(exc, debug)
    scopes = host.scopes()
    for rec in records:
        click.echo(f"{rec.name} {rec.version}  [{rec.source}]")
        if rec.name in scopes:
            click.echo(f"    applies to: {scopes[rec.name].describe()}")
        for mid in rec.modules:
            cls = modules[mid]
            click.echo(f"    module {mid} v{cls.version} (order {cls.order}): {cls.localized_title('en')}")
        if rec.hooks:
            click.echo(f"    hooks: {', '.join(rec.hooks)}")
    if os.environ.get("GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD"):
        click.echo("(installed plugins not loaded: GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD is set)")


# --- history: list, compare, delete, add ------------------------------------------------------------

history_option = click.option("--history", "history_url", metavar="URL",
                              help="The history database (a SQLite file path or a SQLAlchemy URL); default: "
                                   "GAPAUDIT_HISTORY, then [history] url in gapaudit.toml.")


def _records(url_option: str | None, debug: bool) -> Any:
    """The history's records, from the same URL rules as run --history; a clear error when none is set."""
    from gapaudit.chain.history import History, Records, resolve_url
    from gapaudit.errors import GapauditError

    try:
        url = resolve_url(url_option)
        if url is None:
            raise click.UsageError("no history database: give --history URL, set GAPAUDIT_HISTORY, or put "
                                   "[history] url = \"…\" in gapaudit.toml")
        return Records(History(url))
    except GapauditError as exc:
        _fail(exc, debug)


@main.group("history")
def history_group() -> None:
    """The audit history database: list, compare and delete recorded audits, or record reports.

    Every command reads the same database as run --history: --history URL, else GAPAUDIT_HISTORY, else
    [history] url in gapaudit.toml.
    """


@history_group.command("list")
@history_option
@click.option("--store", help="Only this store id.")
@click.option("--chain", help="Only this chain (store.chain as recorded).")
@click.option("--region", help="Only this region.")
@click.option("--quarter", metavar="YYYY-Qn", help="Only this quarter, e.g. 2026-Q3.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE", help="Audits on or after DATE.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE", help="Audits on or before DATE.")
@click.option("--limit", type=click.IntRange(1), metavar="N", help="At most N rows.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True, help="A table for the terminal, CSV or JSON.")
@debug_option
def history_list(history_url: str | None, store: str | None, chain: str | None, region: str | None,
                 quarter: str | None, since: Any, until: Any, limit: int | None, fmt: str, debug: bool) -> None:
    """List recorded audits: store, audit, date, quarter, overall score and grade."""
    import csv
    import io
    import json

    from gapaudit.errors import GapauditError

    records = _records(history_url, debug)
    try:
        rows = records.list(store=store, chain=chain, region=region, quarter=quarter,
                            since=since.date() if since else None, until=until.date() if until else None,
                            limit=limit)
    except GapauditError as exc:
        _fail(exc, debug)
    finally:
        records.history.close()
    columns = ["store_id", "store_name", "region", "chain", "audit_id", "date", "quarter", "score", "grade",
               "recorded_at"]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        click.echo("no recorded audits match", err=True)
        return
    shown = ["store_id", "store_name", "audit_id", "date", "quarter", "score", "grade", "region"]
    cells = [[("-" if r[c] is None else f"{r[c]:.1f}" if c == "score" else str(r[c])) for c in shown] for r in rows]
    widths = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(shown)]
    for line in [shown, *cells]:
        click.echo("  ".join(_pad(v, w) for v, w in zip(line, widths)).rstrip())
    click.echo(f"{len(rows)} audit(s) of {len({r['store_id'] for r in rows})} store(s)", err=True)


def _width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    from gapaudit.chain.compare_view import char_width

    return sum(char_width(ch) for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@history_group.command("compare")
@click.argument("store")
@click.argument("audit_a")
@click.argument("audit_b")
@history_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the view to this file (.html, .pdf, .json or .txt); default: text in the terminal.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "html", "pdf"]),
              help="Output format (default: from -o's suffix, else text).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: the later audit's).")
@plugin_option
@debug_option
def history_compare(store: str, audit_a: str, audit_b: str, history_url: str | None, output: Path | None,
                    fmt: str | None, lang: str | None, plugin: tuple[str, ...], debug: bool) -> None:
    """Compare two recorded audits of STORE: the change from AUDIT_A to AUDIT_B.

    The same view as a store report's "change since the last audit": score and measure changes (each measure
    judged beyond or within the noise of the two measurements by the stated rule), findings new, resolved and
    still open (most serious first), actions carried over.
    """
    from gapaudit.chain import compare_view
    from gapaudit.errors import GapauditError
    from gapaudit.render.output import write_atomic

    records = _records(history_url, debug)
    try:
        digests = [records.get(store, a) for a in (audit_a, audit_b)]
        if None in digests:
            missing = [a for a, d in zip((audit_a, audit_b), digests) if d is None]
            known = records.audits_of(store)
            hint = f"; recorded for {store}: {', '.join(known)}" if known else f"; no audit of store {store} is recorded"
            raise click.UsageError(f"no recorded audit {' or '.join(map(repr, missing))} of store {store!r}{hint}")
        change = compare_view.comparison(digests[0], digests[1])
        lang = lang or digests[1]["audit"].get("language") or "en"
        if fmt is None:
            suffix = output.suffix.lower() if output else ""
            fmt = next((f for f, ext in compare_view.FORMATS.items() if ext == suffix), "text")
        if fmt == "pdf":
            _startup_warnings(("pdf",))
        body = compare_view.render(change, fmt, lang, _host(plugin) if fmt in ("html", "pdf") else None)
        target = compare_view.output_path(fmt, output, store, audit_a, audit_b)
        if target is None:
            click.echo(body.decode("utf-8"), nl=False)
        else:
            write_atomic(target, body)
            click.echo(msg("wrote", lang, path=target), err=True)
    except GapauditError as exc:
        _fail(exc, debug, lang)
    finally:
        records.history.close()


@history_group.command("delete")
@click.argument("store")
@click.argument("audit")
@history_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@debug_option
def history_delete(store: str, audit: str, history_url: str | None, yes: bool, debug: bool) -> None:
    """Delete one recorded audit (AUDIT of STORE), e.g. one recorded by mistake; asks first."""
    from gapaudit.errors import GapauditError

    records = _records(history_url, debug)
    try:
        found = records.list(store=store)
        row = next((r for r in found if r["audit_id"] == audit), None)
        if row is None:
            known = ", ".join(r["audit_id"] for r in found) or "none"
            click.echo(f"error: no recorded audit {audit!r} of store {store!r} (recorded for it: {known})", err=True)
            sys.exit(EXIT_INPUT)
        score = "-" if row["score"] is None else f"{row['score']:.1f}"
        click.echo(f"{row['store_id']} {row['store_name'] or ''}: audit {row['audit_id']} of {row['date']}, "
                   f"overall {score} ({row['grade'] or '-'}), recorded {row['recorded_at']}", err=True)
        if not yes:
            if not sys.stdin.isatty():
                raise click.UsageError("refusing to delete without confirmation: run in a terminal or give --yes")
            click.confirm("Delete this audit from the history?", abort=True, err=True)
        records.delete(store, audit)
    except GapauditError as exc:
        _fail(exc, debug)
    finally:
        records.history.close()
    click.echo(f"deleted audit {audit} of store {store}", err=True)


@history_group.command("add")
@click.argument("results", nargs=-1, required=True, metavar="RESULT...")
@history_option
@debug_option
def history_add(results: tuple[str, ...], history_url: str | None, debug: bool) -> None:
    """Record results in the history: result JSON files or PDF reports (they carry their result), folders or
    globs, as headquarters receives them. Recording the same store and audit again replaces it."""
    from gapaudit.chain import rollup as chain
    from gapaudit.errors import GapauditError

    records = _records(history_url, debug)
    skipped = recorded = 0
    try:
        for path in chain.expand_results(results):
            data, problem = chain.read_full_result(path)
            if problem:
                click.echo(f"  {path}: skipped: {problem}", err=True)
                skipped += 1
                continue
            records.history.record(data)
            recorded += 1
    except GapauditError as exc:
        _fail(exc, debug)
    finally:
        records.history.close()
    click.echo(f"recorded {recorded} result(s)" + (f", skipped {skipped}" if skipped else ""), err=True)
    sys.exit(EXIT_INPUT if skipped else EXIT_OK)


@main.group("plugin")
def plugin_group() -> None:
    """Tools for plugin authors."""


@plugin_group.command("new")
@click.argument("name")
@click.option("-d", "--directory", type=click.Path(path_type=Path, file_okay=False),
              help="Where to write the skeleton (default: ./gapaudit-NAME).")
@click.option("--chain", "chains", multiple=True, metavar="CHAIN",
              help="Scope the plugin to the stores of this chain (store.chain as audits write it); repeatable. "
                   "Without it the plugin applies only to audits that require it.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def plugin_new(name: str, directory: Path | None, chains: tuple[str, ...], force: bool) -> None:
    """Create a plugin skeleton NAME: package, audit module, report section, tests.

    \b
    Then:  pip install -e './gapaudit-NAME[test]' && pytest gapaudit-NAME
    """
    from gapaudit.scaffold.plugin import PluginNameError, new_plugin

    try:
        written = new_plugin(name, directory, force=force, chains=chains)
    except PluginNameError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    except FileExistsError as exc:
        click.echo(f"error: {exc} exists (use --force to overwrite)", err=True)
        sys.exit(EXIT_OUTPUT)
    for path in written:
        click.echo(msg("wrote", None, path=path))


if __name__ == "__main__":  # pragma: no cover
    main()
