"""The pharmacy-gap review checklist: why staff may not deliver to the standard.

Each question belongs to one root cause (its ``topic``); a cause answered
"no" or "partly" leads to that cause's remedy, drawn from the source
material's advice on closing the delivery gap.
"""

from __future__ import annotations

from gapaudit.analysis.checklist import Question
from gapaudit.module import Remedy

#: root causes in report order, with their labels
CAUSES: dict[str, dict[str, str]] = {
    "training": {"en": "Training", "zh": "培训"},
    "monitoring": {"en": "Monitoring and immediate correction", "zh": "实时监控与即时纠正"},
    "incentives": {"en": "Incentives", "zh": "激励机制"},
    "complexity": {"en": "Complexity of the standards", "zh": "标准的复杂程度"},
    "systems": {"en": "Information and management systems", "zh": "信息与管理系统"},
    "culture": {"en": "Service culture", "zh": "服务文化"},
}

QUESTIONS: list[Question] = [
    Question("training_before_serving",
             "Is every front-line employee trained on the service standards of their post before serving "
             "customers alone?",
             "每位一线员工在独立接待顾客之前，是否都接受过本岗位服务标准的培训？", "training"),
    Question("training_refreshed",
             "Is service training repeated at least yearly and whenever a standard changes, with skills checked "
             "afterwards?",
             "服务培训是否至少每年重复一次、并在标准变更时及时补训，且培训后检查技能掌握情况？", "training"),
    Question("hiring_for_service",
             "Are new staff selected for service attitude and aptitude, not only for product knowledge?",
             "招聘新员工时，是否同时考察服务意识与服务能力，而不只看产品知识？", "training"),
    Question("monitoring_each_shift",
             "Does a supervisor check how the standards are carried out on the shop floor during every shift?",
             "每个班次是否都有主管在现场检查服务标准的执行情况？", "monitoring"),
    Question("correction_on_the_spot",
             "When a deviation from a standard is seen, is it corrected on the spot and recorded?",
             "发现未按标准服务时，是否当场纠正并记录在案？", "monitoring"),
    Question("service_in_appraisal",
             "Does service quality (visit results, customer ratings, complaints) count in staff appraisal and pay, "
             "not only sales volume?",
             "员工考核与薪酬是否计入服务质量（检查结果、顾客评价、投诉），而不仅看销售额或业务量？", "incentives"),
    Question("fair_rewards",
             "Are rewards and promotions based on measured performance rather than on closeness to managers?",
             "奖励与晋升是否依据可衡量的绩效，而非与上级的私人关系？", "incentives"),
    Question("standards_practicable",
             "Can staff carry out every standard in the time available, without it being too complex or too harsh?",
             "员工能否在现有时间内执行每一项标准，标准既不过于复杂也不过于苛刻？", "complexity"),
    Question("philosophy_concrete",
             "Is the service philosophy put in concrete terms that every employee understands the same way?",
             "服务理念是否以具体、易懂的方式表述，让每位员工理解一致、不生歧义？", "complexity"),
    Question("systems_support_staff",
             "Do information systems give staff what they need while serving (stock, order status, customer history)?",
             "信息系统能否在服务过程中为员工提供所需信息（库存、订单状态、顾客记录）？", "systems"),
    Question("rules_do_not_conflict",
             "Are internal rules and targets free of conflicts with the service standards?",
             "内部制度与考核指标是否与服务标准没有冲突？", "systems"),
    Question("managers_lead_by_example",
             "Do managers visibly put customers first, e.g. by serving on the floor and discussing customer feedback?",
             "管理者是否以身作则把顾客放在首位，例如亲自到一线服务、在会议中讨论顾客反馈？", "culture"),
    Question("service_has_standing",
             "Do service staff and the service function receive recognition and standing in the organisation?",
             "服务人员和服务部门在组织内是否得到应有的认可与地位？", "culture"),
]

#: the remedy of each root cause (from the source's advice on the delivery gap)
REMEDIES: dict[str, Remedy] = {
    "training": Remedy(
        "cause.training",
        "Train every front-line employee on their post's standards and check the skills afterwards",
        "对每位一线员工开展本岗位服务标准培训，并在培训后检查技能掌握情况",
        "Training manager", "培训主管"),
    "monitoring": Remedy(
        "cause.monitoring",
        "Monitor service delivery on every shift and correct deviations on the spot",
        "每个班次实时监控服务执行情况，发现偏差立即纠正",
        "Store manager", "店长"),
    "incentives": Remedy(
        "cause.incentives",
        "Redesign appraisal and rewards so that service quality counts alongside sales",
        "重新设计考核与奖励制度，使服务质量与销售业绩并重",
        "HR manager", "人力资源经理", horizon="long"),
    "complexity": Remedy(
        "cause.complexity",
        "Simplify standards that are too complex or too harsh, and restate the service philosophy in concrete terms",
        "简化过于复杂或苛刻的标准，并用具体的语言重新表述服务理念",
        "Quality manager", "质量经理"),
    "systems": Remedy(
        "cause.systems",
        "Give staff the information systems they need and remove rules that conflict with the standards",
        "为员工提供所需的信息系统，并清除与服务标准相冲突的制度",
        "Operations manager", "运营经理", horizon="long", kind="capex"),
    "culture": Remedy(
        "cause.culture",
        "Build a customer-oriented culture: managers lead by example and service work gets recognition",
        "建立以顾客为导向的企业文化：管理者以身作则，服务工作得到认可",
        "Store manager", "店长", horizon="long"),
}

#: question id → remedy of its root cause
QUESTION_REMEDIES: dict[str, Remedy] = {q.id: REMEDIES[q.topic] for q in QUESTIONS}
