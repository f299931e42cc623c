"""The domain's fixed vocabularies: SERVQUAL dimensions, the eight factors,
the golden triangle's corners and elements, and their labels in zh and en."""

from __future__ import annotations

from typing import Literal

SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")

POSITIVE_FACTORS = ("attitude", "technique", "responsibility", "hardware", "management", "highlights")
NEGATIVE_FACTORS = ("complaints", "errors")
FACTORS = POSITIVE_FACTORS + NEGATIVE_FACTORS

#: golden-triangle corner → its elements
TRIANGLE = {
    "people": ("appearance", "attitude", "expression"),
    "hardware": ("store", "equipment"),
    "software": ("products", "process", "complaint_handling", "service_system"),
}
ELEMENTS = tuple(e for elements in TRIANGLE.values() for e in elements)
CORNER_OF = {e: corner for corner, elements in TRIANGLE.items() for e in elements}

Factor = Literal["attitude", "technique", "responsibility", "hardware", "management", "highlights"]
Element = Literal["appearance", "attitude", "expression", "store", "equipment", "products", "process",
                  "complaint_handling", "service_system"]
Language = Literal["zh", "en"]

LABELS: dict[str, dict[str, str]] = {
    # SERVQUAL dimensions
    "tangibles": {"en": "Tangibles", "zh": "有形性"},
    "reliability": {"en": "Reliability", "zh": "可靠性"},
    "responsiveness": {"en": "Responsiveness", "zh": "响应性"},
    "assurance": {"en": "Assurance", "zh": "保证性"},
    "empathy": {"en": "Empathy", "zh": "移情性"},
    # eight factors
    "attitude": {"en": "Attitude", "zh": "态度"},
    "technique": {"en": "Technique", "zh": "技术"},
    "responsibility": {"en": "Responsibility", "zh": "责任心"},
    "hardware": {"en": "Hardware", "zh": "硬件"},
    "management": {"en": "Management", "zh": "管理"},
    "highlights": {"en": "Highlights", "zh": "亮点"},
    "complaints": {"en": "Complaints", "zh": "投诉"},
    "errors": {"en": "Errors", "zh": "差错"},
    # golden triangle
    "people": {"en": "People", "zh": "人员"},
    "software": {"en": "Software", "zh": "软件"},
    "appearance": {"en": "Appearance", "zh": "仪容仪表"},
    "expression": {"en": "Expression", "zh": "语言表达"},
    "store": {"en": "Store", "zh": "门店环境"},
    "equipment": {"en": "Equipment", "zh": "设备设施"},
    "products": {"en": "Products", "zh": "产品"},
    "process": {"en": "Service process", "zh": "服务流程"},
    "complaint_handling": {"en": "Complaint handling", "zh": "投诉处理"},
    "service_system": {"en": "Service system", "zh": "服务体系"},
}


def label(key: str, lang: str) -> str:
    """The display label of a vocabulary key in ``lang`` (the key itself if unknown)."""
    entry = LABELS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]
