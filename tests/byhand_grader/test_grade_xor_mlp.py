"""Does the real grading pipeline score the ``xor_mlp`` extension as its hidden checks promise?

A throwaway copy of the course (config, source, grader_tests) gets a fresh
release of ``xor_mlp`` and six submissions built from it: the solution, the
blank release, and four one-line mistakes made by text replacement on the
solved notebook's answer cells.  ``byhand_grader.grade.grade`` then runs everything:
intake, nbgrader autograde, the sandboxed harness, the hidden checks and the
gradebook merge.  Each mistake must cost exactly the grade cell it breaks.
"""

import csv
import os
import re

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.judge import build_calls
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.release import release
from byhand_instructor.sample_class import solved_release, TIMESTAMP

from ..repo import copy_course, COURSE, REPO

ASSIGNMENT = "xor_mlp"
DESCRIPTION = load_assignment(COURSE, ASSIGNMENT)

#: student -> (answer cell, text in the solution, replacement), each one common mistake.
MISTAKES = {
    "variance-not-std": (
        "mlp_noise_answer",
        "return torch.sqrt(eta / (1 + t) ** gamma)",
        "return eta / (1 + t) ** gamma",
    ),
    "loss-after-step": (
        "mlp_train_answer",
        "losses.append(loss.item())",
        "losses.append(loss_fn(model(X), Y).item())",
    ),
    "missing-zero-grad": ("mlp_train_answer", "        optimizer.zero_grad()\n", ""),
    "wrong-init-range": (
        "mlp_build_answer",
        "bound = 1 / math.sqrt(layer.in_features)",
        "bound = 1 / layer.in_features",
    ),
}
#: student -> the grade cell it must lose (all of it), words its message must contain, and
#: the catalogue's code of its mistake (``grader_tests/xor_mlp/mistakes.py``).
LOSES = {
    "variance-not-std": ("mlp_noise_schedule", "variance", "noise-variance"),
    "loss-after-step": ("mlp_train_losses", "after the step", "mlp-loss-after-step"),
    "missing-zero-grad": ("mlp_train_updates", "zero_grad is missing", "mlp-zero-grad-missing"),
    "wrong-init-range": ("mlp_build_init", "wrong interval", "mlp-init-interval"),
}


def _points(nb):
    return {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in nb.cells
        if c.cell_type == "code" and (c.metadata.get("nbgrader") or {}).get("grade")
    }


def _mistake(nb, cell_id, old, new):
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    assert old in cell.source, f"the solution no longer contains {old!r}: update this test"
    cell.source = cell.source.replace(old, new)
    return nb


def _submit(root, student, nb):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    (folder / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(
        tmp_path_factory.mktemp("course"), with_release=False, with_grader_tests=True
    )
    release(course, [ASSIGNMENT])
    root = course.root
    _submit(root, "solution", solved_release(course, ASSIGNMENT))
    _submit(root, "blank", nbformat.read(course.release_notebook(ASSIGNMENT), as_version=4))
    for student, change in MISTAKES.items():
        _submit(root, student, _mistake(solved_release(course, ASSIGNMENT), *change))
    before = dict(os.environ)
    results = grade(course, [ASSIGNMENT], workers=1, progress=False)
    ENVIRONMENT.update(before=before, after=dict(os.environ))
    points = _points(nbformat.read(course.source_notebook(ASSIGNMENT), as_version=4))
    return course, points, {r.student: r for r in results}


#: the process environment before and after the in-process grading run
ENVIRONMENT = {}


def test_in_process_grading_sets_no_side_channel(graded):
    """One worker grades in the caller's process; does it leave the environment free of
    byhand variables?  The sandboxed kernel's course and slot travel on its command line
    (``Execute.extra_arguments``); once they went through os.environ, and a value left
    behind told a later kernel to hide the wrong course."""

    def ours(env):
        return {k: v for k, v in env.items() if "BYHAND" in k.upper()}

    assert ours(ENVIRONMENT["after"]) == ours(ENVIRONMENT["before"]) == {}


def _scores(result):
    return {c.grade_id: c.score for c in result.cells}


def test_hidden_checks_cover_exactly_the_autograded_cells():
    """Do the hidden tests score every autograded cell of the notebook, and nothing else (10 points)?"""
    points = _points(nbformat.read(COURSE.source_notebook(ASSIGNMENT), as_version=4))
    assert sum(points.values()) == 10
    marked = set(
        re.findall(
            r'grade_cell\("([^"]+)"\)',
            (REPO / "grader_tests" / ASSIGNMENT / f"test_{ASSIGNMENT}.py").read_text(),
        )
    )
    assert marked == set(points)


def test_solution_gets_full_marks(graded):
    """Does the reference solution pass every hidden check, with nothing to report?"""
    _, points, results = graded
    r = results["solution"]
    assert _scores(r) == points, r
    assert r.auto_score == sum(points.values()) == 10
    assert r.status == "graded" and not r.reasons and not r.notes
    assert all(c.passed == c.total > 0 and not c.failures for c in r.cells)


def test_blank_release_gets_zero(graded):
    """Does the untouched release score 0 in every cell, each saying the function is not written?"""
    _, points, results = graded
    r = results["blank"]
    assert _scores(r) == {g: 0 for g in points} and r.auto_score == 0
    assert all(c.total > 0 and c.failures for c in r.cells)
    assert all("NotImplementedError" in f.message for c in r.cells for f in c.failures)
    assert all(f.summary.startswith("not attempted") for c in r.cells for f in c.failures)
    assert {f.codes for c in r.cells for f in c.failures} == {("not-attempted",)}


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_each_mistake_loses_exactly_the_cell_it_breaks(graded, student):
    """Does each one-line mistake cost its own grade cell, in full, and no other point?"""
    _, points, results = graded
    r = results[student]
    lost, words, code = LOSES[student]
    assert _scores(r) == {**points, lost: 0}, r
    assert r.status == "graded"
    cell = next(c for c in r.cells if c.grade_id == lost)
    assert cell.passed == 0 and cell.failures
    assert all(words in f.message for f in cell.failures), cell.failures
    assert {f.codes for f in cell.failures} == {(code,)}


def test_messages_never_quote_hidden_inputs(graded):
    """Do the verdicts name the kind of case and quote only the notebook's examples?"""
    _, _, results = graded
    for student, r in results.items():
        text = " ".join(f.message for c in r.cells for f in c.failures)
        calls = build_calls(DESCRIPTION, student)
        for call in calls.values():
            if (
                call["kind"] == "build_mlp"
                and not call["id"].endswith("shown")
                and not call["id"].startswith("build/shown")
            ):
                assert str(call["seed"]) not in text, (student, call["id"])
        for needle in ("build/", "train/", "noise/", "SALT", "grader_tests", "Traceback"):
            assert needle not in text, (student, needle)


def test_gradebook_holds_the_judges_scores(graded):
    """Does `nbgrader export` give every student the total the judge computed?"""
    course, _, results = graded
    nbgrader(course, "export")
    with open(course.root / "grades.csv", newline="") as f:
        exported = {
            row["student_id"]: float(row["raw_score"])
            for row in csv.DictReader(f)
            if row["assignment"] == ASSIGNMENT
        }
    assert exported == {s: pytest.approx(r.auto_score) for s, r in results.items()}


# -- the harness's call kinds for this notebook, in process (no sandbox) ---------------------


def _harness(source, calls):
    """The harness's answer to ``calls`` after running ``source``, in this process."""
    import signal

    from byhand_grader.harness.protocol import Request
    from byhand_grader.harness.session import run_request

    out, alarm = {}, signal.getsignal(signal.SIGALRM)
    try:
        run_request(
            Request(
                cells=[
                    {"label": "answer", "source": "import torch\nfrom torch import nn\n" + source}
                ],
                calls=calls,
            ),
            lambda item: out.setdefault(item.get("call", "cells"), []).append(item),
        )
    finally:
        signal.signal(signal.SIGALRM, alarm)
    assert [c["error"] for c in out["cells"]] == [None]
    return {cid: items[0] for cid, items in out.items() if cid != "cells"}


def test_harness_names_what_came_back_instead_of_the_contract():
    """Does a wrong return type give a plain, student-safe sentence, and never a crash?"""
    calls = build_calls(DESCRIPTION, "someone")
    wanted = [
        calls["build/shown/2-default-bias"],
        calls["noise/shown"],
        calls["train/shown"],
        calls["train/mse/2"],
    ]
    got = _harness(
        "def build_mlp(hidden, init, bias, seed):\n    return [nn.Linear(2, hidden)]\n"
        "def noise_std(t, eta, gamma=0.55):\n    return 0.5\n"
        "def train_full_batch(model, X, Y, lr, epochs, loss_fn):\n"
        "    if epochs == 2:\n"
        "        return (loss_fn(model(X), Y), 1, 'x')\n",
        wanted,
    )
    assert got["build/shown/2-default-bias"] == {
        "call": "build/shown/2-default-bias",
        "ok": False,
        "error": "TypeError: build_mlp returned a list, not an nn.Sequential",
        "error_type": "TypeError",
        "missing": False,
        "cause": None,
    }
    assert got["noise/shown"]["value"] == {"returned": "a float", "shape": None, "values": [0.5]}
    train = got["train/shown"]["value"]
    assert train["returned"] == "None" and train["losses"] is None
    assert train["state"] == {"0.weight": [0.5, -0.5], "0.bias": [pytest.approx(0.1)]}
    odd = got["train/mse/2"]["value"]
    assert odd["returned"] == "a tuple" and odd["float_entries"] == [False, False, False]
    assert odd["entry_types"] == ["a Tensor", "a str", "an int"]
    assert odd["losses"][1:] == [1.0, None] and odd["losses"][0] > 0


def test_harness_builds_the_exact_model_and_the_named_loss():
    """Does train_full_batch get an nn.Sequential holding exactly the given values, and the named loss?"""
    import torch

    calls = build_calls(DESCRIPTION, "someone")
    call = calls["train/sum_squared/3"]
    got = _harness(
        "def train_full_batch(model, X, Y, lr, epochs, loss_fn):\n"
        "    return [float(isinstance(model, nn.Sequential)), float(isinstance(loss_fn, nn.MSELoss)),\n"
        "            float(loss_fn.reduction == 'sum'), float(model[0].weight.detach().double().sum()),\n"
        "            float(X.dtype == Y.dtype == torch.float32), float(Y.shape[1]), lr, float(epochs)]\n",
        [call],
    )[call["id"]]["value"]
    weight_sum = float(torch.tensor(call["state"]["0.weight"]).double().sum())
    assert got["returned"] == "a list" and all(got["float_entries"])
    assert got["losses"] == [1.0, 1.0, 1.0, weight_sum, 1.0, 1.0, call["lr"], 3.0]
    assert got["state"] == {
        k: torch.tensor(v).double().flatten().tolist() for k, v in call["state"].items()
    }
