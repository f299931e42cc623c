"""Review questions and standard remedies of the diagnosis gap (Gap 1), in English and Chinese."""

from __future__ import annotations

from gapaudit.analysis.checklist import Question
from gapaudit.module import Remedy

QUESTIONS = [
    Question("customers",
             "Do we know who our customers are, and have we written down what each group expects of us?",
             "我们清楚自己的顾客是谁吗？是否把各类顾客的期望写成了书面材料？", "knowledge"),
    Question("services_valued",
             "Is every service we offer one that customers expect and consider important?",
             "我们提供的每一项服务，都是顾客期望并且看重的吗？", "knowledge"),
    Question("channels",
             "Do we collect customer information through defined channels (counter, hotline, online, visits)?",
             "我们是否有明确的渠道（柜台、热线、线上、回访）收集顾客信息？", "listening"),
    Question("rewards",
             "Are staff rewarded for collecting and passing on customer information?",
             "员工收集并上报顾客信息会得到奖励吗？", "listening"),
    Question("surveys",
             "Do we run satisfaction surveys at regular intervals, owned by a named department?",
             "我们是否定期开展顾客满意度调查，并由明确的部门负责？", "listening"),
    Question("complaints",
             "Do we genuinely welcome complaints, and can we show it (complaints logged, answered, acted on)?",
             "我们是否真心欢迎投诉？能否拿出证据（投诉有记录、有答复、有改进）？", "listening"),
    Question("information_flow",
             "Is the organisation arranged so that customer information reaches decision makers quickly?",
             "组织结构能否保证顾客信息迅速传到决策者手中？", "organisation"),
]

_MANAGER = ("Store manager", "店长")
_MARKETING = ("Marketing / customer service manager", "市场部 / 客服经理")
_HR = ("HR manager", "人力资源经理")

REMEDIES = {r.key: r for r in [
    Remedy("know_customers",
           "Profile the store's customer groups and write down what each group expects",
           "梳理门店的顾客群体，并把每类顾客的期望写成书面材料", *_MARKETING, "short"),
    Remedy("refocus",
           "Move effort from services customers rate unimportant to the expectations they rate most important",
           "把投入从顾客认为不重要的服务，转到顾客最看重的期望上", *_MANAGER, "short"),
    Remedy("channels",
           "Open at least two easy complaint and feedback channels and publicise them in store",
           "开通至少两条便捷的投诉与反馈渠道，并在店内公示", *_MARKETING, "short"),
    Remedy("rewards",
           "Reward staff for collecting customer information and passing it on",
           "对收集并上报顾客信息的员工给予奖励", *_HR, "long"),
    Remedy("surveys",
           "Run a customer satisfaction survey at least quarterly, owned by a named department",
           "至少每季度开展一次顾客满意度调查，并指定负责部门", *_MARKETING, "long"),
    Remedy("complaints",
           "Log every complaint, answer it, and show customers what changed because of it",
           "记录每一条投诉并给予答复，让顾客看到因投诉而做出的改进", *_MANAGER, "short"),
    Remedy("information_flow",
           "Set up a weekly route for customer feedback to reach the store's decision makers",
           "建立每周一次的顾客反馈上报机制，让信息直达门店决策者", *_MANAGER, "long"),
    Remedy("recalibrate",
           "Correct management's picture of what customers expect",
           "纠正管理层对顾客期望的认识", *_MANAGER, "short"),
    Remedy("overestimated",
           "Check whether effort spent on expectations management overestimates can be redirected",
           "检查管理层高估了期望的项目上的投入，能否转向更需要的地方", *_MANAGER, "short"),
]}

#: review question → the remedy its 'no' / 'partly' answer calls for
QUESTION_REMEDY = {
    "customers": REMEDIES["know_customers"],
    "services_valued": REMEDIES["refocus"],
    "channels": REMEDIES["channels"],
    "rewards": REMEDIES["rewards"],
    "surveys": REMEDIES["surveys"],
    "complaints": REMEDIES["complaints"],
    "information_flow": REMEDIES["information_flow"],
}
