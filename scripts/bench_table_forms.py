#!/usr/bin/env python3
"""What one table row costs WeasyPrint in every form that could show it, against the same row as a paragraph.

Builds documents with the report's own head (stylesheet, fonts, page rules) from a sample's final HTML and a
body of ``--rows`` metric rows (label, value, n, interval — the report's most common table), once per form:
the report's table and variants of its CSS, and the same cells as floats, inline blocks, absolutely placed
spans, flex rows and a grid. Each is laid out and written as the report is (PDF/A-3u, tagged, attachments),
interleaved ``--repeat`` times in one process; it prints the least CPU seconds (other load only adds time),
the ratio to the paragraphs and the milliseconds a row costs beyond its paragraph. The README quotes it: no
form is cheaper than the table, which is why the report keeps its tables.

    .venv/bin/python scripts/bench_table_forms.py [--sample electronics-retailer] [--rows 400] [--repeat 5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bench_report  # scripts/, beside this file

ROOT = Path(__file__).resolve().parent.parent
ROWS = [("复核清单得分", "85.7 /100", "7", "—"), ("顾客感知均值（可靠性）", "3.62", "118", "3.48–3.76"),
        ("期望—感受差距（响应性）", "−0.58", "118", "−0.71 to −0.45"), ("投诉解决率", "72%", "43", "57%–84%")]
HEADER = ('<tr><th class="c-label">指标</th><th class="num">数值</th><th class="num c-n">样本</th>'
          '<th class="num c-ci">95% 区间</th></tr>')


def forms(rows: list[tuple[str, ...]]) -> dict[str, tuple[str, str]]:
    """Form name -> (body HTML, extra CSS)."""
    cells = "".join(f'<tr><td>{a}</td><td class="num">{v}</td><td class="num">{n}</td><td class="num">{c}</td></tr>'
                    for a, v, n, c in rows)
    table = f'<table class="metrics"><thead>{HEADER}</thead><tbody>{cells}</tbody></table>'

    def divs(row: str) -> str:
        return '<div class="t">' + "".join(row.format(a=a, v=v, n=n, c=c) for a, v, n, c in rows) + "</div>"

    return {
        "paragraphs": ("".join(f"<p>{' '.join(r)}</p>" for r in rows), ""),
        "table (the report's)": (table, ""),
        "table, auto layout": (table, "table { table-layout: auto; }"),
        "table, separate borders": (table, "table { border-collapse: separate; border-spacing: 0; }"),
        "table, no borders or zebra": (table, "th, td { border-bottom: none; } tbody tr:nth-child(even) "
                                              "{ background: none; }"),
        "table, rows may break": (table, "tr { break-inside: auto; }"),
        "table, no repeated header": (table.replace("<thead>", "").replace("</thead>", ""), ""),
        "floats": (divs('<div class="r"><span class="n c">{c}</span><span class="n s">{n}</span>'
                        '<span class="n v">{v}</span>{a}</div>'),
                   ".r { padding: 1.3mm 1.8mm; border-bottom: 0.5pt solid #ddd; } .r > span { float: right; "
                   "text-align: right; } .v { width: 26mm; } .s { width: 14mm; } .c { width: 32mm; }"),
        "inline blocks": (divs('<div class="r"><span class="a">{a}</span><span class="n v">{v}</span>'
                               '<span class="n s">{n}</span><span class="n c">{c}</span></div>'),
                          ".r { border-bottom: 0.5pt solid #ddd; } .r > span { display: inline-block; "
                          "padding: 1.3mm 1.8mm; box-sizing: border-box; vertical-align: top; } .a { width: 96mm; }"
                          " .n { text-align: right; } .v { width: 26mm; } .s { width: 14mm; } .c { width: 32mm; }"),
        "absolutely placed": (divs('<div class="r">{a}<span class="n v">{v}</span><span class="n s">{n}</span>'
                                   '<span class="n c">{c}</span></div>'),
                              ".r { position: relative; padding: 1.3mm 74mm 1.3mm 1.8mm; border-bottom: 0.5pt solid "
                              "#ddd; } .r > span { position: absolute; top: 1.3mm; text-align: right; } "
                              ".v { right: 48mm; } .s { right: 34mm; } .c { right: 1.8mm; }"),
        "flex rows": (divs('<div class="r"><div class="a">{a}</div><div class="n v">{v}</div>'
                           '<div class="n s">{n}</div><div class="n c">{c}</div></div>'),
                      ".r { display: flex; border-bottom: 0.5pt solid #ddd; } .r > div { padding: 1.3mm 1.8mm; } "
                      ".a { flex: 1; } .n { text-align: right; } .v { width: 26mm; } .s { width: 14mm; } "
                      ".c { width: 32mm; }"),
        "grid": ('<div class="t">' + "".join(f'<div>{a}</div><div class="n">{v}</div><div class="n">{n}</div>'
                                            f'<div class="n">{c}</div>' for a, v, n, c in rows) + "</div>",
                 ".t { display: grid; grid-template-columns: 1fr 26mm 14mm 32mm; } .t > div { padding: 1.3mm 1.8mm;"
                 " border-bottom: 0.5pt solid #ddd; } .n { text-align: right; }"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="electronics-retailer", help="sample whose report head is used")
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-grid", action="store_true", help="skip the grid (~10 × slower than the rest)")
    args = parser.parse_args()

    html, attachments, base_url, _ = bench_report._final(ROOT / "sample_audits" / args.sample / "audit.yaml", "full")
    head = html[:html.index("<body")]
    rows = [ROWS[i % len(ROWS)] for i in range(args.rows)]
    docs = {name: head.replace("</head>", f"<style>{css}</style></head>", 1)
            + f'<body class="lang-zh"><section class="chapter">{body}</section></body></html>'
            for name, (body, css) in forms(rows).items() if not (args.no_grid and name == "grid")}

    def seconds(doc: str) -> float:  # laid out and written as bench_report times the report
        return bench_report._layout(doc, base_url, attachments, {})[0]

    for doc in docs.values():  # warm-up
        seconds(doc)
    times: dict[str, list[float]] = {name: [] for name in docs}
    for _ in range(args.repeat):
        for name, doc in docs.items():
            times[name].append(seconds(doc))
    prose = min(times["paragraphs"])
    print(f"{args.rows} metric rows, report head of {args.sample}; least CPU s of {args.repeat}")
    print(f"{'form':28} {'s':>6} {'× paragraphs':>12} {'ms a row more':>13}")
    for name, t in times.items():
        print(f"{name:28} {min(t):6.3f} {min(t) / prose:12.2f} {(min(t) - prose) / args.rows * 1000:13.2f}")


if __name__ == "__main__":
    main()
