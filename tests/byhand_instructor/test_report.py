"""Does `byhand report` write the class report where it says, and say what to run when
there is nothing to report?"""

from byhand_grader.results import write_results
from byhand_instructor.cli import main

from ..byhand_grader.class_report.synthetic import cell, student
from ..repo import copy_course


def test_nothing_graded_is_one_sentence(tmp_path, capsys):
    """A course never graded: exit 1 and what to run, no traceback."""
    course = copy_course(tmp_path / "course", with_release=False, with_grader_tests=True)
    assert main(["report", "--course", str(course.root)]) == 1
    err = capsys.readouterr().err
    assert "run `byhand grade` first" in err and "Traceback" not in err
    assert main(["report", "partb", "--course", str(course.root)]) == 1
    assert "run `byhand grade partb` first" in capsys.readouterr().err


def test_report_verb_prints_the_page_it_wrote(tmp_path, capsys):
    """The page and its CSVs are in autograded/class-report-<a>/, and the path is printed."""
    course = copy_course(tmp_path / "course", with_release=False, with_grader_tests=True)
    course.autograded.mkdir(parents=True)
    results = [
        student(s, cell("p1_logistic_grads_match_autograd", 10, {"t": ok}, ("factor-2-missing",)))
        for s, ok in (("ada", True), ("bob", False))
    ]
    write_results(course.results_json("partb"), "partb", results, "digest", "now")
    assert main(["report", "--course", str(course.root)]) == 0
    out = capsys.readouterr().out
    assert out == "class report: autograded/class-report-partb/index.html\n"
    folder = course.class_report("partb")
    assert {p.name for p in folder.iterdir()} >= {"index.html", "mistakes.csv", "checks.csv"}
    assert "bob" in (folder / "mistakes.csv").read_text()
