"""Is the given package free of answers, in any form a student could read?

It is installed on students' machines, so no closed-form gradient (an answer
to Problems 1, 3, 4) and no function an answer cell asks for may sit in it.
The closed forms live grader-side (``grader_tests/partb/reference_rules.py``);
the batched simulator (``byhand_grader/simulate.py``) gets its gradients by
autograd and holds forward passes only.  The hints it carries (``byhand/hints.py``,
generated from the catalogues) are prose: each is scanned for a formula written as
maths, and the catalogue's names for instructors, which may state one, stay out.
"""

import ast

import pytest

from byhand.hints import HINTS
from byhand_grader import simulate
from byhand_grader.assignment import load_assignment

from ..answers import (
    closed_form_telltales,
    defined_names,
    prose_formula_telltales,
    student_functions,
)
from ..repo import COURSE, REPO

PACKAGE = REPO / "byhand"


def test_telltale_scan_finds_the_closed_forms():
    """Does the scan find every closed-form rule (all grader-side), in any algebraic form, and skip prose?"""
    hits = closed_form_telltales(
        (REPO / "grader_tests" / "partb" / "reference_rules.py").read_text(), "reference_rules"
    )
    funcs = {"xor_grads": 2, "logistic_grads": 1, "tanh_grads": 1}
    tree = ast.parse((REPO / "grader_tests" / "partb" / "reference_rules.py").read_text())
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        lines = range(fn.lineno, fn.end_lineno + 1)
        assert sum(h[1] in lines for h in hits) >= funcs[fn.name], fn.name
    variants = closed_form_telltales(
        (REPO / "grader_tests" / "partb" / "xor_starts.py").read_text()
    )
    assert {"g (1 - g)", "g - g^2"} <= {h[2] for h in variants}
    odd_forms = [
        "d = (1.0 - out) * out * err * 2",  # commuted, 1.0, other names
        "g = torch.sigmoid(z) * (1 - torch.sigmoid(z))",  # on a call
        "d = 2 * (a - t) * (1 - a ** 2)",  # tanh, power form
        "d = e * (a - a * a)",  # expanded logistic
        "cell = 'd_net = 2 * (yhat - y) * yhat * (1 - yhat)'",  # code in a string
        "g = torch.ops.aten.sigmoid_backward(go, yhat)",
    ]
    for code in odd_forms:
        assert closed_form_telltales(code), code
    clean = [
        '"""d_y = 2 (yhat - y) yhat (1 - yhat)"""\nx = 1',  # a docstring states the maths
        "# d_h = d_y * w2 * h * (1 - h)\nx = 1",  # so does a comment
        "half = z * math.sqrt(phat * (1 - phat) / n)",  # a binomial variance
        "loss = ((yhat - y) ** 2).sum()",  # the loss, not its derivative
        "h = 1 / (1 + torch.exp(-net))",  # a forward pass
    ]
    for code in clean:
        assert not closed_form_telltales(code), code


def test_simulator_has_no_closed_form_gradient():
    """Does the batched simulator (byhand_grader/simulate.py) hold forward passes only, no closed-form gradient?"""
    path = REPO / "byhand_grader" / "simulate.py"
    assert closed_form_telltales(path.read_text(), "simulate.py") == []
    assert not hasattr(simulate, "xor_grads") and not hasattr(simulate, "logistic_grads")


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))
)
def test_package_has_no_closed_form_gradient(path):
    """Is each file of the given package free of closed-form gradients (the answers students derive)?"""
    hits = closed_form_telltales((PACKAGE / path).read_text(encoding="utf-8"), path)
    assert hits == [], "closed-form gradient in the package: " + "; ".join(
        f"{w}:{line} {kind}: {code}" for w, line, kind, code in hits
    )


def test_package_defines_no_function_students_write():
    """Does no module of the given package define a function an answer cell asks for?"""
    wanted = student_functions(COURSE)
    assert {"logistic_grads", "sgd_update", "xor_forward", "xor_grads", "build_mlp"} <= set(wanted)
    for path in sorted(PACKAGE.rglob("*.py")):
        clash = defined_names(path.read_text(encoding="utf-8")) & set(wanted)
        assert not clash, f"{path.name} defines {sorted(clash)}, which students write"


def test_prose_scan_finds_the_formulas_as_people_write_them():
    """Does the prose scan find every derivative a hint could give away, however it is
    written, and pass the maths the notebook itself gives (the loss, a chain-rule step)?"""
    for text in (
        "yhat (1 - yhat)",
        "multiply by h(1-h)",
        "g(net) (1 - g(net))",
        "(1 - h) * h",
        "yhat - yhat**2",
        "1 - yhat²",
        "1 - tanh^2(net)",
        "1 - tanh(net)^2",
        "sech^2(net)",
        "dE/dyhat = 2 (yhat - y)",
    ):
        assert prose_formula_telltales(text), text
    for text in (
        "the squared error (yhat - y)^2",
        "what does d(net)/d(b) give?",
        "the factor 2 of d(yhat - y)^2/dyhat",
        "x (1 - x0)",
        "1 - alpha",
    ):
        assert not prose_formula_telltales(text), text


@pytest.mark.parametrize("assignment", sorted(HINTS))
def test_hints_state_no_formula(assignment):
    """Does every hint the package carries point at a step without stating, in prose, a
    formula that answers a problem?  (As code, ``test_package_has_no_closed_form_gradient``
    scans the hints file with the rest of the package.)"""
    for code, hint in HINTS[assignment].items():
        assert prose_formula_telltales(hint.text) == [], f"{assignment}/{code}: {hint.text}"


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_hints_carry_no_instructors_name(assignment):
    """Are the catalogue's names for instructors (where a formula may be stated, e.g.
    'd_h without h (1 - h)') absent from the package's hints file, and does the scan find
    the formula some of them state (so the file's freedom from them means something)?"""
    text = (PACKAGE / "hints.py").read_text(encoding="utf-8")
    catalogue = load_assignment(COURSE, assignment).mistakes
    for m in catalogue:
        assert m.name not in text, f"{assignment}/{m.code}: its name is in byhand/hints.py"
    if assignment == "partb":
        assert any(prose_formula_telltales(m.name) for m in catalogue)
