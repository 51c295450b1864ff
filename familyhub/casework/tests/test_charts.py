"""The server-rendered SVG chart (R-ENGAGE-7): accessible, CSP-safe, escaped, never colour alone."""

from __future__ import annotations

import re

from familyhub.casework import charts


def _chart(series, labels=("01/01/26", "01/02/26", "01/03/26")):
    return str(
        charts.line_chart(
            chart_id="c",
            title="Progress <b>",
            description=charts.describe(series, list(labels)),
            x_labels=list(labels),
            series=series,
            y_min=1,
            y_max=5,
            y_label="Score",
        )
    )


def test_an_image_with_a_title_and_a_description_and_no_inline_style():
    svg = _chart([charts.Series("Talk", [2, 3, 4])])
    assert svg.startswith(
        '<svg class="app-chart" id="c" role="img" aria-labelledby="c-title c-desc"'
    )
    assert '<title id="c-title">Progress &lt;b&gt;</title>' in svg
    assert "Talk: 2 on 01/01/26, 4 on 01/03/26 (up)." in svg
    assert "style=" not in svg and "<script" not in svg


def test_each_point_has_its_value_and_a_gap_breaks_the_line():
    svg = _chart([charts.Series("Eat", [2, None, 4])])
    assert svg.count("<polyline") == 0  # two single points, no line across the gap
    assert "<title>Eat: 2 (01/01/26)</title>" in svg and "<title>Eat: 4 (01/03/26)</title>" in svg


def test_series_differ_by_dash_and_marker_as_well_as_colour():
    series = [charts.Series(f"S{i}", [1, 2, 3]) for i in range(3)]
    svg = _chart(series)
    lines = re.findall(r"<polyline[^>]*>", svg)
    assert len(lines) == 3
    assert len({re.search(r'stroke="([^"]+)"', x).group(1) for x in lines}) == 3
    assert 'stroke-dasharray="8 4"' in svg and 'stroke-dasharray="2 3"' in svg
    assert "<circle" in svg and "<rect" in svg and "<polygon" in svg


def test_labels_are_escaped():
    svg = _chart([charts.Series('<script>alert("x")</script>', [1, 2, 3])])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_numbers_for_the_table():
    assert [charts.number(v) for v in (None, 3, 3.5, 2.0)] == ["–", "3", "3.5", "2"]
