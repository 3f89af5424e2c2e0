"""Do the Gradescope zip and the PrairieLearn grader grade, confined, in the platforms' containers?

Built by the ``byhand`` command from a course copy, each bundle is installed the way
its platform installs it (the zip's ``setup.sh`` in Gradescope's documented image
recipe; the PrairieLearn ``image/Dockerfile``) in a real Docker engine
(``tests/docker_engine.py``), from a Debian base with nothing of this checkout's
venv, and then grades each submission in a fresh container with Docker's default
seccomp profile and capabilities, on no network: the container refuses the
namespaces bubblewrap needs, so the grader's container tier confines student code.

The submissions: the correct and missing-factor-2 students, the sample class's
bombs (fork, memory, ``os._exit``, reading the hidden tests), and students hostile
to the platform itself (``HOSTILE``): one reads everything under ``/autograder`` or
``/grade`` and prints it, one writes a results file with full marks, one plants a
``conftest.py`` beside the hidden checks and edits them, one opens a network socket.
Each hostile cell turns what it managed into the score (it breaks its own answers
when it succeeds), so "every score equals ``byhand grade``'s on the host, in
bubblewrap's sandbox" shows that the container refused it.  No hidden line or
hidden input may reach any output, and nothing the student wrote may survive in the
results or beside the checks.
"""

import json
import textwrap
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.sample_class import write_sample_class

from ..docker_engine import (
    base_image,
    DockerEngine,
    gradescope_image,
    prairielearn_image,
    run_gradescope,
    run_prairielearn,
    skip_reason,
)
from ..repo import copy_course, COURSE, REPO
from .conftest import byhand
from .test_gradescope import _hidden_numbers, _leaks

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
]

#: Sample-class scenarios graded in the containers.
SCENARIOS = (
    "correct",
    "missing-factor-2",
    "fork-bomb",
    "memory-bomb",
    "os-exit",
    "reads-hidden-tests",
)
#: What a student hostile to the platform adds after its answers, and the scenario it
#: starts from.  ``SABOTAGE`` breaks the student's own answers: it runs only where the
#: hostile act succeeded, so a score equal to the host's shows that it failed.
SABOTAGE = "def logistic_grads(params, x, y):\n    return {k: v * 0 for k, v in params.items()}\n"
HOSTILE = {
    "reads-everything": (
        "correct",
        """
        import os
        seen = []
        for top in ("/autograder", "/grade"):
            for folder, _, names in os.walk(top):
                for name in names:
                    try:
                        with open(os.path.join(folder, name), errors="replace") as f:
                            text = f.read()
                    except OSError as err:
                        print(name, err)
                        continue
                    print(text)
                    seen.append(os.path.join(folder, name))
        # the grader's code and Python are readable by design; the course, the hidden
        # checks, the settings, who submitted and the results are not
        if [path for path in seen if "/code/" not in path]:
        """,
    ),
    "writes-results": (
        "missing-factor-2",
        """
        import json, os
        wrote = False
        for path in ("/autograder/results/results.json", "/grade/results/results.json"):
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    json.dump({"score": 35, "gradable": True, "tests": []}, f)
                wrote = True
            except OSError as err:
                print(err)
        if wrote:
        """,
    ),
    "plants-conftest": (
        "missing-factor-2",
        """
        import glob
        planted = False
        for tests in glob.glob("/autograder/source/course/grader_tests/partb") + glob.glob(
                "/grade/serverFilesCourse/*/course/grader_tests/partb"):
            try:
                with open(tests + "/conftest.py", "w") as f:
                    f.write("def pytest_runtest_call(item):\\n    item.runtest = lambda: None\\n")
                planted = True
            except OSError as err:
                print(err)
            try:
                with open(tests + "/test_partb.py", "a") as f:
                    f.write("\\n# edited by a student\\n")
                planted = True
            except OSError as err:
                print(err)
        if planted:
        """,
    ),
    "opens-socket": (
        "correct",
        """
        import socket
        opened = False
        for family, address in ((socket.AF_INET, ("127.0.0.1", 0)), (socket.AF_INET6, ("::1", 0))):
            try:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.bind(address)
                s.listen()
                opened = True
            except OSError as err:
                print(err)
        if opened:
        """,
    ),
}
STUDENTS = SCENARIOS + tuple(HOSTILE)
#: The variant seed each student's PrairieLearn job gets: PrairieLearn seeds hidden inputs
#: by it, as the student ``variant-<seed>``.
VARIANT = {s: n for n, s in enumerate(STUDENTS, start=1)}
#: The id each student is graded as, on both platforms and on the host: the Gradescope run
#: carries it as the user id, by which Gradescope seeds hidden inputs, so one host grading
#: per student is what both platforms must equal.
WHO = {s: f"variant-{n}" for s, n in VARIANT.items()}
#: The sandbox's uids start here (``byhand_grader.sandbox.BASE_UID``).
SANDBOX_UID = 61000


def _hostile_notebook(course, name):
    base, act = HOSTILE[name]
    (source,) = (course.submitted / base / "partb").glob("*.ipynb")
    nb = nbformat.read(source, as_version=4)
    code = textwrap.dedent(act).strip("\n") + "\n" + textwrap.indent(SABOTAGE, "    ")
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """``(course, {student: notebook})``: a course copy whose class holds ``STUDENTS``, each
    as ``WHO[student]``."""
    course = copy_course(tmp_path_factory.mktemp("course"), with_grader_tests=True)
    write_sample_class(COURSE, course.root)
    nbgrader(course, "generate_assignment", "partb", "--force")
    submitted = course.submitted
    hostile = {name: _hostile_notebook(course, name) for name in HOSTILE}
    for student, who in WHO.items():
        folder = submitted / who / "partb"
        folder.mkdir(parents=True)
        if student in hostile:
            nbformat.write(hostile[student], folder / "partb.ipynb")
        else:
            (source,) = (submitted / student / "partb").glob("*.ipynb")
            (folder / "partb.ipynb").write_bytes(source.read_bytes())
    return course, {s: submitted / who / "partb" / "partb.ipynb" for s, who in WHO.items()}


@pytest.fixture(scope="module")
def on_host(klass):
    """``{student: StudentResult}``: ``byhand grade`` on this host, in bubblewrap's sandbox."""
    course, _ = klass
    graded = grade(course, ["partb"], students=list(WHO.values()), workers=2, progress=False)
    by_id = {r.student: r for r in graded}
    return {s: by_id[who] for s, who in WHO.items()}


@pytest.fixture(scope="module")
def engine():
    with DockerEngine() as engine:
        yield engine


@pytest.fixture(scope="module")
def bundles(klass, tmp_path_factory):
    """``(zip, folder)``: the Gradescope zip and the PrairieLearn folder, built by the command."""
    course, _ = klass
    out = tmp_path_factory.mktemp("bundles")
    zip_path, folder = out / "autograder.zip", out / "prairielearn-partb"
    proc = byhand("gradescope", "partb", "--course", course.root, "--out", zip_path)
    assert proc.returncode == 0, proc.stderr
    proc = byhand("prairielearn", "partb", "--course", course.root, "--out", folder)
    assert proc.returncode == 0, proc.stderr
    return zip_path, folder


@pytest.fixture(scope="module")
def images(engine, bundles):
    """``(Gradescope's, PrairieLearn's)``: futures of the two images, built at once.

    Building is mostly the daemon's work (apt-get, pip, the layers), so both builds run
    while this process grades the class on the host (``on_host``, asked for after this
    fixture by ``container_runs``), instead of one after the other."""
    zip_path, folder = bundles
    base_image(engine)  # once, before the threads: both builds start FROM it
    with ThreadPoolExecutor(2) as pool:
        yield (
            pool.submit(gradescope_image, engine, zip_path),
            pool.submit(prairielearn_image, engine, folder),
        )


@pytest.fixture(scope="module")
def container_runs(klass, engine, bundles, images, on_host):
    """``{(platform, student): ContainerRun}``: every student in a fresh container of each
    platform's image, two containers at a time."""
    _, notebooks = klass
    _, folder = bundles
    gradescope, prairielearn = (future.result() for future in images)

    def run(job):
        platform, student = job
        if platform == "gradescope":
            return run_gradescope(engine, gradescope, notebooks[student], WHO[student])
        return run_prairielearn(
            engine, prairielearn, folder, notebooks[student], variant_seed=VARIANT[student]
        )

    jobs = [(platform, s) for platform in ("gradescope", "prairielearn") for s in STUDENTS]
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(jobs, pool.map(run, jobs)))


@pytest.fixture(scope="module")
def gradescope(container_runs):
    """``{student: ContainerRun}`` of the zip, built by the command, on every student."""
    return {s: run for (platform, s), run in container_runs.items() if platform == "gradescope"}


@pytest.fixture(scope="module")
def prairielearn(container_runs):
    """``{student: ContainerRun}`` of the PrairieLearn grader, built by the command, on every
    student (each job with the variant seed ``VARIANT[student]``)."""
    return {s: run for (platform, s), run in container_runs.items() if platform == "prairielearn"}


def _hidden_lines():
    return [
        ln.strip()
        for name in ("test_partb.py", "probes.py", "reference_rules.py")
        for ln in (REPO / "grader_tests" / "partb" / name).read_text().splitlines()
        if len(ln.strip()) >= 40
    ]


def _assert_nothing_hidden(desc, student, text):
    hidden = _hidden_numbers(desc, student)
    assert len(hidden) > 20, "the hidden inputs are not where this test looks"
    leaked = _leaks(hidden, text)
    assert not leaked, f"{student}: hidden inputs {leaked[:5]} in the output"
    assert not [ln for ln in _hidden_lines() if ln in text], f"{student}: a hidden line"


def test_the_build_log_names_the_container_tier(engine, gradescope):
    """The image's build log ends with the tier that will confine student code, and why."""
    (log,) = [text for tag, text in engine.logs.items() if "gradescope" in tag]
    docker_own = ("Removing intermediate container", " ---> ", "Successfully ")
    last = [ln for ln in log.splitlines() if ln.strip() and not ln.startswith(docker_own)][-1]
    assert "sandbox: confined by the container tier" in last, log[-2000:]
    assert "refuses new namespaces" in last


def _expected(on_host, student):
    """The host's result to compare with: the student's, but for ``opens-socket``.
    Bubblewrap lets student code open a socket in its own empty network namespace (it
    reaches nothing), so on the host that student sabotages itself; the container tier
    refuses the socket itself, so in the container it keeps the marks of the answers it
    starts from."""
    return on_host[HOSTILE[student][0] if student == "opens-socket" else student]


@pytest.mark.parametrize("student", STUDENTS)
def test_gradescope_scores_equal_the_hosts(on_host, gradescope, student):
    run = gradescope[student]
    expected = _expected(on_host, student)
    assert run.returncode == 0 and run.results is not None, run.log[-3000:]
    scored = {
        t["name"].rsplit(": ", 1)[1]: t["score"] for t in run.results["tests"] if t["max_score"] > 0
    }
    assert scored == {c.grade_id: c.score for c in expected.cells}, run.log[-2000:]
    assert run.results["score"] == pytest.approx(expected.auto_score)
    assert run.results["extra_data"]["confinement"] == "container"
    assert "container tier" in run.results["extra_data"]["flags"]["confinement"]
    assert run.log.rstrip().splitlines()[-1].startswith("sandbox: confined by the container tier")


@pytest.mark.parametrize("student", STUDENTS)
def test_prairielearn_scores_equal_the_hosts(on_host, prairielearn, student):
    run = prairielearn[student]
    expected = _expected(on_host, student)
    assert run.returncode == 0 and run.results is not None, run.log[-3000:]
    assert run.results["gradable"] is True, run.results
    scored = {t["name"].split(": ", 1)[1]: t["points"] for t in run.results["tests"]}
    assert scored == {c.grade_id: c.score for c in expected.cells}, run.log[-2000:]
    assert run.results["score"] == pytest.approx(expected.auto_score / expected.max_auto)
    assert "sandbox: confined by the container tier" in run.log


@pytest.mark.parametrize("student", STUDENTS)
def test_no_hidden_line_or_input_reaches_any_output(klass, gradescope, prairielearn, student):
    desc = load_assignment(klass[0], "partb")
    for run in (gradescope[student], prairielearn[student]):
        _assert_nothing_hidden(desc, WHO[student], json.dumps(run.results) + run.log)


def test_nothing_the_student_wrote_survives_beside_the_checks(klass, gradescope, prairielearn):
    """After the hostile runs, the hidden checks are byte for byte the bundle's, with no
    conftest.py beside them, and the shared temporary folders hold nothing of the student."""
    course = klass[0]
    original = {
        p.name: p.read_bytes()
        for p in (course.root / "grader_tests" / "partb").glob("*.py")
        if p.name != "sample_scenarios.py"
    }
    for student in ("plants-conftest", "writes-results", "reads-everything"):
        run = gradescope[student]
        tests = "/autograder/source/course/grader_tests/partb"
        names = {n for n in run.files(tests) if n.endswith(".py") and "/" not in n}
        assert names == set(original), student
        for name, data in original.items():
            assert run.read(f"{tests}/{name}") == data, (student, name)
        added = [
            path
            for kind, path in run.changes()
            if kind == "A" and path.startswith("/autograder/source") and "/__pycache__" not in path
        ]
        assert added == [], (student, added)  # (the grader's own bytecode aside)
        for top in ("/tmp", "/var/tmp"):
            with run._tar(top) as tar:
                left = [m.name for m in tar.getmembers() if m.uid >= SANDBOX_UID]
            assert left == [], (student, left)
        pl_run = prairielearn[student]
        (bundle,) = (pl_run.grade / "serverFilesCourse").glob("byhand-*")
        folder = bundle / "course" / "grader_tests" / "partb"
        assert {p.name for p in folder.glob("*.py")} == set(original), student
        for name, data in original.items():
            assert (folder / name).read_bytes() == data, (student, name)


def test_a_results_file_written_by_the_student_never_counts(gradescope, prairielearn):
    """The student's full-marks results.json was refused; the grader's own is the one read."""
    assert gradescope["writes-results"].results["score"] < 35
    assert prairielearn["writes-results"].results["score"] < 1


def test_seconds_per_submission(engine, gradescope, prairielearn, capsys):
    """Prints the seconds per submission inside the containers (the closing note's figures)."""
    gs = sorted(run.seconds for run in gradescope.values())
    pl = sorted(run.seconds for run in prairielearn.values())
    with capsys.disabled():
        print(
            f"\nseconds per submission in the container: Gradescope median "
            f"{gs[len(gs) // 2]:.1f} (min {gs[0]:.1f}, max {gs[-1]:.1f}); PrairieLearn median "
            f"{pl[len(pl) // 2]:.1f} (min {pl[0]:.1f}, max {pl[-1]:.1f}); "
            f"engine steps: {engine.timings[:6]}"
        )
    assert gs[0] > 0 and pl[0] > 0
