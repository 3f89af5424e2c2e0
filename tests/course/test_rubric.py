"""Does the Problem 5 rubric describe what correct runs really learn?"""

import re
from collections import Counter

from byhand.explain import FAMILIES
from byhand.outcomes import classify_runs
from byhand_grader.simulate import draw_xor_starts, simulate_xor
from byhand_instructor.luck import hidden_families

from ..repo import REPO


def _rubric_signs():
    text = (REPO / "docs" / "grading-partb.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \(.+?\) \| ([−+]), ([−+]), ([−+]), ([−+]) \|", text, re.M)
    return {name: "".join("+" if s == "+" else "-" for s in signs) for name, *signs in rows}


def test_rubric_lists_all_eight_families():
    """Does the rubric cover every family, so no correct answer is marked wrong?"""
    assert set(_rubric_signs()) == set(FAMILIES.values())


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
    rubric = _rubric_signs()
    for fam, counts in seen.items():
        assert counts.most_common(1)[0][0] == rubric[fam], (fam, counts)
    assert len(seen) >= 6  # 400 seeds meet at least six of the eight families
