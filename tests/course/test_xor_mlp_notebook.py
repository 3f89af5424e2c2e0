"""Does the ``xor_mlp`` extension notebook build, run, release and grade as its issue asks?

The solution notebook is ``source/xor_mlp/xor_mlp.ipynb`` (built from
``source/xor_mlp.py``); the release is made here by ``nbgrader generate_assignment``
in a throwaway course directory, never in the repository.
"""

import importlib.util
import re
import shutil
import time

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from torch import nn

from byhand.data import X, Y_OR, Y_XOR
from byhand_grader.assignment import load_assignment
from byhand_grader.course import Course
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.source import read_twin

from ..conftest import solution_namespace
from ..repo import COURSE, REPO

ASSIGNMENT = "xor_mlp"
ANSWERS = {
    "mlp_build_answer": "build_mlp",
    "mlp_train_answer": "train_full_batch",
    "mlp_noise_answer": "noise_std",
}
GRADE_CELLS = {
    "mlp_build_shapes": 2,
    "mlp_build_init": 2,
    "mlp_train_losses": 2,
    "mlp_train_updates": 2,
    "mlp_noise_schedule": 2,
}
#: Cells whose outputs are wall-clock measurements (they differ from run to run).
TIMING_CELLS = ("timing_epoch_costs", "timing_throughput", "timing_sweep_1000", "closing_note")
#: Numbers the prose may quote: settings, definitions, shown examples and citations.
#: A measured number must be printed by a cell, never typed into the text.
PROSE_NUMBERS = {
    "0",
    "0.01",
    "0.03",
    "0.1",
    "0.125",
    "0.25",
    "0.3",
    "0.4",
    "0.5",
    "0.55",
    "0.8",
    "1",
    "1.96",
    "2",
    "3",
    "4",
    "5",
    "6.1",
    "7",
    "8",
    "10",
    "95",
    "100",
    "200",
    "1000",
    "2000",
    "10000",
    "2015",
    "2016",
}
SOLUTION_LINES = (
    "optimizer.zero_grad()",
    "torch.sqrt(eta / (1 + t) ** gamma)",
    "for layer in (model[0], model[2]):",
    "losses.append(loss.item())",
)


def _meta(cell):
    return cell.metadata.get("nbgrader") or {}


def _reference():
    path = REPO / "grader_tests" / "xor_mlp" / "reference.py"
    spec = importlib.util.spec_from_file_location("xor_mlp_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _execute(nb, cwd, timeout=170):
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def _errors(nb):
    return {
        c.id: out.ename
        for c in nb.cells
        if c.cell_type == "code"
        for out in c.get("outputs", [])
        if out.output_type == "error"
    }


def _text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


# --------------------------------------------------------------------------------------
# the authored notebook


def test_three_answers_worth_ten_points_each_checked_then_graded():
    """Do three answer cells carry 10 points, each followed by a visible check and its grade cells?"""
    nb = read_twin(COURSE, ASSIGNMENT)
    grades = {c.id: _meta(c)["points"] for c in nb.cells if _meta(c).get("grade")}
    assert grades == GRADE_CELLS and sum(grades.values()) == 10
    code = [c for c in nb.cells if c.cell_type == "code"]
    for answer_id, name in ANSWERS.items():
        i = next(n for n, c in enumerate(code) if c.id == answer_id)
        assert f"def {name}(" in code[i].source and "### BEGIN SOLUTION" in code[i].source
        check = code[i + 1]
        assert not _meta(check) and check.source.startswith("# check:")
        assert _meta(code[i + 2]).get("grade") and _meta(code[i + 2]).get("locked")
    for c in code:
        if _meta(c).get("grade"):
            assert "assert " in c.source and c.source.startswith("# grade:")


def test_every_code_cell_opens_with_a_one_line_comment_heading():
    """Does each code cell start with a '# ...' line that names what it does?"""
    for cell in read_twin(COURSE, ASSIGNMENT).cells:
        if cell.cell_type == "code":
            first = cell.source.splitlines()[0]
            assert re.match(r"# \S", first), (cell.id, first)


def test_setup_cells_hold_the_knobs_in_plain_sight():
    """Are the seeds and sweep sizes set in the setup cell the grader runs before the answers?"""
    nb = read_twin(COURSE, ASSIGNMENT)
    ids = [c.id for c in nb.cells]
    assert ids.index("setup_imports") < ids.index("setup_seed") < ids.index("mlp_build_answer")
    setup = next(c for c in nb.cells if c.id == "setup_seed").source
    for knob in ("SEED =", "SWEEP_SEEDS = range(", "EPOCHS =", "NOISE_SEED ="):
        assert knob in setup
    for c in nb.cells:
        if c.cell_type == "code" and c.id != "setup_seed":
            assert "SWEEP_SEEDS =" not in c.source and "EPOCHS =" not in c.source


def test_prose_quotes_no_measured_number():
    """Does the prose quote only settings, definitions and citations, leaving measurements to cells?"""
    for cell in read_twin(COURSE, ASSIGNMENT).cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"10\^\{-\d+\}", "", cell.source.replace("10 000", "10000"))
            for number in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", text):
                assert number in PROSE_NUMBERS, (cell.id, number)


def test_no_grader_file_sits_beside_the_source_notebook():
    """Is the source folder only the notebook (nbgrader copies every other file to students)?"""
    assert sorted(p.name for p in COURSE.source_notebook(ASSIGNMENT).parent.iterdir()) == [
        f"{ASSIGNMENT}.ipynb"
    ]


# --------------------------------------------------------------------------------------
# the solutions against the grader's reference


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(ASSIGNMENT)


@pytest.fixture(scope="module")
def reference():
    return _reference()


def test_build_mlp_solution_matches_reference_on_unseen_inputs(solution, reference):
    """Does the solution's build_mlp equal the grader reference for unseen widths, seeds and schemes?"""
    for hidden in (1, 4, 7):
        for init in ("uniform01", "default"):
            for bias in (True, False):
                seed = 1000 + hidden
                got = solution["build_mlp"](hidden, init, bias, seed)
                want = reference.reference_build_mlp(hidden, init, bias, seed)
                assert [type(m) for m in got] == [type(m) for m in want]
                for (n1, p1), (n2, p2) in zip(got.named_parameters(), want.named_parameters()):
                    assert n1 == n2 and p1.shape == p2.shape
                    assert torch.allclose(p1, p2, atol=1e-6, rtol=0)


def _copy(model):
    clone = type(model)(
        *[
            type(m)(m.in_features, m.out_features, bias=m.bias is not None)
            if isinstance(m, nn.Linear)
            else type(m)()
            for m in model
        ]
    )
    clone.load_state_dict(model.state_dict())
    return clone


@pytest.mark.parametrize("loss_fn", [nn.MSELoss(), nn.MSELoss(reduction="sum"), nn.SmoothL1Loss()])
def test_train_full_batch_solution_matches_reference_on_unseen_inputs(solution, reference, loss_fn):
    """Does the solution's loop give the reference's losses and parameters on unseen models and data?"""
    for model, Y, lr, epochs in [
        (reference.reference_build_mlp(3, "default", True, 77), Y_XOR, 2.0, 50),
        (reference.reference_build_mlp(2, "uniform01", False, 78), Y_OR, 0.2, 2),
        (nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()), Y_OR, 0.7, 1),
    ]:
        a, b = _copy(model), _copy(model)
        got = solution["train_full_batch"](a, X, Y, lr, epochs, loss_fn)
        want = reference.reference_train_full_batch(b, X, Y, lr, epochs, loss_fn)
        assert len(got) == epochs and all(isinstance(v, float) for v in got)
        assert torch.allclose(torch.tensor(got), torch.tensor(want), atol=1e-5, rtol=1e-4)
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.allclose(p, q, atol=1e-5, rtol=1e-4)


def test_train_full_batch_reference_agrees_with_float64_autograd_by_hand(reference):
    """Is the reference loop plain gradient descent: theta - lr dL/dtheta with float64 autograd?"""
    model = reference.reference_build_mlp(3, "default", True, 5).double()
    params = [p.detach().clone().requires_grad_(True) for p in model.parameters()]
    losses = reference.reference_train_full_batch(
        model, X.double(), Y_XOR.double(), 1.5, 30, nn.MSELoss(reduction="sum")
    )
    for t in range(30):
        h = torch.sigmoid(X.double() @ params[0].T + params[1])
        loss = ((torch.sigmoid(h @ params[2].T + params[3]) - Y_XOR.double()) ** 2).sum()
        grads = torch.autograd.grad(loss, params)
        assert abs(losses[t] - loss.item()) < 1e-12
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= 1.5 * g
    for p, q in zip(params, model.parameters()):
        assert torch.allclose(p, q, atol=1e-12, rtol=0)


def test_noise_std_solution_matches_reference_in_float64(solution, reference):
    """Does the solution's sigma_t equal sqrt(eta / (1 + t)^gamma) for unseen t, eta and gamma?"""
    for t in (torch.arange(7), torch.arange(6.0).reshape(2, 3) * 100, torch.tensor(12)):
        for eta in (0.0, 0.01, 0.3, 5.0):
            for gamma in (0.55, 1.0, 0.25):
                got = solution["noise_std"](t, eta, gamma)
                want = reference.reference_noise_std(t, eta, gamma)
                assert isinstance(got, torch.Tensor) and got.shape == t.shape
                assert torch.allclose(got.double(), want, rtol=1e-5, atol=1e-7)
    assert torch.allclose(
        reference.reference_noise_std(torch.tensor([0, 3]), 2.0),
        torch.tensor([2.0**0.5, (2.0 / 4**0.55) ** 0.5], dtype=torch.float64),
    )


def test_contract_tolerances_catch_the_usual_mistakes(reference):
    """Would the stated tolerances fail a variance-for-std, a missing zero_grad and a late loss?"""
    t = torch.arange(5)
    assert not torch.allclose(
        reference.reference_noise_std(t, 2.0) ** 2,
        reference.reference_noise_std(t, 2.0),
        rtol=1e-5,
        atol=1e-7,
    )

    def no_zero_grad(model, X, Y, lr, epochs, loss_fn):
        opt, out = torch.optim.SGD(model.parameters(), lr=lr), []
        for _ in range(epochs):
            loss = loss_fn(model(X), Y)
            loss.backward()
            opt.step()
            out.append(loss.item())
        return out

    def loss_after_step(model, X, Y, lr, epochs, loss_fn):
        opt, out = torch.optim.SGD(model.parameters(), lr=lr), []
        for _ in range(epochs):
            opt.zero_grad()
            loss_fn(model(X), Y).backward()
            opt.step()
            out.append(loss_fn(model(X), Y).item())
        return out

    start = reference.reference_build_mlp(3, "default", True, 9)
    want = torch.tensor(
        reference.reference_train_full_batch(_copy(start), X, Y_XOR, 2.0, 20, nn.MSELoss())
    )
    for wrong in (no_zero_grad, loss_after_step):
        got = torch.tensor(wrong(_copy(start), X, Y_XOR, 2.0, 20, nn.MSELoss()))
        assert not torch.allclose(got, want, atol=1e-5, rtol=1e-4), wrong.__name__


# --------------------------------------------------------------------------------------
# running it: the solutions, the release, and a blank student copy


@pytest.fixture(scope="module")
def executed(made_clone):
    """The solution notebook as ``byhand solutions`` executed it top to bottom in a fresh
    clone (``made_clone``: ``byhand all``), and the seconds it says that took."""
    course, done = made_clone
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ran = re.search(rf"solutions: solutions/{ASSIGNMENT}/\S+ \(executed in (\d+) s\)", done.stdout)
    assert ran, done.stdout
    return nbformat.read(course.solutions_notebook(ASSIGNMENT), as_version=4), int(ran[1])


def test_solution_notebook_runs_without_errors_in_under_three_minutes(executed):
    """Does the solution run top to bottom, error-free, in under 3 minutes on this machine?"""
    nb, seconds = executed
    assert _errors(nb) == {}
    assert seconds < 180, f"took {seconds:.0f} s"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)


def test_solution_notebook_shows_its_plots_and_passes_its_grade_cells(executed):
    """Are there plots for every claim, and did every grade cell print its success line?"""
    nb, _ = executed
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 6
    for c in nb.cells:
        if _meta(c).get("grade"):
            assert _text(c).strip(), c.id


def test_closing_note_answers_every_claim_with_a_measurement(executed):
    """Does the closing note list each of the five claims with a number measured in this run?"""
    nb, _ = executed
    note = _text(next(c for c in nb.cells if c.id == "closing_note"))
    for n in range(1, 6):
        line = next(line for line in note.splitlines() if line.startswith(f"{n}. "))
        assert re.search(r"\d", line) or n == 3
    assert "0.125" in note and "rescaled the learning rate" in note
    assert "not measured" not in note
    for cell_id in TIMING_CELLS:
        assert any(c.id == cell_id for c in nb.cells)


def test_engine_agrees_with_the_solution_functions_in_the_notebook(executed):
    """Did the notebook's own comparison show the engine and the per-seed loop within 1e-5?"""
    nb, _ = executed
    lines = _text(next(c for c in nb.cells if "demo: your build_mlp" in c.source)).splitlines()
    assert len(lines) == 3
    for line in lines:  # within the bound the prose states, or the gaps printed and small
        gaps = [float(g) for g in re.findall(r"(\d\.\de[+-]\d\d)", line)]
        assert line.endswith("agree within 1e-6") or (len(gaps) == 2 and max(gaps) < 1e-5), line


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A release made by nbgrader generate_assignment in a throwaway course directory."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(COURSE.source_notebook(ASSIGNMENT).parent, root / "source" / ASSIGNMENT)
    nbgrader(Course(root), "generate_assignment", ASSIGNMENT, "--force")
    return root / "release" / ASSIGNMENT


def test_release_holds_no_solution_code(released):
    """Are the solution regions replaced by the stub, with no line of the answers left?"""
    assert sorted(p.name for p in released.iterdir()) == [f"{ASSIGNMENT}.ipynb"]
    text = (released / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", *SOLUTION_LINES):
        assert marker not in text
    nb = nbformat.reads(text, as_version=4)
    for answer_id, name in ANSWERS.items():
        cell = next(c for c in nb.cells if c.id == answer_id)
        assert f"def {name}(" in cell.source
        assert cell.source.rstrip().endswith("# YOUR CODE HERE\n    raise NotImplementedError()")
    grade_sources = {c.id: c.source for c in nb.cells if _meta(c).get("grade")}
    assert set(grade_sources) == set(GRADE_CELLS)


def test_given_numpy_loop_reaches_students_locked_and_is_not_graded(released):
    """Is the hand-written loop a read-only given cell of the release, which the grader never runs?"""
    import byhand.mlp_timing
    from byhand_grader.intake import harness_cells

    source = nbformat.read(COURSE.source_notebook(ASSIGNMENT), as_version=4)
    release = nbformat.read(released / f"{ASSIGNMENT}.ipynb", as_version=4)
    given = {
        nb_name: next(c for c in nb.cells if c.get("id") == "given_numpy_loop")
        for nb_name, nb in (("source", source), ("release", release))
    }
    assert given["release"].source == given["source"].source
    assert "def manual_train(" in given["release"].source
    meta = given["release"].metadata["nbgrader"]
    locked = {
        "grade": False,
        "grade_id": "given_numpy_loop",
        "locked": True,
        "schema_version": 3,
        "solution": False,
    }
    assert {k: meta.get(k) for k in locked} == locked and meta.get("checksum")  # restored if edited
    ids = [c.id for c in source.cells]
    assert ids.index("given_numpy_loop") < ids.index("timing_epoch_costs")
    assert all(
        "manual_train" not in c["source"]
        for c in harness_cells(release, source, load_assignment(COURSE, ASSIGNMENT).setup_cells)
    )
    assert not hasattr(byhand.mlp_timing, "manual_train")


def test_blank_release_still_runs_every_experiment(released, tmp_path):
    """With every answer blank, do only the checks and grade cells fail, and the experiments run?"""
    nb = nbformat.read(released / f"{ASSIGNMENT}.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.id == "setup_seed")
    setup.source = setup.source.replace("range(400)", "range(12)").replace(
        "EPOCHS = 5000", "EPOCHS = 200"
    )
    _execute(nb, tmp_path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    checks = {code[i + 1].id for i, c in enumerate(code) if c.id in ANSWERS}
    failing = _errors(nb)
    assert set(failing) == checks | set(GRADE_CELLS)
    assert set(failing.values()) == {"NotImplementedError"}
    note = _text(next(c for c in nb.cells if c.id == "closing_note"))
    assert "not measured: noise_std (Problem 3) is not written yet" in note
    skipped = [c for c in code if "is not written yet" in _text(c)]
    assert len(skipped) >= 4
