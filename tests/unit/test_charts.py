"""Server-drawn charts (chalicelib/web/charts.py): accessible SVG, bars to scale, every value escaped."""
import re
from xml.etree import ElementTree

from chalicelib.web.charts import Bar, Group, Step, bar_chart, funnel_chart

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_a_bar_chart_is_an_image_named_and_described_in_words():
    svg = parsed(bar_chart("c1", "Offer acceptance", [Group("Pool", (Bar("Rate", 0.5, "50.0%"),)),
                                                      Group("Other", (Bar("Rate", 1.0, "100.0%"),))], scale=1))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Offer acceptance" and svg.find(f"{SVG}title").get("id") == "c1-title"
    assert svg.find(f"{SVG}desc").text == "Pool: 50.0%; Other: 100.0%"
    widths = [rect.get("width") for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert widths == ["50.00%", "100.00%"]
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["Pool", "50.0%", "Other", "100.0%"]
    assert int(svg.get("height")) > 0 and svg.get("width") == "100%"


def test_bars_without_a_scale_are_drawn_against_the_largest_and_nothing_is_never_a_bar():
    svg = parsed(bar_chart("c2", "Hires", [Group("A", (Bar("Hires", 4, "4"),)), Group("B", (Bar("Hires", 1, "1"),)),
                                           Group("C", (Bar("Hires", 0, "0"),)), Group("D", (Bar("Hires", None, "n/a"),))]))
    widths = [rect.get("width") for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert widths == ["100.00%", "25.00%", "0.00%", "0.00%"]
    empty = parsed(bar_chart("c3", "Nothing", []))
    assert not empty.find(f"{SVG}desc").text and int(empty.get("height")) > 0


def test_groups_of_several_bars_name_each_bar():
    svg = parsed(bar_chart("c4", "Rates", [Group("Event invite", (Bar("Open rate", 0.4, "40.0%", "blue"),
                                                                  Bar("Click rate", 0.1, "10.0%", "amber")))], scale=1))
    assert svg.find(f"{SVG}desc").text == "Event invite: Open rate 40.0%, Click rate 10.0%"
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["Event invite", "Open rate", "40.0%", "Click rate", "10.0%"]


def test_a_funnel_narrows_from_its_first_step_centred():
    svg = parsed(funnel_chart("f", "Funnel", [Step("Applications", 10, "Applications: 10"),
                                              Step("Hires", 5, "Hires: 5 · 50.0% of applications")]))
    assert svg.find(f"{SVG}desc").text == "Applications 10, Hires 5"
    bars = [(r.get("x"), r.get("width")) for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert bars == [("0.00%", "100.00%"), ("25.00%", "50.00%")]
    assert parsed(funnel_chart("g", "Empty", [Step("Applications", 0, "Applications: 0")])).find(f"{SVG}rect") is not None


def test_every_value_is_escaped_and_no_inline_style():
    hostile = '<script>alert(1)</script>" onload="x'
    markup = str(bar_chart('id"><x', hostile, [Group(hostile, (Bar(hostile, 1, hostile),))]))
    markup += str(funnel_chart("f", hostile, [Step(hostile, 1, hostile)]))
    assert "<script" not in markup and 'onload="' not in markup and "style=" not in markup
    assert not re.search(r'id="[^"]*"><x', markup)
    parsed(markup[:markup.index("</svg>") + 6])  # well-formed
