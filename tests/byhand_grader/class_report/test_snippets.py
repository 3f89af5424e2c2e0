"""Is the answer shown for a mistake the student's code, with nothing that names them?"""

import nbformat

from byhand_grader.class_report.snippets import (
    anonymise,
    ANONYMOUS,
    answer_cells,
    MAX_LINES,
    snippet,
    strip_comments,
)

from ...repo import COURSE

SOURCE = '''# Problem 1: my answer, by Ada Lovelace (ada-42)
def logistic_grads(params, x, y):
    """The given docstring: the gradient of E."""
    yhat = forward(params, x)  # the forward pass
    d = (yhat - y)  # no factor 2, "#" kept inside a string: "a # b"

    # a comment alone

    return {"w": d * x, "b": d, "note": "ada-42 # not a comment"}
'''


def test_comments_and_docstrings_go():
    """Are comments (not a # inside a string) and docstrings removed, blank runs collapsed?"""
    assert strip_comments(SOURCE) == (
        "def logistic_grads(params, x, y):\n"
        "    yhat = forward(params, x)\n"
        "    d = (yhat - y)\n\n"
        '    return {"w": d * x, "b": d, "note": "ada-42 # not a comment"}'
    )


def test_names_go():
    """Are the student's id and names replaced wherever they are, whatever their case?"""
    text = anonymise(SOURCE + "print('ADA LOVELACE')\n", ["ada-42", "Ada", "Lovelace"])
    assert "ada" not in text.lower() and "lovelace" not in text.lower()
    assert f'"{ANONYMOUS} # not a comment"' in text and f"print('{ANONYMOUS} {ANONYMOUS}')" in text


def test_code_that_does_not_parse_still_loses_its_comments():
    """A syntax error is a mistake too: its code shows, without its comments."""
    text = strip_comments("def f(x:  # broken\n    return x +\n# end\n")
    assert text == "def f(x:\n    return x +"


def test_long_answers_are_cut():
    """Is an answer longer than MAX_LINES cut, saying how many lines were left out?"""
    text = anonymise("\n".join(f"x{i} = {i}" for i in range(MAX_LINES + 5)), [])
    assert text.splitlines()[-1] == "... (5 more lines)"
    assert len(text.splitlines()) == MAX_LINES + 1


def test_answer_cells_behind_each_grade_cell():
    """Does each grade cell map to the answer cells above it, and the training check to the
    last answer above it?"""
    nb = nbformat.read(COURSE.release_notebook("partb"), as_version=4)

    def ids(grade_id):
        return [c.metadata["nbgrader"]["grade_id"] for c in answer_cells(nb, grade_id)]

    assert ids("p1_logistic_grads_match_autograd") == ["p1_logistic_grads_answer"]
    assert ids("p4_xor_forward_values") == ["p4_xor_forward_answer"]
    assert ids("p4_xor_grads_match_autograd") == ["p4_xor_grads_answer"]
    assert ids("p4_xor_learns") == ["p4_xor_grads_answer"]
    assert ids("no_such_cell") == []


def test_snippet_from_an_autograded_notebook(tmp_path):
    """Is the snippet the answer cell of the student's notebook, anonymised, and None
    where there is no notebook?"""
    nb = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    for c in nb.cells:
        if c.get("id") == "p1_logistic_grads_answer":
            c.source = SOURCE
    path = tmp_path / "partb.ipynb"
    nbformat.write(nb, path)
    text = snippet(path, "p1_logistic_grads_match_autograd", ["ada-42", "Ada", "Lovelace"])
    assert text.startswith("def logistic_grads(params, x, y):") and "ada" not in text.lower()
    assert snippet(tmp_path / "absent.ipynb", "p1_logistic_grads_match_autograd", []) is None


def test_docstrings_go_from_code_that_does_not_parse():
    """The syntax-error scenario's answer: its given docstring goes too, its code stays."""
    source = 'def tanh_grads(params, x, y):\n    """Given text.\n\n    More.\n    """\n    d = {"w": 1\n    return d\n'
    assert strip_comments(source) == 'def tanh_grads(params, x, y):\n    d = {"w": 1\n    return d'
    # a string that is not a statement of its own stays
    kept = 'def f():\n    "a".join(x)\n    return "b"\n'
    assert strip_comments(kept) == kept.rstrip()
