"""The sample class's scenarios: one student per way a submission can go right or wrong.

Grader-only (the mutations quote fragments of the solutions).  Each scenario is
``name: (description, make)`` where ``make(solved, release)`` turns the solved
release notebook (or the untouched ``release``) into what that student submitted: a notebook, or ``(filename, text)`` for
scenarios about the file itself.  ``byhand sample-class`` writes them
to ``submitted/``; ``tests/byhand_grader/test_sample_class.py`` holds the score each must get.
"""

import json

import nbformat


def _cell(nb, cell_id):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def _replace(nb, cell_id, old, new):
    cell = _cell(nb, cell_id)
    if old not in cell.source:
        raise ValueError(f"scenario out of date: {old!r} not in cell {cell_id}")
    cell.source = cell.source.replace(old, new)
    return nb


def _correct(nb, release):
    return nb


def _unlucky_seed(nb, release):
    return _replace(nb, "setup_seed", "SEED = student_seed(STUDENT_ID)", "SEED = 22")


def _blank(nb, release):
    return release


def _missing_factor_2(nb, release):
    _replace(nb, "p1_logistic_grads_answer", "d_net = 2 * (yhat - y)", "d_net = (yhat - y)")
    _replace(nb, "p3_tanh_grads_answer", "d_net = 2 * (yhat - y)", "d_net = (yhat - y)")
    return _replace(nb, "p4_xor_grads_answer", "d_y = 2 * (yhat - y)", "d_y = (yhat - y)")


def _update_uses_dot_grad(nb, release):
    return _replace(
        nb, "p2_sgd_update_answer", "value - alpha * grads[name]", "value - alpha * value.grad"
    )


def _tanh_forward_logistic_grads(nb, release):
    return _replace(nb, "p4_xor_forward_answer", "h = logistic(net_h)", "h = torch.tanh(net_h)")


def _syntax_error(nb, release):
    return _replace(nb, "p3_tanh_grads_answer", "return {", "return {{")


def _infinite_loop(nb, release):
    cell = _cell(nb, "p3_tanh_grads_answer")
    cell.source = "# keep checking until it works\nwhile True:\n    pass\n\n" + cell.source
    return nb


def _os_exit(nb, release):
    cell = _cell(nb, "p2_sgd_update_answer")
    cell.source = cell.source + "\n\nimport os\nos._exit(0)\n"
    return nb


def _memory_bomb(nb, release):
    return _replace(
        nb,
        "p3_tanh_grads_answer",
        'yhat = tanh_forward(params, x)["yhat"]',
        "cache = [torch.ones(2**28) for _ in range(64)]\n"
        '    yhat = tanh_forward(params, x)["yhat"]',
    )


def _fork_bomb(nb, release):
    cell = _cell(nb, "p1_logistic_grads_answer")
    cell.source = (
        "import os\nfor _ in range(10_000):\n    try:\n        os.fork()\n"
        "    except OSError:\n        break\n\n" + cell.source
    )
    return nb


def _monkeypatch_cheat(nb, release):
    _replace(
        nb,
        "p1_logistic_grads_answer",
        "d_net = 2 * (yhat - y) * yhat * (1 - yhat)",
        "d_net = (yhat - y)",
    )
    cell = _cell(nb, "p1_logistic_grads_answer")
    cell.source = (
        "import torch\ntorch.allclose = lambda *a, **k: True\n"
        "import byhand.checks\nbyhand.checks.TOLERANCE = float('inf')\n\n" + cell.source
    )
    return nb


def _autograd_in_inference_mode(nb, release):
    """Problem 1 by autograd, escaping the grader's no_grad through inference_mode(False)."""
    _cell(nb, "p1_logistic_grads_answer").source = (
        "# Problem 1: gradient of E = (yhat - y)^2 for one logistic neuron\n"
        "def logistic_grads(params, x, y):\n"
        "    with torch.inference_mode(False), torch.enable_grad():\n"
        "        return autograd_grads(logistic_forward, params, x, y, dtype=torch.float32)\n"
    )
    return nb


def _autograd_backward(nb, release):
    """Problem 3 by calling backward() under enable_grad()."""
    _cell(nb, "p3_tanh_grads_answer").source = (
        "# Problem 3: gradient of E = (yhat - y)^2 for one tanh neuron\n"
        "def tanh_grads(params, x, y):\n"
        "    with torch.enable_grad():\n"
        "        leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}\n"
        "        yhat = tanh_forward(leaves, x)['yhat']\n"
        "        ((yhat - y) ** 2).sum().backward()\n"
        "        return {k: v.grad for k, v in leaves.items()}\n"
    )
    return nb


def _rebinds_the_trainer(nb, release):
    """A wrong xor_grads, and a cell that replaces the grader's trainer by one reporting success."""
    _missing_factor_2_p4_only(nb, release)
    cell = _cell(nb, "p4_xor_grads_answer")
    cell.source += (
        "\n\nimport byhand.training\nfrom byhand.training import TrainResult\n"
        "def _always_learns(forward, grads, update, params, X, Y, **kw):\n"
        "    return TrainResult(params, [0.0], torch.tensor([[0.0], [1.0], [1.0], [0.0]]))\n"
        "byhand.training.train = _always_learns\n"
    )
    return nb


def _reads_hidden_tests(nb, release):
    cell = _cell(nb, "p1_logistic_grads_answer")
    cell.source = (
        "import glob, os\nfound = glob.glob('/*/*/grader_tests/*.py') + "
        "glob.glob('/*/grader_tests/*.py') + glob.glob('../../../grader_tests/*.py')\n"
        "for path in found:\n    print(open(path).read())\n"
        "print('found:', found, 'gradebook:', os.path.exists('../../../gradebook.db'))\n\n"
        + cell.source
    )
    return nb


def _output_flood(nb, release):
    cell = _cell(nb, "p2_sgd_update_answer")
    cell.source = "for i in range(2_000_000):\n    print('debug', i)\n\n" + cell.source
    return nb


def _deleted_grade_cell(nb, release):
    nb.cells = [c for c in nb.cells if c.get("id") != "p1_logistic_grads_match_autograd"]
    return nb


def _edited_test_cell(nb, release):
    _cell(nb, "p4_xor_grads_match_autograd").source = "# looks fine to me\npass\n"
    return _missing_factor_2_p4_only(nb, release)


def _missing_factor_2_p4_only(nb, release):
    return _replace(nb, "p4_xor_grads_answer", "d_y = 2 * (yhat - y)", "d_y = (yhat - y)")


def _duplicated_cell(nb, release):
    i = next(n for n, c in enumerate(nb.cells) if c.get("id") == "p1_logistic_grads_answer")
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[i])))
    copy["id"] = "copied-by-student"
    nb.cells.insert(i + 1, copy)
    return nb


def _skip_execution_tags(nb, release):
    for cell in nb.cells:
        if (cell.metadata.get("nbgrader") or {}).get("grade"):
            cell.metadata["tags"] = ["skip-execution"]
    return nb


def _renamed_notebook(nb, release):
    return ("partb-Copy1.ipynb", nbformat.writes(nb) + "\n")


def _corrupt_json(nb, release):
    text = nbformat.writes(nb)
    return ("partb.ipynb", text[: len(text) // 2])


SCENARIOS = {
    "correct": ("the reference solution", _correct),
    "unlucky-seed": (
        "correct, but SEED = 22 typed over the student-id seed, a start from which XOR gets stuck",
        _unlucky_seed,
    ),
    "blank": ("the release notebook, untouched", _blank),
    "missing-factor-2": ("every gradient without the 2 of d(y-yhat)^2", _missing_factor_2),
    "update-uses-dot-grad": (
        "sgd_update steps along .grad, not the given gradients",
        _update_uses_dot_grad,
    ),
    "tanh-forward-logistic-grads": (
        "hidden unit uses tanh while xor_grads assumes the logistic",
        _tanh_forward_logistic_grads,
    ),
    "syntax-error": ("a syntax error in the Problem 3 answer", _syntax_error),
    "infinite-loop": ("a `while True` loop in the Problem 3 answer cell", _infinite_loop),
    "os-exit": ("os._exit(0) in the Problem 2 answer cell", _os_exit),
    "memory-bomb": ("tanh_grads allocates 64 GiB", _memory_bomb),
    "fork-bomb": ("the Problem 1 answer cell forks until it cannot", _fork_bomb),
    "monkeypatch-cheat": (
        "a wrong gradient plus torch.allclose = lambda *a, **k: True",
        _monkeypatch_cheat,
    ),
    "autograd-in-inference-mode": (
        "logistic_grads calls autograd_grads inside torch.inference_mode(False)",
        _autograd_in_inference_mode,
    ),
    "autograd-backward": (
        "tanh_grads calls backward() under torch.enable_grad()",
        _autograd_backward,
    ),
    "rebinds-the-trainer": (
        "a wrong xor_grads, and byhand.training.train replaced by a fake",
        _rebinds_the_trainer,
    ),
    "reads-hidden-tests": (
        "tries to print grader_tests/*.py from an answer cell",
        _reads_hidden_tests,
    ),
    "output-flood": ("prints two million lines", _output_flood),
    "deleted-grade-cell": ("deleted the Problem 1 grade cell", _deleted_grade_cell),
    "edited-test-cell": (
        "replaced the Problem 4b grade cell by `pass` (and has a wrong gradient)",
        _edited_test_cell,
    ),
    "duplicated-cell": ("copied the Problem 1 answer cell (same grade_id twice)", _duplicated_cell),
    "skip-execution-tags": ("tagged every grade cell skip-execution", _skip_execution_tags),
    "renamed-notebook": ("correct, saved as partb-Copy1.ipynb", _renamed_notebook),
    "corrupt-json": ("the notebook file cut in half", _corrupt_json),
}
