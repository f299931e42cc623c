"""Review questions, standard-quality attributes and remedies of the prescription gap (Gap 2), in en and zh."""

from __future__ import annotations

from gapaudit.analysis.checklist import Question
from gapaudit.module import Remedy

QUESTIONS = [
    Question("philosophy",
             "Is the store's service philosophy written down, with an agreed explanation of what it means in practice?",
             "门店的服务理念是否成文，并有统一的、落到实处的解释？", "philosophy"),
    Question("philosophy_accepted",
             "Do most staff know the service philosophy and agree with it?",
             "大多数员工了解并认同这一服务理念吗？", "philosophy"),
    Question("posts_standardised",
             "Is the service work of each post specified and standardised, and are those standards sound?",
             "各岗位的服务操作是否规范化、标准化？这些标准合理吗？", "standards"),
    Question("customer_side",
             "Were our services designed from the customer's point of view rather than for the company's convenience?",
             "我们的服务是从顾客的角度设计的，还是从企业自身方便出发的？", "design"),
    Question("consistent",
             "Are the standards consistent with customer expectations and with the philosophy, without contradicting "
             "each other?", "服务规范与顾客期望、服务理念是否一致？彼此之间有无矛盾？", "design"),
    Question("every_post",
             "Does every post have a service specification, and do information and work flow smoothly between posts?",
             "每个岗位都有服务规范吗？岗位之间的信息和流程是否畅通？", "standards"),
    Question("top_support",
             "Does top management visibly back the service standards with goals and resources?",
             "高层管理者是否以明确的目标和资源切实支持服务标准？", "support"),
]

#: quality attributes of a standard: field of evidence.standards → (en, zh) label
ATTRIBUTES = {
    "documented": ("documented", "成文"),
    "specific": ("specific and measurable", "具体可衡量"),
    "customer_side": ("designed from the customer's side", "从顾客角度设计"),
    "consistent": ("consistent with the service philosophy", "与服务理念一致"),
    "known_by_staff": ("known by staff", "员工知晓"),
    "management_support": ("supported by top management", "高层支持"),
}

_QUALITY = ("Quality / operations manager", "质量 / 营运经理")
_MANAGER = ("Store manager", "店长")
_TRAINING = ("Training manager", "培训主管")
_TOP = ("General manager", "总经理")

REMEDIES = {r.key: r for r in [
    Remedy("philosophy",
           "Write down the service philosophy and explain what it means for each post",
           "把服务理念写成文字，并说明它对每个岗位意味着什么", *_TOP, "long"),
    Remedy("philosophy_accepted",
           "Discuss the service philosophy with staff until most can explain it in their own words",
           "与员工一起讨论服务理念，直到大多数人能用自己的话讲出来", *_MANAGER, "long"),
    Remedy("posts_standardised",
           "Standardise each post's service work in short, written, checkable steps",
           "把每个岗位的服务操作写成简短、可检查的书面步骤", *_QUALITY, "long"),
    Remedy("every_post",
           "Give every post a service specification and map the hand-offs between posts",
           "为每个岗位制定服务规范，并理清岗位之间的交接", *_QUALITY, "long"),
    # attribute remedies: key attr.<field>
    Remedy("attr.documented",
           "Write down the standards that exist only by habit, and put them where staff work",
           "把只靠习惯执行的标准写成文字，放在员工工作的地方", *_QUALITY, "short"),
    Remedy("attr.specific",
           "Make vague standards specific and measurable (who does what, by when, to what level)",
           "把含糊的标准改为具体可衡量（谁、做什么、多长时间内、做到什么程度）", *_QUALITY, "short"),
    Remedy("attr.customer_side",
           "Redesign standards from the customer's side by walking through the customer's visit",
           "按顾客的实际到店过程走一遍，从顾客角度重新设计标准", *_QUALITY, "long"),
    Remedy("attr.consistent",
           "Align the standards with the service philosophy and remove contradictions between them",
           "使标准与服务理念一致，并消除标准之间的矛盾", *_QUALITY, "long"),
    Remedy("attr.known_by_staff",
           "Train staff on the standards and check that they can state them",
           "就这些标准培训员工，并抽查员工是否能说出标准内容", *_TRAINING, "short"),
    Remedy("attr.management_support",
           "Have top management sign off the standards and give them goals and resources",
           "请高层管理者签批这些标准，并配给目标和资源", *_TOP, "long"),
    Remedy("simplify",
           "Simplify standards that are too complex or too harsh for staff to follow",
           "简化过于复杂或过于苛刻、员工难以执行的标准", *_QUALITY, "short"),
    Remedy("write_standards",
           "Write service standards for the customer expectations no standard covers yet",
           "为尚无标准覆盖的顾客期望制定服务标准", *_QUALITY, "long"),
]}

#: review question → the remedy its 'no' / 'partly' answer calls for
QUESTION_REMEDY = {
    "philosophy": REMEDIES["philosophy"],
    "philosophy_accepted": REMEDIES["philosophy_accepted"],
    "posts_standardised": REMEDIES["posts_standardised"],
    "customer_side": REMEDIES["attr.customer_side"],
    "consistent": REMEDIES["attr.consistent"],
    "every_post": REMEDIES["every_post"],
    "top_support": REMEDIES["attr.management_support"],
}
