"""Does the grader's note on Problem 5 say what the student's own recorded network is, hold
the answer against it honestly, suggest points only where that is plain, reach the
gradebook row formgrader shows, and leave every hand-given score and comment alone?

The recorded runs are real: the harness's "explain" call on the source's solutions (run in
this process, as ``test_annotate`` does), for students whose seeds lead a correct
implementation to different families; which student lands where is found here from a
correct run (``notebook_run.reference_run``), not from the code under test.
"""

import copy
import json
import math

import nbformat
import pytest
from nbgrader.api import Gradebook

from byhand.explain import FAMILIES, hidden_family
from byhand.training import student_seed
from byhand_grader import judge
from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.harness.protocol import Request
from byhand_grader.harness.session import run_request
from byhand_grader.intake import harness_cells
from byhand_grader.nbgrader_plugins.feedback import NoGradersNote
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.results import from_data, read_results, StudentResult, to_data
from byhand_grader.rubric import (
    agreement,
    answer_text,
    assist,
    given_points,
    NOTE_HEAD,
    student_comment,
)
from byhand_instructor.sample_class import solved_release, TIMESTAMP

from ..repo import copy_course, COURSE

PARTB = load_assignment(COURSE, "partb")
RUBRIC = PARTB.rubric
NOTEBOOK_RUN = PARTB.module("notebook_run")
SOURCE = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
MODEL_ANSWER = answer_text(SOURCE, RUBRIC.grade_id)
RUN = PARTB.module("probes").NOTEBOOK_RUN


def _correct_run(seed):
    """``(family, solves)`` of a correct run from ``seed``, as the notebook makes it."""
    _, final, _ = NOTEBOOK_RUN.reference_run(seed, RUN["epochs"], RUN["alpha"], 0)
    (w3, w4), (b0,) = final["w_34"], final["b0"]
    h = [
        1 / (1 + math.exp(-(w3 * x0 + w4 * x1 + b0))) for x0, x1 in ((0, 0), (0, 1), (1, 0), (1, 1))
    ]
    return hidden_family(h), NOTEBOOK_RUN.solves(final)


@pytest.fixture(scope="module")
def students():
    """``{family: student id}`` for five families, and ``"unlucky"``: a student whose SEED
    run does not learn and whose attempt 1 does."""
    wanted = {"AND", "NOR", "NAND", "OR", "x1 AND NOT x0"}
    found = {}
    for n in range(200):
        sid = f"s{n:03d}"
        family, solves = _correct_run(student_seed(sid))
        if solves and family in wanted and family not in found:
            found[family] = sid
        elif not solves and "unlucky" not in found and _correct_run(student_seed(sid, 1))[1]:
            found["unlucky"] = sid
        if len(found) == len(wanted) + 1:
            return found
    raise AssertionError(f"200 student ids gave only {sorted(found)}")


@pytest.fixture(scope="module")
def cells():
    return harness_cells(solved_release(COURSE, "partb"), SOURCE, PARTB.setup_cells)


def _explain(student, cells, call=None):
    """The real recording: ``(call, reply)`` of the harness's explain call."""
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


def _own_answer(run, family):
    """An answer written from the student's own table: seed, parameters, family, terms."""
    p = run["params"]
    rows = run["rows"]
    return (
        f"With seed {run['seed']} my network learned w3 = {p['w_34'][0]:.2f}, "
        f"w4 = {p['w_34'][1]:.2f}, b0 = {p['b0'][0]:.2f}, w0 = {p['w_012'][0]:.2f}, "
        f"w1 = {p['w_012'][1]:.2f}, w2 = {p['w_012'][2]:.2f} and b1 = {p['b1'][0]:.2f}. "
        f"The hidden unit is {family}. At 11, $w_2 h = {rows[3]['w2·h']:.2f}$ and "
        f"$net_y = {rows[3]['net_y']:.2f}$."
    )


FAMILY_CASES = ("AND", "NOR", "NAND", "OR", "x1 AND NOT x0")


@pytest.mark.parametrize("family", FAMILY_CASES)
def test_the_note_names_the_family_of_the_students_own_network(family, students, cells):
    """For students whose own SEED runs land in different families, does the note name that
    family, the seed it learned from, the signs the rubric lists, the table, and find the
    answer written from that table consistent with it?"""
    student = students[family]
    call, reply = _explain(student, cells)
    [run] = reply["value"]["runs"]
    data = assist(RUBRIC, (call, reply), _own_answer(run, family), None, MODEL_ANSWER)
    seed = student_seed(student)
    assert (data["family"], data["learned"], data["attempt"], data["seed"]) == (
        family,
        True,
        0,
        seed,
    )
    assert data["usual_signs"] is True and data["right"] == ["00", "01", "10", "11"]
    assert data["suggested"] is None and data["supported"] == [1, 2, 3, 4]
    note = data["note"]
    assert note.startswith(NOTE_HEAD) and "Suggested: none" in note
    assert f"Recorded: {family} (h on for " in note
    assert f"learned XOR from SEED = {seed}." in note
    assert "w0 w1 w2 b1: " + " ".join("−" if c == "-" else "+" for c in data["signs"]) in note
    assert "the rubric's)" in note and "4 of 4 right" in note
    checks = data["answer"]
    assert checks["seeds_named"] == [0] and checks["seeds_other"] == []
    assert len(checks["parameters_quoted"]) == 7
    assert checks["as_recorded"] == checks["quoted"] and checks["model_answer_numbers"] == []
    assert family in checks["families_named"] and f"names {family}: yes" in note
    assert len(note.splitlines()) <= 6, note  # formgrader's box shows seven


def test_the_families_differ_and_a_wrong_family_is_caught(students, cells):
    """Are the five students' families five, and does an answer naming another family, or
    quoting another student's numbers, read as not the recording's?"""
    assert len({students[f] for f in FAMILY_CASES}) == 5
    nor_call, nor_reply = _explain(students["NOR"], cells)
    and_call, and_reply = _explain(students["AND"], cells)
    [and_run] = and_reply["value"]["runs"]
    data = assist(RUBRIC, (nor_call, nor_reply), _own_answer(and_run, "AND"), None, MODEL_ANSWER)
    checks = data["answer"]
    assert data["family"] == "NOR" and "names NOR: no (also AND)" in data["note"]
    assert checks["seeds_named"] == [] and checks["seeds_other"] == [and_run["seed"]]
    assert checks["as_recorded"] < checks["quoted"]


def test_the_model_answer_copied_is_pointed_out(students, cells):
    """Does the model answer (SEED = 0), handed in by a student whose network is not the
    model answer's, show as numbers of the model answer that the recording lacks?"""
    call, reply = _explain(students["NOR"], cells)
    data = assist(RUBRIC, (call, reply), MODEL_ANSWER, None, MODEL_ANSWER)
    checks = data["answer"]
    assert checks["seeds_other"] == [0] and "seed named: 0 (the model answer's)" in data["note"]
    assert {"5.62", "8.82", "11.23"} <= set(checks["model_answer_numbers"])
    assert "of them the model answer's: 5.62, 8.82, 4.94" in data["note"]
    assert data["suggested"] is None  # a pointer, not a score


def test_a_seed_that_did_not_learn_is_explained_from_the_next_attempt(students, cells):
    """For a student whose SEED run does not learn and whose attempt 1 does, does the note
    say so and explain attempt 1; and with only SEED replayed, that it did not learn, which
    patterns are wrong, and whether the answer says so?"""
    student = students["unlucky"]
    call, reply = _explain(student, cells)
    data = assist(RUBRIC, (call, reply), "It learned.", None, MODEL_ANSWER)
    first, second = student_seed(student), student_seed(student, 1)
    assert [r["learned"] for r in data["runs"]] == [False, True]
    assert (data["attempt"], data["seed"], data["learned"]) == (1, second, True)
    assert f"learned XOR from attempt 1 (seed {second}); SEED = {first} (" in data["note"]
    assert "says a run did not learn: no" in data["note"]

    only_seed = copy.deepcopy(call)
    only_seed["seeds"] = only_seed["seeds"][:1]
    _, reply = _explain(student, cells, only_seed)
    answer = "My run from SEED did not learn XOR: the output is stuck near 0.5."
    data = assist(RUBRIC, (only_seed, reply), answer, None, MODEL_ANSWER)
    assert (data["attempt"], data["learned"], data["attempts_skipped"]) == (0, False, False)
    assert len(data["right"]) < 4 and "(WRONG)" in data["note"]
    assert f"did NOT learn XOR from SEED = {first}." in data["note"]
    assert data["answer"]["says_not_learned"] and "says a run did not learn: yes" in data["note"]
    patterns = next(i for i in data["items"] if i["check"] == "patterns")
    assert "full marks if the answer says it did not learn" in patterns["what"]


def test_a_run_off_a_correct_path_says_the_further_attempts_were_not_replayed(cells):
    """For a wrong xor_grads (no d_h: the hidden unit never learns), trained through the
    student's own functions, does the note say it did not learn and that attempts 1 and 2
    were not replayed?"""
    wrong = [dict(c) for c in cells]
    [answer] = [c for c in wrong if c["label"] == "answer cell 'p4_xor_grads_answer'"]
    answer["source"] = answer["source"].replace("d_h = ", "d_h = 0 * ")
    assert "d_h = 0 * " in answer["source"]
    call = copy.deepcopy(judge.build_calls(PARTB, "bob")["p5/explain"])
    call["epochs"] = 600  # short: the path, not the length, is the question
    call["seeds"] = []
    for attempt in range(3):
        seed = student_seed("bob", attempt)
        track, final, errors = NOTEBOOK_RUN.reference_run(seed, 600, 0.05, call["track_epochs"])
        call["seeds"].append({"seed": seed, "track": track, "final": final, "errors": errors})
    call, reply = _explain("bob", wrong, call)
    data = assist(RUBRIC, (call, reply), "It learned AND.", None, MODEL_ANSWER)
    assert (data["learned"], data["attempts_skipped"]) == (False, True)
    assert "the further attempts were not replayed" in data["note"]


@pytest.mark.parametrize(
    "answer, said, because",
    [
        ("*Type your answer here*", "No response.", "No response: the answer cell is as released"),
        (None, None, "No response: the answer cell is as released"),
        ("  <!-- nothing -->\n", None, "the answer cell is empty"),
    ],
    ids=["as-released", "no-cell", "empty"],
)
def test_an_empty_answer_suggests_0_and_says_why(answer, said, because, students, cells):
    """Does an answer left as released (nbgrader's "No response."), missing or empty get
    the one suggestion that needs no judgement, 0, with what it rests on, and keep
    nbgrader's "No response." for the student?"""
    call, reply = _explain(students["AND"], cells)
    data = assist(RUBRIC, (call, reply), answer, said, MODEL_ANSWER)
    assert data["suggested"] == 0 and data["because"] == because
    assert data["answer"] is None and data["family"] == "AND"  # the recording still shown
    assert f"Suggested: 0 of 10 points ({because})." in data["note"]
    assert student_comment(data["note"]) == said
    written = assist(RUBRIC, (call, reply), "The hidden unit is AND.", None, MODEL_ANSWER)
    assert written["suggested"] is None and student_comment(written["note"]) is None


def test_without_a_recording_nothing_is_made_up():
    """With no recorded run (the student's functions could not run) or one the sandbox
    garbled, does the note say so, claim no family, and check only what the text can?"""
    for recorded in (
        None,
        ({"id": "p5/explain", "seeds": []}, {"ok": False, "error": "NameError"}),
        (
            {"id": "p5/explain", "seeds": [{"seed": 1, "errors": [1.0]}]},
            {"ok": True, "value": {"runs": [{"seed": 1, "rows": [{"h": "<b>"}] * 4}]}},
        ),
    ):
        data = assist(RUBRIC, recorded, "AND, seed 1", None, MODEL_ANSWER)
        assert data["family"] is None and data["learned"] is None and data["runs"] == []
        assert "Recorded: no run" in data["note"] and "<b>" not in data["note"]
        assert data["supported"] == [4]  # the one item that is not about the run
        assert data["suggested"] is None


def test_the_feedback_page_never_shows_the_note():
    """Does the feedback preprocessor leave a comment a person typed alone, keep nbgrader's
    "No response.", and drop the grader's note?"""
    cells = [
        nbformat.v4.new_markdown_cell("x", metadata={"nbgrader": {"comment": c}})
        for c in (f"No response. {NOTE_HEAD} Suggested: 0", f"{NOTE_HEAD} Suggested: none", "Good.")
    ]
    nb, _ = NoGradersNote().preprocess(nbformat.v4.new_notebook(cells=cells), {})
    assert [c.metadata["nbgrader"]["comment"] for c in nb.cells] == ["No response.", None, "Good."]


def test_the_results_file_carries_problem5():
    """Does ``problem5`` survive the results file (JSON), and an old file without it read
    as {}?"""
    result = StudentResult("s", "partb", problem5={"family": "AND", "suggested": None})
    again = from_data(json.loads(json.dumps(to_data(result))))
    assert again.problem5 == {"family": "AND", "suggested": None}
    old = to_data(result)
    del old["problem5"]
    assert from_data(old).problem5 == {}


def test_agreement_counts_only_students_with_a_suggestion():
    """Does agreement count, among students with a suggestion, those given points by hand
    and those whose points equal it, and list the others?"""
    results = [
        StudentResult("a", "partb", problem5={"suggested": 0.0}),
        StudentResult("b", "partb", problem5={"suggested": 0.0}),
        StudentResult("c", "partb", problem5={"suggested": 0.0}),
        StudentResult("d", "partb", problem5={"suggested": None}),
        StudentResult("e", "partb"),
    ]
    got = agreement(results, {"a": 0.0, "b": 3.0, "c": None, "d": 10.0, "e": 5.0})
    assert got == {
        "suggested": 3,
        "graded": 2,
        "agree": 1,
        "share": 0.5,
        "disagree": [("b", 0.0, 3.0)],
    }
    assert agreement(results, {})["share"] is None


# -- the gradebook: a real class run --------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of two, graded by `byhand grade`: the solution ("solved") and the release
    untouched ("blank")."""
    course = copy_course(tmp_path_factory.mktemp("rubric") / "course", with_grader_tests=True)
    nbgrader(course, "generate_assignment", "partb", "--force")
    for student, nb in (
        ("solved", solved_release(course, "partb")),
        ("blank", nbformat.read(course.release_notebook("partb"), as_version=4)),
    ):
        folder = course.submitted / student / "partb"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "partb.ipynb")
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n")
    results = {r.student: r for r in grade(course, ["partb"], workers=1, progress=False)}
    return course, results


def _comment(gb, student):
    return gb.find_comment(RUBRIC.grade_id, "partb", "partb", student)


def test_the_note_is_the_comment_formgrader_shows(graded):
    """Is each student's note the p5_explanation comment row's auto_comment (what formgrader
    shows in the comment box), and in the results file with the family and suggestion?"""
    course, results = graded
    _, on_file = read_results(course.results_json("partb"))
    on_file = {r.student: r.problem5 for r in on_file}
    with Gradebook(course.db_url) as gb:
        for student in ("solved", "blank"):
            comment = _comment(gb, student)
            assert comment.auto_comment == results[student].problem5["note"]
            assert comment.manual_comment is None
            assert comment.to_dict()["auto_comment"].splitlines()[0].count(NOTE_HEAD) == 1
            assert on_file[student] == results[student].problem5
    blank, solved = results["blank"].problem5, results["solved"].problem5
    assert blank["suggested"] == 0 and blank["note"].startswith(f"No response. {NOTE_HEAD}")
    assert solved["suggested"] is None and solved["family"] in FAMILIES.values()
    assert solved["seed"] == student_seed("solved") and solved["learned"] is not None


def test_hand_given_points_and_comments_survive_and_agreement_reads_them(graded):
    """After points and a comment are given by hand and the class is graded again, are they
    untouched (the grader writes no manual score), is the note still there, does agreement
    read the given points, and does the student's feedback show only what the person
    wrote or "No response."?"""
    course, _ = graded
    with Gradebook(course.db_url) as gb:
        gb.find_grade(RUBRIC.grade_id, "partb", "partb", "blank").manual_score = 2
        gb.find_grade(RUBRIC.grade_id, "partb", "partb", "solved").manual_score = 7
        _comment(gb, "solved").manual_comment = "Clear, with your own numbers."
        gb.db.commit()
    results = grade(course, ["partb"], workers=1, progress=False)
    with Gradebook(course.db_url) as gb:
        given = given_points(gb, "partb", RUBRIC.grade_id)
        assert given == {"blank": 2, "solved": 7}
        solved = _comment(gb, "solved")
        assert solved.manual_comment == "Clear, with your own numbers."
        assert solved.comment == "Clear, with your own numbers."
        assert NOTE_HEAD in solved.auto_comment and NOTE_HEAD in _comment(gb, "blank").auto_comment
    assert {r.student: r.manual[RUBRIC.grade_id] for r in results} == {"blank": 2, "solved": 7}
    assert agreement(results, given)["disagree"] == [("blank", 0.0, 2)]
    with Gradebook(course.db_url) as gb:
        gb.find_grade(RUBRIC.grade_id, "partb", "partb", "blank").manual_score = 0
        gb.db.commit()
        given = given_points(gb, "partb", RUBRIC.grade_id)
    assert agreement(results, given) == {
        "suggested": 1,
        "graded": 1,
        "agree": 1,
        "share": 1.0,
        "disagree": [],
    }
    nbgrader(course, "generate_feedback", "partb", "--force")
    pages = {
        s: (course.feedback / s / "partb" / "partb.html").read_text() for s in ("blank", "solved")
    }
    assert NOTE_HEAD not in pages["blank"] and "No response." in pages["blank"]
    assert NOTE_HEAD not in pages["solved"] and "Clear, with your own numbers." in pages["solved"]
