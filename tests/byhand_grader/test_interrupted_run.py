"""Does a grading run stopped part-way leave every student with the previous scores or the new ones?

A class is graded once (the previous scores, and a hand-graded Problem 5),
then every student's notebook is replaced by the blank release and
``byhand grade`` runs again as a real process, which is stopped once a few
submissions are recorded: by SIGINT (Ctrl-C), SIGTERM, or SIGKILL of its
whole process group.  nbgrader alone would have left full marks for the blank
notebooks it had autograded from their (absent) outputs; here each student's
grade cells must hold exactly the previous scores or exactly the new ones
(0 everywhere), and the hand-graded points must survive.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.sample_class import write_sample_class

from ..repo import copy_course, COURSE

CLASS = (
    "correct",
    "blank",
    "missing-factor-2",
    "monkeypatch-cheat",
    "unlucky-seed",
    "update-uses-dot-grad",
    "syntax-error",
    "tanh-forward-logistic-grads",
    "os-exit",
    "duplicated-cell",
)
#: Seconds each re-submitted notebook waits: once the first two are recorded, the other
#: eight still need four rounds of it on two workers, the test's window to stop the run.
PAUSE_S = 3
AUTO = (
    "p1_logistic_grads_match_autograd",
    "p2_sgd_update_steps_against_gradient",
    "p3_tanh_grads_match_autograd",
    "p4_xor_forward_values",
    "p4_xor_grads_match_autograd",
    "p4_xor_learns",
)


def scores(db_path):
    """``{student: (auto_score per autograded cell)}`` read straight from the gradebook file."""
    for _ in range(50):
        try:
            con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
            rows = con.execute(
                "select sa.student_id, bc.name, g.auto_score from grade g "
                "join submitted_notebook sn on g.notebook_id = sn.id "
                "join submitted_assignment sa on sn.assignment_id = sa.id "
                "join base_cell bc on g.cell_id = bc.id"
            ).fetchall()
            con.close()
            break
        except sqlite3.OperationalError:  # the writer holds the lock for a moment
            time.sleep(0.1)
    out = {}
    for student, cell, score in rows:
        out.setdefault(student, {})[cell] = score
    return {s: tuple(cells.get(c) for c in AUTO) for s, cells in out.items()}


@pytest.fixture(scope="module")
def graded_once(tmp_path_factory):
    """A course whose class was graded once, with Problem 5 graded by hand for one student."""
    course = copy_course(tmp_path_factory.mktemp("course"), with_grader_tests=True)
    write_sample_class(COURSE, course.root)
    for folder in course.submitted.iterdir():
        if folder.name not in CLASS:
            shutil.rmtree(folder)
    nbgrader(course, "generate_assignment", "partb", "--force")
    grade(course, ["partb"], workers=2, progress=False)
    with Gradebook(course.db_url) as gb:
        gb.find_grade("p5_explanation", "partb", "partb", "correct").manual_score = 7.5
        gb.db.commit()
    return course


def _rerun_and_stop(graded_once, tmp_path, how):
    root = tmp_path / "class"
    shutil.copytree(graded_once.root, root, symlinks=True)
    db = root / "gradebook.db"
    before = scores(db)
    blank = nbformat.read(root / "release" / "partb" / "partb.ipynb", as_version=4)
    # Each blank notebook also waits a few seconds in its first answer cell (still a blank
    # answer, worth 0), so the run cannot have finished all of them by the time this test
    # sees the first two recorded and stops it, however slow the machine is to look.
    first = next(c for c in blank.cells if (c.metadata.get("nbgrader") or {}).get("solution"))
    first.source = f"import time\ntime.sleep({PAUSE_S})\n" + first.source
    for student in CLASS:
        folder = root / "submitted" / student / "partb"
        for old in folder.glob("*.ipynb"):
            old.unlink()
        nbformat.write(blank, folder / "partb.ipynb")
    new = tuple(0.0 for _ in AUTO)
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "byhand"),
            "grade",
            "partb",
            "--course",
            str(root),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(v == new != before[s] for s, v in scores(db).items()) >= 2:
            break
        time.sleep(0.2)
    stopped_midway = proc.poll() is None
    if not stopped_midway:
        out, err = proc.communicate()
        pytest.fail(
            f"the run ended before it could be stopped (exit {proc.returncode}):\n{err[-2000:]}"
        )
    if how == "SIGKILL":
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.send_signal(getattr(signal, how))
    out, err = proc.communicate(timeout=120)
    return before, new, scores(db), proc.returncode, err, stopped_midway, root


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_stopped_run_leaves_previous_or_new_scores(graded_once, tmp_path, how):
    """After the stop, does every student hold the previous scores or the new ones, nothing else?"""
    before, new, after, code, err, stopped_midway, root = _rerun_and_stop(
        graded_once, tmp_path, how
    )
    assert set(after) == set(before)
    changed = [s for s in after if after[s] != before[s]]
    for student, vector in after.items():
        assert vector in (before[student], new), (student, before[student], vector)
    assert 2 <= len(changed) < len([s for s in before if before[s] != new]), changed
    if how != "SIGKILL":
        assert code == 130 and "stopped:" in err and "graded and recorded" in err, err
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert gb.find_grade("p5_explanation", "partb", "partb", "correct").manual_score == 7.5


def test_finished_rerun_records_the_new_scores_and_keeps_manual_grades(graded_once, tmp_path):
    """Run to the end, is every student at the new scores, with the hand-graded points kept?"""
    root = tmp_path / "class"
    shutil.copytree(graded_once.root, root, symlinks=True)
    from byhand_grader.course import Course

    course = Course(root)
    results = grade(
        course, ["partb"], students=["correct", "missing-factor-2"], workers=1, progress=False
    )
    assert {r.student: r.auto_score for r in results} == {
        "correct": 35,
        "missing-factor-2": results[1].auto_score,
    }
    with Gradebook(course.db_url) as gb:
        p5 = gb.find_grade("p5_explanation", "partb", "partb", "correct")
        assert p5.manual_score == 7.5 and p5.auto_score is None
        assert gb.find_submission("partb", "correct").score == 35 + 7.5
    assert next(r for r in results if r.student == "correct").manual == {"p5_explanation": 7.5}


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_stop_during_a_commit_waits_for_the_commit_to_end(how):
    """Does Ctrl-C (or SIGTERM, which grading turns into one) that arrives while a
    submission is committed stop the run only once the commit is done?  Stopped inside
    SQLAlchemy's commit, the session could neither finish nor roll back, and the run
    ended on that error instead of saying what was recorded."""
    from byhand_grader.grade import _commit_whole, _stop_on_sigterm

    # Ctrl-C as in a terminal (a shell's background job, nohup, starts with it ignored)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        done = []
        with _stop_on_sigterm(), pytest.raises(KeyboardInterrupt):
            with _commit_whole():
                os.kill(os.getpid(), getattr(signal, how))
                time.sleep(0.2)  # the signal is handled here, while "committing"
                done.append("committed")
        assert done == ["committed"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)
