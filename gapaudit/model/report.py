"""Types plugins use to shape the report: sections and themes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\)|[a-zA-Z]{3,30})$")
_VAR = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


class ReportSection(BaseModel):
    """A report section: a template rendered with ``context``, placed by ``order``."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str
    title: str
    template: str = Field(description="template name, found through the template search path")
    order: int = 500
    context: dict[str, Any] = Field(default_factory=dict)


class Theme(BaseModel):
    """The look of a report: a chain plugin's branding."""

    model_config = ConfigDict(extra="forbid")

    name: str = "default"
    logo: Path | None = Field(None, description="SVG, PNG or JPEG file inside the theme's asset_dirs; embedded "
                                                "in the report (cover)")
    colors: dict[str, str] = Field(default_factory=dict, description=(
        "CSS variables of report.css, e.g. {'accent': '#c00', 'accent-light': '#fee'} (also text, muted-text, "
        "rule, zebra); the keys good, warn, bad, neutral, muted, ink, grid and paper also colour the charts"))
    font_family: str | None = Field(None, description="font family put first in the report's font stack "
                                                      "(it must be installed; CJK fallback is kept)")
    cover_text: dict[str, str] = Field(default_factory=dict, description="language → text on the cover")
    footer_text: dict[str, str] = Field(default_factory=dict, description="language → footer text")
    stylesheet: Path | None = Field(None, description="extra CSS file appended after the default (inside "
                                                      "asset_dirs; url()s relative to it work in the PDF)")
    asset_dirs: list[Path] = Field(default_factory=list, description="folders the report may load files from "
                                   "(default: the folders of logo and stylesheet)")

    @field_validator("colors")
    @classmethod
    def _css_colours(cls, colors: dict[str, str]) -> dict[str, str]:
        """Colours go into the stylesheet: only CSS colours under plain variable names get there."""
        for key, value in colors.items():
            if not _VAR.match(key) or not _COLOR.match(value.strip()):
                raise ValueError(f"colour {key!r}: {value!r} is not a CSS colour (use #rrggbb, rgb(...) or a "
                                 "colour name)")
        return colors
