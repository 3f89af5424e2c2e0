"""Does the Problem 5 rubric, as data, describe what correct runs really learn, and is the
page graders read the same rubric?"""

import dataclasses
import re
from collections import Counter

import nbformat
import pytest

from byhand.explain import FAMILIES
from byhand.outcomes import classify_runs
from byhand_grader.assignment import AssignmentError, load_assignment
from byhand_grader.rubric import markdown_families, markdown_items
from byhand_grader.simulate import draw_xor_starts, simulate_xor
from byhand_instructor.luck import hidden_families

from ..repo import COURSE, REPO

PARTB = load_assignment(COURSE, "partb")
RUBRIC = PARTB.rubric
PAGE = REPO / "docs" / "grading-partb.md"


def _table_after(text, heading):
    """The first markdown table after ``heading`` on the page, as its lines."""
    rest = text[text.index(heading) :]
    lines = rest.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    end = next((n for n in range(start, len(lines)) if not lines[n].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.parametrize(
    "heading, table",
    [("## Rubric", markdown_items), ("## The eight families", markdown_families)],
    ids=["items", "families"],
)
def test_the_page_shows_the_rubric_the_grader_uses(heading, table):
    """Is each table of docs/grading-partb.md the one grader_tests/partb/rubric.py gives,
    line for line (edit the data, then paste the table it prints)?"""
    page = PAGE.read_text(encoding="utf-8")
    assert _table_after(page, heading) == table(RUBRIC), (
        f"docs/grading-partb.md's table under {heading!r} differs from "
        f"grader_tests/partb/rubric.py; the data gives:\n{table(RUBRIC)}"
    )


def test_a_changed_rubric_no_longer_matches_the_page():
    """Would the test above fail when the data changes: one point moved, one sign flipped?"""
    page = PAGE.read_text(encoding="utf-8")
    first, second, *rest = RUBRIC.items
    moved = dataclasses.replace(
        RUBRIC,
        items=(
            dataclasses.replace(first, points=first.points + 1),
            dataclasses.replace(second, points=second.points - 1),
            *rest,
        ),
    )
    assert _table_after(page, "## Rubric") != markdown_items(moved)
    nor, *others = RUBRIC.families
    flipped = dataclasses.replace(
        RUBRIC, families=(dataclasses.replace(nor, signs="+--+"), *others)
    )
    assert _table_after(page, "## The eight families") != markdown_families(flipped)


def test_rubric_lists_all_eight_families():
    """Does the rubric cover every family, each with the on-pattern explain_xor names it by,
    so no correct answer is marked wrong?"""
    assert {f.on: f.name for f in RUBRIC.families} == FAMILIES


def test_rubric_points_are_the_notebooks():
    """Do the items add up to the points the notebook gives Problem 5, and does the
    description's check fail when they do not?"""
    nb = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    PARTB.check(nb)
    cell = next(c for c in nb.cells if c.get("id") == RUBRIC.grade_id)
    assert RUBRIC.points == cell.metadata["nbgrader"]["points"]
    cell.metadata["nbgrader"]["points"] = RUBRIC.points + 1
    with pytest.raises(AssignmentError, match="add up to 10 points"):
        PARTB.check(nb)


def test_rubric_signs_match_simulated_runs():
    """Is each family's sign of (w0, w1, w2, b1) in the rubric the one solved runs show?"""
    seeds = list(range(400))
    params, orders = draw_xor_starts(seeds)
    out = simulate_xor(params, orders)
    solved = classify_runs(out["yhat"])["solved"].tolist()
    families = hidden_families(out["params"])
    w012, b1 = out["params"]["w_012"], out["params"]["b1"][:, 0]
    seen = {}
    for i, (fam, ok) in enumerate(zip(families, solved)):
        if ok and fam in FAMILIES.values():
            signs = "".join("+" if v > 0 else "-" for v in (*w012[i].tolist(), float(b1[i])))
            seen.setdefault(fam, Counter())[signs] += 1
    rubric = {f.name: f.signs for f in RUBRIC.families}
    for fam, counts in seen.items():
        assert counts.most_common(1)[0][0] == rubric[fam], (fam, counts)
    assert len(seen) >= 6  # 400 seeds meet at least six of the eight families


def test_the_page_names_where_the_rubric_lives():
    """Does the page send a maintainer to the data and the test, by their real paths?"""
    page = PAGE.read_text(encoding="utf-8")
    for path in re.findall(r"`((?:tests|grader_tests)/[\w/]+\.py)`", page):
        assert (REPO / path).is_file(), path
    assert "grader_tests/partb/rubric.py" in page
