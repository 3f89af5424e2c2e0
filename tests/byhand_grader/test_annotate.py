"""Does the autograded notebook show each verdict once, wrapped, and, before Problem 5, the
student's own XOR run as the grader recorded it from their functions?

The recorded run comes from the harness's "explain" call (run here in this process, as
``test_harness_cheats`` does, without the sandbox) on the source's solutions and on a
wrong gradient written in this file.
"""

import base64
import copy

import nbformat
import pytest
import torch

from byhand.explain import explain_text, net_y_terms
from byhand.training import student_seed, train
from byhand.xor import init_xor
from byhand_grader import judge
from byhand_grader.annotate import _curve_png, annotate, curves, EXPLAIN_CELL_ID, verdict_text
from byhand_grader.assignment import load_assignment
from byhand_grader.harness.protocol import Reply, Request
from byhand_grader.harness.session import run_request
from byhand_grader.intake import harness_cells
from byhand_grader.judge import Failure
from byhand_grader.mistakes import OTHER
from byhand_grader.results import CellGrade, StudentResult
from byhand_instructor.sample_class import solved_release

from ..repo import COURSE

PARTB = load_assignment(COURSE, "partb")
LEAD = "logistic_grads disagrees with autograd on {} unseen {}."
SHARED = (
    "logistic_grads is off by a constant factor: on every case where it is wrong, every "
    "component is 0.5 times autograd's. On the notebook's own check (x = [1.0, 1.0], "
    "y = [1.0]) you return dE/dw[0] = -0.145452 where autograd gives -0.290904."
)


def _cell(messages):
    return CellGrade(
        "p1_logistic_grads_match_autograd",
        10,
        0.0,
        0,
        len(messages),
        [Failure(m, m) for m in messages],
    )


def test_what_every_failed_check_says_alike_is_said_once_and_lines_wrap():
    """Are the per-check leads listed and the shared diagnosis printed once, every line
    within the width?"""
    messages = [
        LEAD.format("6 of the 6", "random parameters") + " " + SHARED,
        LEAD.format("1 of the 1", "inputs x = [0, 0]") + " " + SHARED,
    ]
    text = verdict_text(_cell(messages))
    assert text.count("is off by a constant factor") == 1
    assert text.count("6 of the 6") == 1 and text.count("inputs x = [0, 0]") == 1
    assert "All 2 of these: logistic_grads is off" in text
    assert max(map(len, text.splitlines())) <= 100
    assert " ".join(text.split()).replace("- ", "").count("-0.145452") == 1


def test_identical_messages_are_printed_once():
    """Are two checks that fail with the same message (a missing function) one line?"""
    message = "there is no function named 'sgd_update'; answer cell 'p2' ended the process"
    text = verdict_text(_cell([message, message]))
    assert text.count("there is no function named") == 1
    assert "(all 2 failed checks say this)" in " ".join(text.split())


def _coded(messages_and_codes):
    return CellGrade(
        "p4_xor_grads_match_autograd",
        8,
        0.0,
        0,
        len(messages_and_codes),
        [Failure(m, m, codes) for m, codes in messages_and_codes],
    )


def test_a_failed_check_is_followed_by_the_hint_of_its_mistake():
    """Does the verdict give, after what is wrong, the catalogue's hint for the mistake the
    checks recognised, once when they all recognised it, and no hint for ``other``?"""
    hint = PARTB.mistakes.hint("dh-missing-w2")
    lead = "xor_grads disagrees with autograd on {} unseen cases."
    shared = "On every case where it is wrong, dE/dw_34 and dE/db0 lack the weight w2."
    text = verdict_text(
        _coded([(f"{lead.format(n)} {shared}", ("dh-missing-w2",)) for n in (3, 5)]),
        PARTB.mistakes,
    )
    flat = " ".join(text.split())
    assert flat.count("Hint: ") == 1 and flat.endswith(f"Hint: {hint}")
    assert flat.index("lack the weight w2") < flat.index("Hint: ")
    assert max(map(len, text.splitlines())) <= 100
    assert "Hint" not in verdict_text(_coded([(lead.format(3), ("dh-missing-w2",))]))
    assert "Hint" not in verdict_text(_coded([(lead.format(3), (OTHER,))]), PARTB.mistakes)


def test_checks_that_recognised_different_mistakes_each_get_their_hint():
    """When two checks of a cell recognised different mistakes, is each hint right under
    its own check?"""
    text = verdict_text(
        _coded([("the first check fails.", ("wrong-shape",)), ("the second fails.", ("other",))]),
        PARTB.mistakes,
    )
    flat = " ".join(text.split())
    first, second = flat.index("the first check"), flat.index("the second")
    assert first < flat.index("Hint: " + PARTB.mistakes.hint("wrong-shape")) < second
    assert flat.count("Hint: ") == 1


def _explain(student, cells, call=None):
    call = call or judge.build_calls(PARTB, student)["p5/explain"]
    got = []
    run_request(
        Request(
            cells=cells,
            calls=[call],
            call_kinds=list(PARTB.call_kinds),
            by_hand=list(PARTB.by_hand),
        ),
        got.append,
    )
    [reply] = [g for g in got if "call" in g]
    return call, {k: v for k, v in reply.items() if k != "call"}


@pytest.fixture(scope="module")
def cells():
    source = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    return harness_cells(solved_release(COURSE, "partb"), source, PARTB.setup_cells)


def _annotated(tmp_path, student, call, reply):
    path = tmp_path / "partb.ipynb"
    nbformat.write(solved_release(COURSE, "partb"), path)
    result = StudentResult(student, "partb")
    probe = judge.Probe(student, {call["id"]: call}, Reply(calls={call["id"]: reply}))
    annotate(path, result, PARTB, probe)
    nb = nbformat.read(path, as_version=4)
    at = next(n for n, c in enumerate(nb.cells) if c.get("id") == EXPLAIN_CELL_ID)
    assert nb.cells[at + 1].metadata["nbgrader"]["grade_id"] == "p5_explanation"
    annotate(path, result, PARTB, probe)  # idempotent: still one recorded cell
    assert [c.get("id") for c in nbformat.read(path, as_version=4).cells].count(
        EXPLAIN_CELL_ID
    ) == 1
    return nb.cells[at]


def test_the_recorded_table_is_the_one_the_students_notebook_prints(tmp_path, cells, partb):
    """Does the recorded cell, for a correct student, carry the table their notebook prints
    with their SEED (trained here for all 8000 epochs through their functions), two
    captioned plots, and a label saying the grader recorded it?"""
    call, reply = _explain("alice", cells)
    assert reply["ok"], reply
    [run] = reply["value"]["runs"]
    seed = student_seed("alice")
    assert run["seed"] == seed and run["tracked"] == call["track_epochs"]
    gen = torch.Generator().manual_seed(seed)
    own = train(
        partb["xor_forward"],
        partb["xor_grads"],
        partb["sgd_update"],
        init_xor(gen),
        *_data(),
        alpha=0.05,
        epochs=8000,
        gen=gen,
    )
    printed = explain_text(own.params, net_y_terms(own.params, partb["xor_forward"]))
    cell = _annotated(tmp_path, "alice", call, reply)
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert printed in text
    markdown = [
        o.data["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})
    ]
    assert markdown[0].startswith("**Recorded by the grader**") and str(seed) in markdown[0]
    pngs = [o.data["image/png"] for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 2 and all(base64.b64decode(p)[:4] == b"\x89PNG" for p in pngs)
    assert len(markdown) == 3 and all(m.startswith("*") for m in markdown[1:])
    assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False


def _data():
    from byhand.data import X, Y_XOR

    return X, Y_XOR


def test_a_run_unlike_a_correct_one_is_trained_through_the_students_functions(tmp_path, cells):
    """Is a student whose xor_grads lacks the factor 2 trained for the whole run with their
    own functions (not shown a correct run), and is that their table?"""
    notebook_run = PARTB.module("notebook_run")
    wrong = [dict(c) for c in cells]
    [answer] = [c for c in wrong if c["label"] == "answer cell 'p4_xor_grads_answer'"]
    answer["source"] = answer["source"].replace("d_y = 2 * (yhat - y)", "d_y = (yhat - y)")
    call = copy.deepcopy(judge.build_calls(PARTB, "bob")["p5/explain"])
    call["epochs"] = 600  # a short run: the path, not the length, is the question
    seed = call["seeds"][0]["seed"]
    track, final, errors = notebook_run.reference_run(seed, 600, 0.05, call["track_epochs"])
    call["seeds"] = [{"seed": seed, "track": track, "final": final, "errors": errors}]
    _, reply = _explain("bob", wrong, call)
    [run] = reply["value"]["runs"]
    # the error of every errors_every-th epoch, from the first: epochs 1, 9, ..., 593
    assert run["tracked"] is None and len(run["epoch_errors"]) == 600 // call["errors_every"]
    assert max(abs(a - b) for a, b in zip(run["params"]["w_012"], final["w_012"])) > 0.01
    cell = _annotated(tmp_path, "bob", call, reply)
    assert "were trained for all 600 epochs" in cell.outputs[0].data["text/markdown"]


def test_what_the_sandbox_sends_back_is_read_as_numbers_only(tmp_path):
    """Does a reply with text where numbers belong, or an error, stay out of markdown?"""
    call = {
        "id": "p5/explain",
        "kind": "explain",
        "seeds": [{"seed": 1, "errors": [1.0]}],
        "track_atol": 1e-3,
    }
    bad = {
        "ok": True,
        "value": {
            "runs": [
                {
                    "seed": 1,
                    "rows": [{"h": "<script>"}] * 4,
                    "params": {},
                    "tracked": None,
                    "epoch_errors": [],
                }
            ],
            "note": "<img src=x onerror=alert(1)>",
        },
    }
    cell = _annotated(tmp_path, "eve", call, bad)
    markdown = " ".join(
        o.data["text/markdown"] for o in cell.outputs if o.output_type == "display_data"
    )
    assert "<script>" not in markdown and "<img" not in markdown
    assert "could not be read" in markdown
    failed = _annotated(tmp_path, "eve", call, {"ok": False, "error": "TimeoutError: <b>x</b>"})
    assert [o.output_type for o in failed.outputs] == ["display_data", "stream"]
    assert "<b>x</b>" in failed.outputs[1].text


def test_the_curves_carry_the_calls_reference_and_draw_it_only_when_there():
    """Does each training curve carry its call's reference errors (the hidden code's correct
    run), and does the picture change with them and only with them?"""
    calls = judge.build_calls(PARTB, "alice")
    learn = {cid: c for cid, c in calls.items() if cid.startswith("p4/learn/")}
    errors = {cid: list(c["reference_errors"]) for cid, c in learn.items()}
    reply = Reply(
        calls={cid: {"ok": True, "value": {"epoch_errors": e}} for cid, e in errors.items()}
    )
    probe = judge.make_probe(PARTB, "alice", calls, reply, [])
    found = curves(probe)
    assert [c.reference_errors for c in found] == list(errors.values())
    (student,) = errors.values()
    every = next(iter(learn.values()))["errors_every"]
    alone = _curve_png(((tuple(student), every, ()),))
    under = _curve_png(((tuple(student), every, tuple(student)),))
    apart = _curve_png(((tuple(student), every, tuple(e / 2 for e in student)),))
    assert len({alone, under, apart}) == 3
