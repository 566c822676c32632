"""The cockpit's chart helper (static/js/cockpit.js) in the system Chromium: a stacked bar writes a value only on a
segment tall enough to hold it — a thin segment's "1" is not printed over its neighbour's "9" — while the other
values stay written (and the chart's data table keeps every value)."""
from __future__ import annotations

import json
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"

STACK = {"kind": "stack", "categories": ["中韩街道", "沙子口街道", "区审批局"], "suffix": "",
         "series": [{"name": "绿", "values": [40, 1, 25], "state": "good"},
                    {"name": "黄", "values": [1, 9, 2], "state": "warn"},
                    {"name": "红", "values": [9, 30, 0], "state": "bad"}], "urls": []}


def _draw(page, chart: dict, width: int = 640, height: int = 320) -> list[str]:
    page.set_content(f"""<!doctype html><html lang="zh-CN"><body>
        <div class="cp-canvas" id="c1" style="width:{width}px;height:{height}px"></div>
        <script id="c1" type="application/json">{json.dumps(chart, ensure_ascii=False)}</script></body></html>""")
    page.add_script_tag(path=str(STATIC / "vendor" / "echarts.min.js"))
    page.add_script_tag(path=str(STATIC / "js" / "cockpit.js"))
    page.evaluate("() => window.luoshiCharts.draw()")
    page.wait_for_function("() => document.querySelectorAll('.cp-canvas svg').length > 0")
    return page.evaluate("() => Array.from(document.querySelectorAll('.cp-canvas svg text'))"
                         ".map(t => t.textContent.trim()).filter(Boolean)")


def test_thin_stack_segments_have_no_label_and_the_others_keep_theirs(new_page):
    page = new_page()
    texts = _draw(page, STACK)
    # the axis reads 0, 10, … 50 (no "1", "2" or "9" on it): those texts are segment labels
    assert "1" not in texts and "2" not in texts, texts
    for shown in ("40", "30", "25", "9"):
        assert shown in texts, (shown, texts)


def test_a_taller_chart_has_room_for_more_labels(new_page):
    page = new_page()
    short = _draw(page, STACK, height=320)
    tall = _draw(page, STACK, height=1400)
    assert "2" not in short and "2" in tall, (short, tall)


def test_the_fit_rule(new_page):
    page = new_page()
    _draw(page, STACK)
    fits = page.evaluate("""() => [window.luoshiCharts.labelFits(1, "1", 4, false),
                                   window.luoshiCharts.labelFits(9, "9", 4, false),
                                   window.luoshiCharts.labelFits(0, "", 40, false),
                                   window.luoshiCharts.labelFits(10, "1000", 3, true),
                                   window.luoshiCharts.labelFits(20, "1000", 3, true)]""")
    assert fits == [False, True, False, False, True]
