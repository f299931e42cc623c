"""Where the photos go in a report, by one stated rule, and what their captions say.

A photo is shown where it proves something: beside the standard whose visit
failed (on the page of the module that judges delivery), beside the broken
promise, beside the complaint case handled short of the six steps. At most
:data:`PER_PLACE` photos stand there, chosen by :data:`RULE`; every other
photo — the rest of a place's, photos of compliant visits, of places that did
not fail, the standards' own reference photos — is in the numbered photo
appendix, and so are the photos that could not be read. Numbers run through
the report in reading order.

Pure selection and wording: the pixels come prepared (:mod:`gapaudit.render.photos`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable

from gapaudit.render import i18n
from gapaudit.render.fetcher import data_url

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.render.photos import PreparedPhotos

#: most photos shown beside one place (a standard, a promise, a complaint case)
PER_PLACE = 3
#: the evidence tables that carry photos, in appendix order, and the modules that show them inline (the first
#: present in the result); standards' reference photos are shown in the appendix only
HOMES: dict[str, tuple[str, ...]] = {
    "observations": ("pharmacy_gap",),
    "promise_checks": ("outcome_gap",),
    "complaint_handling": ("eight_factor", "golden_triangle"),
    "standards": (),
}
#: non-compliant first: an occasion's rank by its result (lower is shown first)
RANK = {"no": 0, "partly": 1, "yes": 2, "na": 3}
STEPS = ("apologise", "explain", "empathise", "solve_quickly", "commit", "thank")

TEXT: dict[str, dict[str, str]] = {
    "photo": {"en": "Photo {n}", "zh": "照片 {n}"},
    "appendix_title": {"en": "Photo appendix", "zh": "照片附录"},
    "evidence_title": {"en": "Photo evidence", "zh": "照片证据"},
    "appendix_intro": {
        "en": "Every photo of the audit not shown beside its finding, numbered in reading order. {prepared}",
        "zh": "本次审核中未在相应发现旁展示的全部照片，按阅读顺序编号。{prepared}"},
    "prepared": {
        "en": "Photos are printed upright at {dpi} dpi in a {w:g} × {h:g} mm box; their metadata (GPS position, "
              "device, serial number, time stamps) is removed.",
        "zh": "照片已按拍摄方向摆正，以 {dpi} dpi 打印在 {w:g} × {h:g} 毫米的框内；照片元数据（GPS 位置、设备、序列号、"
              "时间戳）均已去除。"},
    "rule": {
        "en": "Photos beside a finding: at most {k} per failed standard, broken promise or complaint case handled "
              "short of the six steps, from its failed occasions only — not compliant before partly compliant, "
              "newest first (undated last), then in the order of the evidence; the first photo of each occasion "
              "before a second one. Places are listed by their share of failed occasions, highest first. Every "
              "other photo is in the photo appendix.",
        "zh": "发现旁的照片：每项未达标的标准、未兑现的承诺或未按六步法处理的投诉案例，最多展示 {k} 张，仅取自失误的场次——"
              "“不符合”优先于“部分符合”，新的在前（无日期的在后），其余按证据顺序；每个场次先取第一张照片，再取第二张。"
              "各项按失误场次占比从高到低排列。其余照片均收录在照片附录中。"},
    "evidence_intro": {
        "en": "Photographs taken where the audit found a failure. {rule}",
        "zh": "审核中发现问题之处拍下的照片。{rule}"},
    "rule_short": {
        "en": "At most {k} per item, from its failed occasions: not compliant first, newest first. The full rule "
              "and every other photo are in the photo appendix.",
        "zh": "每项最多 {k} 张，仅取自失误的场次：“不符合”优先，新的在前。完整规则及其余照片见照片附录。"},
    "failed_of": {"en": "failed on {k} of {n} applicable occasions", "zh": "{n} 个适用场次中失误 {k} 次"},
    "more_in_appendix": {"en": "More photos of this in the appendix: {numbers}",
                         "zh": "更多照片见附录：{numbers}"},
    "shown_beside": {"en": "Photos {numbers} are shown in “{section}”",
                     "zh": "照片 {numbers} 见“{section}”一节"},
    "shown_beside_one": {"en": "Photo {numbers} is shown in “{section}”",
                         "zh": "照片 {numbers} 见“{section}”一节"},
    "stop": {"en": ".", "zh": "。"},
    "photos_ref": {"en": "Photos {numbers}", "zh": "照片 {numbers}"},
    "photos_ref_one": {"en": "Photo {numbers}", "zh": "照片 {numbers}"},
    "unreadable_title": {"en": "Photos that could not be read", "zh": "无法读取的照片"},
    "unreadable_intro": {"en": "These files are named in the evidence but could not be decoded; the report was "
                                "written without them.",
                         "zh": "以下文件在证据中被引用，但无法解码；报告已在缺少这些照片的情况下生成。"},
    "file": {"en": "File", "zh": "文件"},
    "named_in": {"en": "Named in", "zh": "引用位置"},
    "reason": {"en": "Reason", "zh": "原因"},
    "kind_observations": {"en": "Visits", "zh": "走访检查"},
    "kind_promise_checks": {"en": "Promise checks", "zh": "承诺核查"},
    "kind_complaint_handling": {"en": "Complaint handling", "zh": "投诉处理"},
    "kind_standards": {"en": "Standards (reference photos)", "zh": "服务标准（参考照片）"},
    "result_no": {"en": "not compliant", "zh": "不符合"},
    "result_partly": {"en": "partly compliant", "zh": "部分符合"},
    "result_yes": {"en": "compliant", "zh": "符合"},
    "result_na": {"en": "not applicable", "zh": "不适用"},
    "kept_no": {"en": "not kept", "zh": "未兑现"},
    "kept_yes": {"en": "kept", "zh": "已兑现"},
    "visit": {"en": "visit {v}", "zh": "走访 {v}"},
    "shift": {"en": "{s} shift", "zh": "{s}"},
    "case": {"en": "Complaint case {c}", "zh": "投诉案例 {c}"},
    "steps_missed": {"en": "steps missed: {steps}", "zh": "未做到：{steps}"},
    "steps_done": {"en": "all six steps done", "zh": "六步均已做到"},
    "reference": {"en": "reference photo", "zh": "参考照片"},
    "step_apologise": {"en": "apologise", "zh": "道歉"}, "step_explain": {"en": "explain", "zh": "解释"},
    "step_empathise": {"en": "empathise", "zh": "同理"}, "step_solve_quickly": {"en": "solve quickly", "zh": "快速解决"},
    "step_commit": {"en": "commit to improve", "zh": "承诺改进"}, "step_thank": {"en": "thank", "zh": "感谢"},
}


def tx(key: str, lang: str, /, **fmt: Any) -> str:
    return i18n.lookup(TEXT, key, lang, **fmt)


@dataclass
class Shot:
    """One photo as the report prints it."""

    name: str
    src: str
    width_mm: float
    height_mm: float
    label: str  # "Photo 7"
    details: str  # subject · date · shift · result · visit
    note: str = ""
    failed: bool = False
    number: int = 0
    order: tuple[Any, ...] = ()  # its place in the rule's order (see RULE)

    @property
    def anchor(self) -> str:
        return f"photo-{self.number}"


@dataclass
class Occasion:
    """One row of evidence with photos: a visit's check of a standard, a promise check, a complaint case."""

    kind: str
    key: str
    order: int
    rank: int
    date: dt.date | None
    details: list[str]
    note: str
    photos: list[str]


@dataclass
class Place:
    """A standard, promise or complaint case, with the photos that stand beside it."""

    kind: str
    key: str
    title: str
    summary: str
    share: float  # failed occasions ÷ applicable occasions (0 when none failed)
    failed: int
    order: int
    home: str | None
    shots: list[Shot] = field(default_factory=list)  # shown beside the finding
    rest: list[Shot] = field(default_factory=list)  # in the appendix
    more: str = ""  # "More photos of this in the appendix: 9, 10."
    beside: str = ""  # in the appendix: "Photos 1–3 are shown in …"


@dataclass
class PhotoBook:
    """The report's photos: places per module section, the appendix, the unreadable files."""

    lang: str
    inline: dict[str, list[Place]]  # module id → places with photos shown there
    appendix: list[tuple[str, list[Place]]]  # (kind heading, places with photos in the appendix)
    unreadable: list[dict[str, str]]
    count: int  # photos shown, inline and in the appendix
    rule: str
    intro: str
    appendix_intro: str
    places: list[Place] = field(default_factory=list)  # every place with photos

    def text(self, key: str, **fmt: Any) -> str:
        return tx(key, self.lang, **fmt)

    def for_subjects(self, standards: Iterable[str] = (), promises: Iterable[str] = (), cases: Iterable[str] = (),
                     limit: int = PER_PLACE) -> list[Shot]:
        """The photos that prove a problem about these standards, promises and complaint cases: photos of
        their failed occasions by the same rule, at most ``limit`` (they keep their numbers)."""
        wanted = ({("observations", k) for k in standards} | {("promise_checks", k) for k in promises}
                  | {("complaint_handling", k) for k in cases})
        shots = [s for p in self.places if (p.kind, p.key) in wanted for s in p.shots + p.rest if s.failed]
        return sorted(shots, key=lambda s: s.order)[:limit]

    def for_problem(self, problem: Any, limit: int = PER_PLACE) -> list[Shot]:
        """:meth:`for_subjects` of a problem (its standards and promises)."""
        if problem is None:
            return []
        return self.for_subjects(getattr(problem, "standards", ()), getattr(problem, "promises", ()), limit=limit)

    def number_for_problems(self, problems: Iterable[Any]) -> dict[str, list[Shot]]:
        """problem id → its photos, numbered afresh in the order shown (a report without module pages or appendix,
        such as the brief one, shows photos only there)."""
        out: dict[str, list[Shot]] = {}
        number = 0
        for problem in problems:
            shots = []
            for s in self.for_problem(problem):
                number += 1
                shots.append(replace(s, number=number, label=tx("photo", self.lang, n=number)))
            if shots:
                out[problem.id] = shots
        return out

    def reference(self, shots: list[Shot]) -> str:
        """"Photos 1–3" for a list of shots shown elsewhere in the report."""
        return _about("photos_ref", self.lang, shots)

    @property
    def has_appendix(self) -> bool:
        return bool(self.appendix or self.unreadable)


def build(audit: "AuditInput", photos: "PreparedPhotos", lang: str, module_order: Iterable[str],
          target: str, section_titles: dict[str, str] | None = None) -> PhotoBook | None:
    """Place every prepared photo; None when the audit names no photo."""
    if not photos.files:
        return None
    ev = audit.evidence
    modules = list(module_order)
    occasions = _occasions(ev, lang)
    places = _places(ev, occasions, lang, modules)
    by_place: dict[tuple[str, str], list[Occasion]] = {}
    for occ in occasions:
        by_place.setdefault((occ.kind, occ.key), []).append(occ)

    number = 0

    def shot(occ: Occasion, name: str) -> Shot | None:
        prepared = photos.prepared.get(name)
        if prepared is None:
            return None
        scale = 25.4 / _dpi()
        src = prepared.url if target == "pdf" else data_url(prepared.data, "image/jpeg")
        return Shot(name=name, src=src, width_mm=round(prepared.width * scale, 2),
                    height_mm=round(prepared.height * scale, 2), label="",
                    details=" · ".join(d for d in occ.details if d), note=occ.note, failed=occ.rank <= 1)

    def numbered(s: Shot) -> Shot:
        nonlocal number
        number += 1
        s.number = number
        s.label = tx("photo", lang, n=number)
        return s

    # shots per place, in the order of the rule
    for place in places:
        ordered = sorted(((pos > 0, occ.rank, _newest(occ.date), occ.order, pos, occ, name)
                          for occ in by_place.get((place.kind, place.key), [])
                          for pos, name in enumerate(occ.photos)), key=lambda r: r[:5])
        beside = 0
        for *key, occ, name in ordered:
            s = shot(occ, name)
            if s is None:
                continue
            s.order = tuple(key)
            if place.home is not None and place.failed and s.failed and beside < PER_PLACE:
                place.shots.append(s)
                beside += 1
            else:
                place.rest.append(s)

    inline: dict[str, list[Place]] = {}
    for mid in modules:
        here = [p for p in places if p.home == mid and p.shots]
        here.sort(key=lambda p: (-p.share, -p.failed, p.order))
        if here:
            inline[mid] = here
            for p in here:
                for s in p.shots:
                    numbered(s)
    appendix: list[tuple[str, list[Place]]] = []
    titles = section_titles or {}
    for kind in HOMES:
        group = [p for p in places if p.kind == kind and p.rest]
        group.sort(key=lambda p: p.order)
        for p in group:
            for s in p.rest:
                numbered(s)
            p.more = _about("more_in_appendix", lang, p.rest) if p.shots else ""
            if p.shots:
                p.beside = _about("shown_beside", lang, p.shots, section=titles.get(p.home or "", p.home or ""))
        if group:
            appendix.append((tx(f"kind_{kind}", lang), group))
    unreadable = [{"file": u.name, "where": _where(photos, u.name, lang),
                   "reason": u.reason_zh if lang == "zh" else u.reason}
                  for u in sorted(photos.unreadable.values(), key=lambda u: u.name)]
    rule = tx("rule", lang, k=PER_PLACE)
    from gapaudit.render.photos import BOX_MM, DPI

    prepared = tx("prepared", lang, dpi=DPI, w=BOX_MM[0], h=BOX_MM[1])
    return PhotoBook(lang=lang, inline=inline, appendix=appendix, unreadable=unreadable, count=number, rule=rule,
                     intro=tx("evidence_intro", lang, rule=tx("rule_short", lang, k=PER_PLACE)
                              if appendix or unreadable else rule),
                     appendix_intro=tx("appendix_intro", lang, prepared=prepared), places=places)


def _dpi() -> int:
    from gapaudit.render.photos import DPI

    return DPI


def _where(photos: "PreparedPhotos", name: str, lang: str) -> str:
    f = photos.files.get(name)
    if f is None:
        return ""
    return (f.where_zh or f.where) if lang == "zh" else f.where


def _newest(date: dt.date | None) -> tuple[int, int]:
    """Sort key: newest first, undated last."""
    return (1, 0) if date is None else (0, -date.toordinal())


def _about(key: str, lang: str, shots: list[Shot], **fmt: Any) -> str:
    """Text ``key`` about ``shots`` by their numbers ("Photos 1–3"); ``key_one`` when there is one and the
    table has a singular form."""
    one = f"{key}_one"
    return tx(one if len(shots) == 1 and one in TEXT else key, lang,
              numbers=_numbers([s.number for s in shots]), **fmt)


def _numbers(numbers: list[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    out: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}–{prev}" if prev != start else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}–{prev}" if prev != start else str(start))
    return ", ".join(out)


def _shift(shift: str | None, lang: str) -> str:
    """A shift as a caption names it: "evening shift", "晚班" (a name that says "shift" or 班 is kept as it is)."""
    if not shift:
        return ""
    if "shift" in shift.lower() or "班" in shift or not shift.isascii():
        return shift
    return tx("shift", lang, s=shift)


def _short(text: str | None, limit: int = 160) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _occasions(ev: Any, lang: str) -> list[Occasion]:
    """Every row of evidence that lists photos, as an occasion with its caption details."""
    out: list[Occasion] = []
    date = lambda d: i18n.fmt_date_short(d, lang) if d else ""  # noqa: E731
    for i, o in enumerate(ev.observations):
        if o.photos:
            out.append(Occasion("observations", o.standard, i, RANK[o.result], o.date, [
                o.standard, date(o.date), _shift(o.shift, lang),
                tx(f"result_{o.result}", lang), tx("visit", lang, v=o.visit)], _short(o.note), list(o.photos)))
    for i, c in enumerate(ev.promise_checks):
        if c.photos:
            out.append(Occasion("promise_checks", c.promise, i, 2 if c.kept else 0, c.date, [
                c.promise, date(c.date), tx("kept_yes" if c.kept else "kept_no", lang)], _short(c.note),
                list(c.photos)))
    for i, h in enumerate(ev.complaint_handling):
        if h.photos:
            missed = [s for s in STEPS if getattr(h, s) in ("no", "partly")]
            rank = 0 if any(getattr(h, s) == "no" for s in STEPS) else 1 if missed else 2
            steps = i18n.t("list_sep", lang).join(tx(f"step_{s}", lang) for s in missed)
            out.append(Occasion("complaint_handling", h.case, i, rank, None, [
                tx("case", lang, c=h.case), tx("steps_missed", lang, steps=steps) if missed else
                tx("steps_done", lang)], _short(h.note), list(h.photos)))
    for i, s in enumerate(ev.standards):
        if s.photos:
            out.append(Occasion("standards", s.id, i, 3, None, [s.id, tx("reference", lang)], "", list(s.photos)))
    return out


def _places(ev: Any, occasions: list[Occasion], lang: str, modules: list[str]) -> list[Place]:
    """One place per standard, promise and case that has photos; failures counted over all its occasions."""
    keys = list(dict.fromkeys((o.kind, o.key) for o in occasions))
    present = set(modules)
    homes = {kind: next((m for m in mods if m in present), None) for kind, mods in HOMES.items()}
    titles = {("observations", s.id): f"{s.title} ({s.id})" for s in ev.standards}
    titles |= {("standards", s.id): f"{s.title} ({s.id})" for s in ev.standards}
    titles |= {("promise_checks", p.id): f"{p.text} ({p.id})" for p in ev.promises}
    order = {("observations", s.id): i for i, s in enumerate(ev.standards)}
    order |= {("standards", s.id): i for i, s in enumerate(ev.standards)}
    order |= {("promise_checks", p.id): i for i, p in enumerate(ev.promises)}
    counts: dict[tuple[str, str], list[int]] = {}
    for o in ev.observations:
        if o.result != "na":
            c = counts.setdefault(("observations", o.standard), [0, 0])
            c[0] += o.result in ("no", "partly")
            c[1] += 1
    for ch in ev.promise_checks:
        c = counts.setdefault(("promise_checks", ch.promise), [0, 0])
        c[0] += not ch.kept
        c[1] += 1
    for h in ev.complaint_handling:
        answered = [getattr(h, s) for s in STEPS if getattr(h, s) not in (None, "na")]
        c = counts.setdefault(("complaint_handling", h.case), [0, 0])
        c[0] += any(a in ("no", "partly") for a in answered)
        c[1] += 1 if answered else 0
    out = []
    first_seen = {k: i for i, k in enumerate(keys)}
    for kind, key in keys:
        failed, total = counts.get((kind, key), [0, 0])
        if kind == "complaint_handling":
            title = tx("case", lang, c=key)
        else:
            title = titles.get((kind, key), key)
        summary = tx("failed_of", lang, k=failed, n=total) if total and kind in ("observations",
                                                                                  "promise_checks") else ""
        out.append(Place(kind=kind, key=key, title=title, summary=summary, share=failed / total if total else 0.0,
                         failed=failed, order=order.get((kind, key), 10_000 + first_seen[(kind, key)]),
                         home=homes[kind]))
    return out
