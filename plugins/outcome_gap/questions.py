"""The outcome-gap review checklist: are promises kept in line with what operations deliver?

Questions follow the source material's advice on the outcome gap: keep
marketing communication consistent with what is produced, coordinate
marketing and operations, and do not promise too much, too often or
casually; plus explaining at the sale what the customer will get.
"""

from __future__ import annotations

from gapaudit.analysis.checklist import Question
from gapaudit.module import Remedy

QUESTIONS: list[Question] = [
    Question("promises_checked_with_operations",
             "Is every external promise (advertising, posters, website, contracts) checked with operations "
             "before it is published?",
             "每一项对外承诺（广告、海报、网站、合同）在发布前是否都经过运营部门确认能够做到？", "align"),
    Question("promise_register",
             "Is there a current list of the store's promises, each with someone responsible for checking it is kept?",
             "是否有一份现行承诺清单，并为每项承诺指定负责检查其兑现情况的人员？", "align"),
    Question("campaigns_planned_with_operations",
             "Do marketing and operations plan campaigns together, so that staff and stock are ready for the demand "
             "a campaign creates?",
             "市场营销与运营部门是否共同策划促销活动，确保人员和库存能够满足活动带来的需求？", "coordinate"),
    Question("results_reach_marketing",
             "Are customer-survey results and promise checks shared with the people who write the advertising?",
             "顾客调查结果和承诺检查结果是否会反馈给负责广告宣传的人员？", "coordinate"),
    Question("no_absolute_claims",
             "Does communication avoid absolute claims such as 'guaranteed', 'never fails' or 'cures everything'?",
             "宣传中是否避免使用“包赚不赔”“绝不出错”“包治百病”之类的绝对化说法？", "restraint"),
    Question("staff_know_what_to_promise",
             "Are staff told what they may and may not promise customers, so that promises are not made casually?",
             "是否明确告知员工可以和不可以向顾客承诺的内容，避免随意承诺？", "restraint"),
    Question("explained_at_sale",
             "Do staff explain at the sale what the product or service includes and what it does not (terms, "
             "limits, usage tips)?",
             "员工在销售时是否说明产品或服务包含和不包含的内容（条款、限制、使用注意事项）？", "explain"),
]

REMEDIES: dict[str, Remedy] = {
    "align": Remedy(
        "cause.align",
        "Check every promise with operations before it is published, and keep a register of current promises "
        "with an owner each",
        "所有承诺发布前须经运营部门确认，并建立现行承诺清单，逐项指定负责人",
        "Marketing manager", "市场经理"),
    "coordinate": Remedy(
        "cause.coordinate",
        "Have marketing and operations plan campaigns together and review survey and promise-check results jointly",
        "由市场与运营部门共同策划活动，并共同检讨顾客调查和承诺检查结果",
        "Store manager", "店长", horizon="long"),
    "restraint": Remedy(
        "cause.restraint",
        "Promise less and more precisely: drop absolute claims and tell staff what they may promise",
        "少承诺、承诺要具体：删除绝对化说法，并明确员工可以承诺的范围",
        "Marketing manager", "市场经理"),
    "explain": Remedy(
        "cause.explain",
        "Explain at the sale what the customer will and will not get, so expectations start out right",
        "在销售时向顾客讲清楚能得到什么、不能得到什么，使顾客从一开始就形成合理预期",
        "Sales supervisor", "销售主管"),
}

QUESTION_REMEDIES: dict[str, Remedy] = {q.id: REMEDIES[q.topic] for q in QUESTIONS}
