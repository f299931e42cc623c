"""Acme Mart's house service standards, checked by mystery shoppers.

Three standards every Acme Mart store keeps:

* **walk** — a customer who asks for a product is walked to it, not pointed at it;
* **smile** — the greeting smile shows eight teeth (the chain's "eight-tooth smile");
* **complaint** — a complaint is handled with all six steps: apologise, explain, empathise,
  solve quickly, apologise again and commit to improve, thank.

Input, under ``modules.acme_house_standards`` (validated by :class:`Config`): ``checks``, one
row per mystery-shopper contact (inline or ``{file: house_checks.csv}``), with any of
``walked_to_product`` (yes/no), ``smile_teeth`` (teeth counted) and ``complaint_steps``
(0–6 steps followed in a staged complaint); chain settings ``targets``, ``critical``,
``critical_cap`` come from the plugin's chain defaults and may be overridden per audit.

``ModuleResult.data``::

    standards: [{id, label, target, n, met, rate, ci_low, ci_high, confidence_below,
                 status: met | below | too_few, critical}]
    complaint_steps_mean: {value, ci_low, ci_high, n}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from gapaudit import AuditModule, Finding, Metric, ModuleContext, ModuleResult
from gapaudit.model.result import Fact, ShareTarget
from gapaudit.model.base import Answer, Identifier, Model, table
from gapaudit.analysis.scoring import CONFIDENCE_RULE, rate_shortfall_confidence
from gapaudit.analysis.stats import mean_ci, proportion

StandardId = Literal["walk", "smile", "complaint"]

#: standard → (English label, Chinese label)
LABELS: dict[str, tuple[str, str]] = {
    "walk": ("Walk the customer to the product", "带顾客到商品前（不用手指方向）"),
    "smile": ("Eight-tooth smile", "八颗牙微笑"),
    "complaint": ("Six-step complaint procedure", "投诉处理六步法"),
}

#: questionnaire items each standard serves, for the customers' importance of an action
ITEMS: dict[str, list[str]] = {"walk": ["RES3", "EMP1"], "smile": ["ASS3"], "complaint": ["REL2"]}

#: what meets each standard in a check row: (field, value meeting it, "eq" or "ge" the value); an action's
#: target marks failing rows as meeting, so gapaudit can re-run the audit as if it had worked (its impact)
MEETS: dict[str, tuple[str, Any, str]] = {"walk": ("walked_to_product", "yes", "eq"),
                                          "smile": ("smile_teeth", None, "ge"),  # None: the configured teeth
                                          "complaint": ("complaint_steps", 6, "ge")}

#: the Acme remedy for each standard: (en, zh, owner en, owner zh)
REMEDIES: dict[str, tuple[str, str, str, str]] = {
    "walk": ("Run the 'Take me there' drill in every morning huddle for four weeks; the duty manager "
             "walks the floor at peak hours and corrects pointing on the spot",
             "连续四周在每天早会上演练“带我去”，值班经理在高峰时段巡场，发现用手指方向当场纠正",
             "Store manager", "店长"),
    "smile": ("Pair staff below the smile standard with a smile coach for two weeks and re-check",
              "为未达到微笑标准的员工安排两周的微笑教练陪练，然后复查", "Floor manager", "楼面经理"),
    "complaint": ("Book the service-desk team on the Acme Academy six-step complaint course and role-play "
                  "one complaint a week until every step is kept",
                  "安排服务台团队参加安心学院投诉六步法课程，每周演练一次投诉处理，直到六步全部做到",
                  "Service desk lead", "服务台主管"),
}


class HouseCheck(Model):
    """One mystery-shopper contact; each of the three measures is optional."""

    visit: Identifier
    staff: str | None = Field(None, max_length=100)
    walked_to_product: Answer | None = Field(
        None, description="asked for a product: walked there (yes) or pointed (no); na if not asked")
    smile_teeth: int | None = Field(None, ge=0, le=16, description="teeth visible in the greeting smile")
    complaint_steps: int | None = Field(None, ge=0, le=6,
                                        description="steps of the six-step procedure kept in a staged complaint")
    note: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _something_checked(self) -> "HouseCheck":
        if self.walked_to_product is None and self.smile_teeth is None and self.complaint_steps is None:
            raise ValueError("a check needs at least one of walked_to_product, smile_teeth, complaint_steps")
        return self


class Targets(Model):
    """Share of checks that must meet each standard (0–1)."""

    walk: float = Field(0.9, gt=0, le=1)
    smile: float = Field(0.85, gt=0, le=1)
    complaint: float = Field(0.8, gt=0, le=1)


class Config(Model):
    """``modules.acme_house_standards``: the checks, plus chain settings (defaults from the plugin)."""

    checks: table(HouseCheck)
    smile_teeth: int = Field(8, ge=1, le=16, description="teeth a smile must show to meet the standard")
    targets: Targets = Field(default_factory=Targets)
    critical: list[StandardId] = Field(default_factory=list,
                                       description="standards whose shortfall caps the grade")
    critical_cap: str = Field("C", min_length=1, max_length=10, description="grade cap for a critical shortfall")
    min_checks: int = Field(10, ge=1, description="checks a standard needs before it is scored")


def _met(check: HouseCheck, standard: str, teeth: int) -> bool | None:
    """Whether one check meets one standard; None when the check did not test it."""
    if standard == "walk":
        return None if check.walked_to_product in (None, "na") else check.walked_to_product == "yes"
    if standard == "smile":
        return None if check.smile_teeth is None else check.smile_teeth >= teeth
    return None if check.complaint_steps is None else check.complaint_steps == 6


class HouseStandards(AuditModule):
    """Compliance with Acme Mart's three house standards, from mystery-shopper checks."""

    id = "acme_house_standards"
    title = {"en": "Acme house standards", "zh": "安心超市服务标准"}
    version = "1.0"
    order = 350  # after the pharmacy gap (300): both are about staff delivering to a standard
    description = {"en": "Walk-to-product, eight-tooth smile and six-step complaint procedure, from mystery shops.",
                   "zh": "带顾客到商品前、八颗牙微笑、投诉处理六步法的神秘顾客检查。"}
    Config = Config
    #: the score rests on the module's own checks only (modules.acme_house_standards), no shared evidence:
    #: an action's impact re-runs this module only when its target changes those checks
    reads = frozenset()

    def run(self, ctx: ModuleContext) -> ModuleResult:
        cfg: Config = ctx.config
        if not cfg.checks:
            return ctx.no_data(ctx.tr("no house-standard checks (modules.acme_house_standards.checks)",
                                      "没有门店服务标准检查记录（modules.acme_house_standards.checks）"))
        importance = ctx.survey.customer_importance() if ctx.survey else {}
        rows: list[dict[str, Any]] = []
        metrics: list[Metric] = []
        findings: list[Finding] = []
        actions = []
        notes = []
        caps = []
        for std in LABELS:
            label = ctx.tr(*LABELS[std])
            target = getattr(cfg.targets, std)
            results = [m for m in (_met(c, std, cfg.smile_teeth) for c in cfg.checks) if m is not None]
            met = sum(results)
            est = proportion(met, len(results))
            critical = std in cfg.critical
            row = {"id": std, "label": label, "target": target, "n": len(results), "met": met,
                   "rate": est.value, "ci_low": est.low, "ci_high": est.high, "critical": critical,
                   "confidence_below": None, "status": "too_few"}
            rows.append(row)
            metrics.append(Metric(id=f"acme_house_standards.{std}", label=label,
                                  value=None if est.value is None else round(100 * est.value, 1), unit="%",
                                  n=len(results), ci_low=None if est.low is None else round(100 * est.low, 1),
                                  ci_high=None if est.high is None else round(100 * est.high, 1)))
            if len(results) < cfg.min_checks:
                notes.append({"topic": label, "n": len(results), "severity": "warning",
                              "detail": ctx.tr("{n} checks; at least {min} are needed before it is scored",
                                               "{n} 次检查；至少需要 {min} 次才计分", n=len(results),
                                               min=cfg.min_checks)})
                continue
            sure = rate_shortfall_confidence(met, len(results), target)
            row["confidence_below"] = round(sure, 3)
            row["status"] = "below" if est.value < target else "met"
            if est.value >= target:
                continue
            severity = "critical" if critical else "high" if sure >= 0.95 else "medium"
            if critical:
                caps.append(cfg.critical_cap)
            fid = f"acme_house_standards.{std}"
            findings.append(Finding(
                id=fid, severity=severity,
                title=ctx.tr("{label}: {rate:.0%} of checks met the standard (target {target:.0%})",
                             "{label}：{rate:.0%} 的检查达标（目标 {target:.0%}）",
                             label=label, rate=est.value, target=target),
                detail=ctx.tr("95% interval {low:.0%}–{high:.0%} from {n} checks; {sure:.0%} sure the rate is "
                              "below target.{crit}",
                              "95% 区间 {low:.0%}–{high:.0%}（{n} 次检查）；有 {sure:.0%} 的把握低于目标。{crit}",
                              low=est.low, high=est.high, n=len(results), sure=sure,
                              crit=ctx.tr(" A critical house standard: the grade is capped at {cap}.",
                                          "这是关键标准：等级最高为 {cap}。", cap=cfg.critical_cap)
                              if critical else ""),
                evidence=[c.visit + (f" ({c.staff})" if c.staff else "") + (f": {c.note}" if c.note else "")
                          for c in cfg.checks if _met(c, std, cfg.smile_teeth) is False][:10],
                # the questionnaire items the standard serves: gapaudit joins this finding to their problem
                facts=[Fact(about=f"item:{item}", link="pharmacy", kind="compliance", value=round(est.value, 4),
                            text=ctx.tr("Acme standard '{label}' met in {met} of {n} mystery checks (target {t:.0%})",
                                        "安心标准“{label}”：{n} 次神秘顾客检查中达标 {met} 次（目标 {t:.0%}）",
                                        label=label, met=met, n=len(results), t=target))
                       for item in ITEMS[std]]))
            known = [importance[i] for i in ITEMS[std] if i in importance]
            en, zh, owner_en, owner_zh = REMEDIES[std]
            field, meets, compare = MEETS[std]
            actions.append(ctx.action(
                f"acme.house.{std}", ctx.tr(en, zh), severity=severity,
                importance=sum(known) / len(known) if known else None, confidence=sure,
                owner_role=ctx.tr(owner_en, owner_zh), finding_ids=[fid],
                rationale=ctx.tr("Acme house standard below target.", "未达到安心超市服务标准的目标。"),
                about=[f"item:{item}" for item in ITEMS[std]],
                # the target: the failing checks met, in table order, until the standard reaches its target rate
                targets=[ShareTarget(table="modules.acme_house_standards.checks", field=field,
                                     meets=cfg.smile_teeth if meets is None else meets, compare=compare,
                                     value=target, about=f"item:{ITEMS[std][0]}",
                                     metric=f"acme_house_standards.{std}", goal=round(100 * target, 1),
                                     label=ctx.tr("'{l}' met in {t:.0%} of checks", "“{l}”的达标率达到 {t:.0%}",
                                                  l=label, t=target))]))
        steps = mean_ci([c.complaint_steps for c in cfg.checks if c.complaint_steps is not None])
        if steps.value is not None:
            metrics.append(Metric(id="acme_house_standards.complaint_steps_mean",
                                  label=ctx.tr("Complaint steps kept (mean of 6)", "投诉处理平均做到的步数（共 6 步）"),
                                  value=round(steps.value, 2), n=steps.n,
                                  ci_low=None if steps.low is None else round(steps.low, 2),
                                  ci_high=None if steps.high is None else round(steps.high, 2)))
        scored = [r["rate"] for r in rows if r["status"] != "too_few"]
        methodology = [
            ctx.tr("A check meets 'walk' when the customer was walked to the product, 'smile' when the smile "
                   "showed at least {teeth} teeth, 'complaint' when all six steps were kept; checks that did not "
                   "test a standard are left out of its rate.",
                   "一次检查中：带顾客到商品前为“带路”达标；微笑露出至少 {teeth} 颗牙为“微笑”达标；六步全部做到为"
                   "“投诉”达标。未检查某项标准的记录不计入该项比率。", teeth=cfg.smile_teeth),
            ctx.tr("compliance rate = checks met ÷ checks testing the standard, with a 95% Wilson interval; a "
                   "standard needs {min} checks to be scored.",
                   "达标率 = 达标次数 ÷ 检查该标准的次数，附 95% Wilson 区间；一项标准至少 {min} 次检查才计分。",
                   min=cfg.min_checks),
            ctx.tr("score = 100 × mean compliance rate of the scored standards; a critical standard below its "
                   "target caps the grade at {cap}.",
                   "得分 = 100 × 各计分标准达标率的平均值；关键标准低于目标时，等级最高为 {cap}。", cap=cfg.critical_cap),
            CONFIDENCE_RULE,
        ]
        data = {"standards": rows,
                "complaint_steps_mean": {"value": steps.value, "ci_low": steps.low, "ci_high": steps.high,
                                         "n": steps.n}}
        if not scored:
            return ctx.no_data(ctx.tr("no house standard has enough checks to be scored",
                                      "没有一项服务标准有足够的检查次数可以计分"),
                               metrics=metrics, data=data, methodology=methodology, data_quality=notes)
        return ModuleResult(score=round(100 * sum(scored) / len(scored), 1), metrics=metrics, findings=findings,
                            actions=actions, data=data, methodology=methodology, data_quality=notes,
                            grade_cap=caps[0] if caps else None)
