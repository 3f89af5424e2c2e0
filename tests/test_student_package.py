"""Is the student package what a student's laptop or a JupyterHub image needs, and nothing more?

``make student-package`` builds a wheel of the given package ``byhand``.  It
must install with torch, numpy and matplotlib only, hold no grader, build
tool, hidden test or answer, and run the release and solution notebooks in a
clean environment that has nothing else: a fresh venv with the wheel, and the
notebook's code in an empty folder.
"""

import ast
import os
import subprocess
import sys
import zipfile
from email.parser import Parser

import nbformat
import pytest

from .answers import closed_form_telltales, defined_names, student_functions
from .repo import COURSE, REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel ``make student-package`` builds, from the path it prints last."""
    dist = tmp_path_factory.mktemp("dist")
    out = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(REPO), "student-package", f"DIST={dist}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    path = out.stdout.strip().splitlines()[-1]
    assert path.endswith(".whl") and os.path.isfile(path), out.stdout
    return path


def _members(wheel):
    with zipfile.ZipFile(wheel) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_wheel_holds_only_the_given_package(wheel):
    """Is every file in the wheel the given package's or the wheel's own metadata?"""
    names = set(_members(wheel))
    given = {
        f"byhand/{p.name}" for p in (REPO / "byhand").iterdir() if p.suffix in (".py", ".json")
    }
    assert {n for n in names if not n.startswith("byhand-")} == given
    assert "byhand/hints.py" in names  # the catalogues' hints the visible checks print
    assert all(n.split("/")[0] in ("byhand", "byhand-0.1.0.dist-info") for n in names)


def test_wheel_needs_torch_numpy_and_matplotlib_only(wheel):
    """Does the wheel depend on exactly torch, numpy and matplotlib, at the course's pins?"""
    meta = Parser().parsestr(_members(wheel)["byhand-0.1.0.dist-info/METADATA"].decode())
    requires = sorted(meta.get_all("Requires-Dist"))
    pins = dict(
        line.split("==")
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert requires == sorted(f"{n}=={pins[n]}" for n in ("torch", "numpy", "matplotlib"))


def test_wheel_holds_no_answer(wheel):
    """Is no closed-form gradient, and no function a student writes, anywhere in the wheel?"""
    wanted = set(student_functions(COURSE))
    assert len(wanted) >= 8
    for name, data in _members(wheel).items():
        if name.endswith(".py"):
            text = data.decode("utf-8")
            assert closed_form_telltales(text, name) == [], name
            assert not defined_names(text) & wanted, name
            assert "grader_tests" not in {n.split(".")[0] for n in _imports(text)}


def _imports(text):
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_wheel_is_byte_stable(wheel, tmp_path):
    """Does building it again give the same bytes (no file time from the clock)?"""
    from byhand_instructor.student_package import build_student_package

    again = build_student_package(tmp_path)
    with open(wheel, "rb") as f:
        assert again.read_bytes() == f.read()


@pytest.fixture(scope="module")
def clean_python(wheel, tmp_path_factory):
    """A fresh venv with the wheel installed and nothing else of this repository.

    pip installs it with ``--no-compile``: byte-compiling every module of torch is 25 of the
    install's 40 s of CPU, and the notebooks below compile the few hundred they import when
    they first run.  What is installed is the same."""
    venv = tmp_path_factory.mktemp("student-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    out = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile", wheel],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return python


def test_clean_environment_has_only_the_student_package(clean_python):
    """Is byhand there, and are nbgrader, the grader and the instructor's tools absent?"""
    code = (
        "import importlib.util as u\n"
        "print([m for m in ('byhand', 'byhand_grader', 'byhand_instructor', 'nbgrader',"
        " 'jupytext', 'nbclient', 'grader_tests') if u.find_spec(m)])"
    )
    out = subprocess.run(
        [str(clean_python), "-c", code],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "['byhand']", out.stderr


def _run_notebook(python, notebook, folder):
    """The notebook's code cells, in order, as one script run in an empty folder."""
    nb = nbformat.read(notebook, as_version=4)
    script = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code")
    (folder / "notebook.py").write_text(script, encoding="utf-8")
    return subprocess.run(
        [str(python), "notebook.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
        env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "HOME": str(folder)},
    )


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_solutions_run_against_the_wheel_alone(clean_python, assignment, tmp_path):
    """Does each worked solution run to the end with only the wheel installed?"""
    out = _run_notebook(clean_python, COURSE.solutions_notebook(assignment), tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_release_runs_against_the_wheel_alone_up_to_the_first_answer(
    clean_python, assignment, tmp_path
):
    """Does each release notebook run with only the wheel, until a blank answer's check stops
    it (as a script, which has no raises-exception tag to go on past it): the stub's error,
    or Part B's one-sentence CheckFailed saying the function is not written yet, with the
    catalogue's hint from the wheel's byhand/hints.py under it?"""
    from byhand.hints import hint

    out = _run_notebook(clean_python, COURSE.release_notebook(assignment), tmp_path)
    sentence, last = out.stderr.strip().splitlines()[-2:]
    assert out.returncode != 0 and (
        last == "NotImplementedError"
        or sentence.startswith("byhand.checks.CheckFailed: ")
        and sentence.endswith("is not written yet (it raises NotImplementedError).")
        and last == f"Hint: {hint('partb', 'not-attempted')}"
    ), out.stderr[-3000:]
