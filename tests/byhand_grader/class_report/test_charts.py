"""Does each chart's alt text state its numbers, and is the chart a PNG inside the page?"""

import base64

from byhand_grader.class_report.charts import alt_text, bar_chart
from byhand_grader.class_report.statistics import Distribution


def test_alt_text_states_the_numbers():
    """Most students first, the maximum said once, pending students counted."""
    d = Distribution("P1", "logistic", "problem", 10, {0.0: 5, 5.0: 2, 10.0: 18})
    assert alt_text(d) == "P1 (10 points): 18 students at 10 of 10, 5 at 0, 2 at 5"
    one = Distribution("P4", "xor", "problem", 15, {3.0: 1})
    assert alt_text(one) == "P4 (15 points): 1 student at 3 of 15"
    p5 = Distribution("P5", "explain", "hand-graded problem", 10, {7.0: 1}, pending=22)
    assert alt_text(p5) == "P5 (10 points): 1 student at 7 of 10; 22 not graded yet"
    assert alt_text(Distribution("P5", "", "", 10, {}, pending=3)).endswith(
        "no scores yet; 3 not graded yet"
    )


def test_chart_is_an_embedded_png():
    """A data: URI holding a PNG, the same bytes for the same numbers (no date inside)."""
    d = Distribution("P1", "logistic", "problem", 10, {0.0: 5, 10.0: 18})
    uri = bar_chart(d)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert bar_chart(d) == uri
