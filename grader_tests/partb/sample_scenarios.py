"""The sample class's scenarios, and the hidden checks' bug variants: ways a submission can go
right or wrong, each with the mistake codes it must get.

Grader-only (the mutations quote fragments of the solutions; the autograder bundles leave
this file out).  Each scenario is ``name: (description, make)`` where
``make(solved, release)`` turns the solved release notebook (or the untouched ``release``)
into what that student submitted: a notebook, or ``(filename, text)`` for scenarios about
the file itself.  ``byhand sample-class`` writes them to ``submitted/``;
``tests/byhand_grader/test_sample_class.py`` holds the score each must get, and ``CODES``
the catalogue codes.

``VARIANTS`` are the hidden checks' bug variants: one answer cell changed as a student
would change it, with the codes each must get, per problem, when it is graded.
``tests/byhand_grader/test_mistakes.py`` judges each of them in its own test process, unsandboxed; the
generated class (``byhand_instructor.generated_class``) draws its students from the
scenarios and the variants (``GENERATED``), and its mix's codes are the ones declared here.
"""

import json

import nbformat


def _cell(nb, cell_id):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def changed_source(source, old, new, where):
    """``source`` with ``old`` replaced by ``new`` (``old`` None: ``new`` is the whole
    source); ``ValueError`` naming ``where`` when the solution no longer holds ``old``."""
    if old is None:
        return new
    if old not in source:
        raise ValueError(f"scenario out of date: {old!r} not in {where}")
    return source.replace(old, new)


def _replace(nb, cell_id, old, new):
    cell = _cell(nb, cell_id)
    cell.source = changed_source(cell.source, old, new, f"cell {cell_id}")
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

#: scenario -> the catalogue's codes its record carries, per problem (none: nothing lost)
CODES = {
    "blank": {p: {"not-attempted"} for p in ("P1", "P2", "P3", "P4")},
    # the training runs from the grader's starts end elsewhere: P4's third check
    "missing-factor-2": {
        "P1": {"factor-2-missing"},
        "P3": {"factor-2-missing"},
        "P4": {"factor-2-missing", "trains-differently"},
    },
    "update-uses-dot-grad": {"P2": {"update-reads-grad"}},
    # xor_grads backpropagates correctly through the student's own (tanh) forward pass
    "tanh-forward-logistic-grads": {"P4": {"forward-activation-wrong", "trains-differently"}},
    "syntax-error": {"P3": {"cell-fails"}},
    "infinite-loop": {"P3": {"cell-fails"}},  # the cell, not the function, loops
    "os-exit": {"P2": {"cell-fails"}},
    "memory-bomb": {"P3": {"over-limit"}},
    "monkeypatch-cheat": {"P1": {"activation-derivative-missing", "factor-2-missing"}},
    "autograd-in-inference-mode": {"P1": {"autograd-used"}},
    "autograd-backward": {"P3": {"autograd-used"}},
    "rebinds-the-trainer": {"P4": {"factor-2-missing", "trains-differently"}},
    "edited-test-cell": {"P4": {"factor-2-missing", "trains-differently"}},
}


# -- finite differences: the gradient computed numerically ------------------------------------

#: How each function's loss is evaluated at parameters ``q`` (a dict), in dtype ``dt``.
GIVEN_LOSS = {
    "logistic_grads": "logistic_forward(q, x.to(dt))['yhat']",
    "tanh_grads": "tanh_forward(q, x.to(dt))['yhat']",
    "xor_grads": "xor_forward(q, x.to(dt))['yhat']",
}
#: ... or a forward pass written out inside the gradient function.
OWN_FORWARD = {
    "logistic_grads": (
        "    def forward(q):\n"
        "        net = (x.to(dt) * q['w']).sum().reshape(1) + q['b']\n"
        "        return 1 / (1 + torch.exp(-net))\n"
    ),
    "tanh_grads": (
        "    def forward(q):\n"
        "        net = (x.to(dt) * q['w']).sum().reshape(1) + q['b']\n"
        "        return (1 - torch.exp(-2 * net)) / (1 + torch.exp(-2 * net))\n"
    ),
    "xor_grads": (
        "    def forward(q):\n"
        "        x_ = x.to(dt)\n"
        "        net_h = (q['w_34'] * x_).sum().reshape(1) + q['b0']\n"
        "        h = 1 / (1 + torch.exp(-net_h))\n"
        "        net_y = (q['w_012'] * torch.cat([x_, h])).sum().reshape(1) + q['b1']\n"
        "        return torch.sigmoid(net_y)\n"
    ),
}
#: scheme -> (step in float32, step in float64)
STEPS = {"central": (1e-3, 1e-6), "forward": (1e-3, 1e-8)}
DTYPES = {"float32": 0, "float64": 1}


def finite_difference(fn, through, scheme, dtype, h=None):
    """``fn`` redefined as a finite difference of E = (yhat - y)^2, element by element,
    with the step ``h`` (by default ``STEPS``'), through the given forward pass
    (``through="given"``) or one written inside it (``"own"``)."""
    h = h or STEPS[scheme][DTYPES[dtype]]
    loss = (
        f"(({GIVEN_LOSS[fn]} - y.to(dt)) ** 2).sum()"
        if through == "given"
        else "((forward(q) - y.to(dt)) ** 2).sum()"
    )
    step = (
        "(E(moved(k, i, h)) - E(moved(k, i, -h))) / (2 * h)"
        if scheme == "central"
        else "(E(moved(k, i, h)) - E0) / h"
    )
    return (
        f"def {fn}(params, x, y):\n"
        f"    dt, h = torch.{dtype}, {h!r}\n"
        f"    p = {{k: v.to(dt) for k, v in params.items()}}\n"
        + (OWN_FORWARD[fn] if through == "own" else "")
        + f"    def E(q):\n"
        f"        return {loss}\n"
        f"    def moved(k, i, step):\n"
        f"        q = {{n: t.clone() for n, t in p.items()}}\n"
        f"        q[k][i] += step\n"
        f"        return q\n"
        f"    E0 = E(p)\n"
        f"    return {{k: torch.stack([{step} for i in range(v.numel())]).reshape(v.shape)"
        f".to(params[k].dtype)\n"
        f"            for k, v in p.items()}}\n"
    )


# -- the hidden checks' bug variants ----------------------------------------------------------

P1, P2, P3 = "p1_logistic_grads_answer", "p2_sgd_update_answer", "p3_tanh_grads_answer"
P4F, P4 = "p4_xor_forward_answer", "p4_xor_grads_answer"

LOGISTIC_D_NET = "d_net = 2 * (yhat - y) * yhat * (1 - yhat)"
D_Y = "d_y = 2 * (yhat - y) * yhat * (1 - yhat)"
D_H = 'd_h = d_y * params["w_012"][2] * h * (1 - h)'
UPDATE = "value - alpha * grads[name]"
#: the code of the check that trains the student's XOR network (``p4_xor_learns``), which a
#: wrong xor_forward or xor_grads also fails when its training ends elsewhere
TRAINS = "trains-differently"

_STUB = (
    "def sgd_update(params, grads, alpha):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
)

#: variant -> (changes, {problem: codes}): each change ``(answer cell id, old, new)`` replaces
#: ``old`` in the solution's answer cell by ``new``, or (``old`` None) the whole cell; the
#: codes are those its graded record carries, the XOR training check's included.
VARIANTS = {
    "correct": ((), {}),
    # -- the loss and the activation's derivative (P1, P3, P4) -------------------------------
    "factor-2-missing": (
        [
            (P1, "2 * (yhat - y)", "(yhat - y)"),
            (P3, "2 * (yhat - y)", "(yhat - y)"),
            (P4, "2 * (yhat - y)", "(yhat - y)"),
        ],
        {
            "P1": {"factor-2-missing"},
            "P3": {"factor-2-missing"},
            "P4": {"factor-2-missing", TRAINS},
        },
    ),
    "factor-2-doubled": ([(P1, "2 * (yhat - y)", "4 * (yhat - y)")], {"P1": {"factor-2-doubled"}}),
    "opposite-sign": ([(P3, "(yhat - y)", "(y - yhat)")], {"P3": {"opposite-sign"}}),
    "opposite-sign-factor-2-missing": (
        [(P4, "2 * (yhat - y)", "(y - yhat)")],
        {"P4": {"opposite-sign", "factor-2-missing", TRAINS}},
    ),
    "activation-derivative-missing": (
        [(P1, LOGISTIC_D_NET, "d_net = 2 * (yhat - y)"), (P4, D_Y, "d_y = 2 * (yhat - y)")],
        {"P1": {"activation-derivative-missing"}, "P4": {"activation-derivative-missing", TRAINS}},
    ),
    "tanh-derivative-wrong-quantity": (
        [
            (
                P3,
                'yhat = tanh_forward(params, x)["yhat"]',
                'out = tanh_forward(params, x)\n    net, yhat = out["net"], out["yhat"]',
            ),
            (P3, "(1 - yhat ** 2)", "(1 - net ** 2)"),
        ],
        {"P3": {"tanh-derivative-wrong-quantity"}},
    ),
    "logistic-derivative-for-tanh": (
        [(P3, "(1 - yhat ** 2)", "yhat * (1 - yhat)")],
        {"P3": {"logistic-derivative-for-tanh"}},
    ),
    "bias-gradient-times-x": (
        [(P1, '"b": d_net}', '"b": d_net * x}'), (P4, '"b0": d_h,', '"b0": d_h * x,')],
        # the training run stops at the same wrong shape: the same mistake
        {"P1": {"bias-gradient-times-x"}, "P4": {"bias-gradient-times-x"}},
    ),
    # -- backprop through the XOR network (P4) --------------------------------------------
    "dh-missing-w2": ([(P4, D_H, "d_h = d_y * h * (1 - h)")], {"P4": {"dh-missing-w2", TRAINS}}),
    "dh-missing-hidden-derivative": (
        [(P4, D_H, 'd_h = d_y * params["w_012"][2]')],
        {"P4": {"dh-missing-hidden-derivative", TRAINS}},
    ),
    "w012-skip-missing": (
        [(P4, "d_y * torch.cat([x, h])", "d_y * torch.cat([torch.zeros(2), h])")],
        {"P4": {"w012-skip-missing", TRAINS}},
    ),
    "w012-hidden-missing": (
        [(P4, "d_y * torch.cat([x, h])", "d_y * torch.cat([x, torch.ones(1)])")],
        {"P4": {"w012-hidden-missing", TRAINS}},
    ),
    "forward-activation-wrong": (
        [(P4F, "h = logistic(net_h)", "h = torch.tanh(net_h)")],
        # xor_grads backpropagates through that forward pass: the same mistake
        {"P4": {"forward-activation-wrong", TRAINS}},
    ),
    # -- the update (P2) ------------------------------------------------------------------
    "update-adds": ([(P2, UPDATE, "value + alpha * grads[name]")], {"P2": {"update-adds"}}),
    "update-ignores-alpha": (
        [(P2, UPDATE, "value - grads[name]")],
        {"P2": {"update-ignores-alpha"}},
    ),
    "update-partial": (
        [(P2, UPDATE, '(value - alpha * grads[name] if name != "b" else value)')],
        {"P2": {"update-partial"}},
    ),
    "update-reads-grad": (
        [(P2, UPDATE, "value - alpha * value.grad")],
        {"P2": {"update-reads-grad"}},
    ),
    # -- what the judge recognises for any assignment ---------------------------------------
    "autograd-used": (
        [
            (
                P1,
                None,
                "def logistic_grads(params, x, y):\n"
                "    with torch.inference_mode(False):\n"
                "        return {k: v.float() for k, v in\n"
                "                autograd_grads(logistic_forward, params, x, y).items()}\n",
            )
        ],
        {"P1": {"autograd-used"}},
    ),
    "numerical-differentiation": (
        [(P3, None, finite_difference("tanh_grads", "given", "central", "float64"))],
        {"P3": {"numerical-differentiation"}},
    ),
    "tampering": (
        [(P2, "    return {name:", "    torch.allclose = None\n    return {name:")],
        {"P2": {"tampering"}},
    ),
    "wrong-dtype": (
        [(P1, '{"w": d_net * x, "b": d_net}', '{"w": (d_net * x).tolist(), "b": d_net}')],
        {"P1": {"wrong-dtype"}},
    ),
    "wrong-keys": ([(P3, '"b": d_net}', '"bias": d_net}')], {"P3": {"wrong-keys"}}),
    "wrong-keys-forward": ([(P4F, '"net_h": net_h, ', "")], {"P4": {"wrong-keys"}}),
    "wrong-shape": (
        [(P1, '"w": d_net * x,', '"w": (d_net * x).reshape(2, 1),')],
        {"P1": {"wrong-shape"}},
    ),
    "not-finite": ([(P3, '"b": d_net}', '"b": d_net / 0}')], {"P3": {"not-finite"}}),
    "raises-error": (
        [(P1, LOGISTIC_D_NET, LOGISTIC_D_NET + ' * params["w0"]')],
        {"P1": {"raises-error"}},
    ),
    "over-limit": (
        [(P2, "    return {name:", "    while True:\n        pass\n    return {name:")],
        {"P2": {"over-limit"}},
    ),
    "missing-function": (
        [(P2, "def sgd_update(", "def sgd_update_mine(")],
        {"P2": {"missing-function"}},
    ),
    "cell-fails": ([(P3, "return {", "return {{")], {"P3": {"cell-fails"}}),
    "not-attempted": ([(P2, None, _STUB)], {"P2": {"not-attempted"}}),
    # -- wrong, and by no catalogued mistake --------------------------------------------
    "other": (
        [(P1, LOGISTIC_D_NET, "d_net = 2 * (yhat - y) * (1 - yhat ** 2)")],
        {"P1": {"other"}},
    ),
    "other-update": ([(P2, UPDATE, "value - 0.5 * alpha * grads[name]")], {"P2": {"other"}}),
}


def with_variant(nb, changes):
    """``nb`` (the solved release notebook) with a variant's ``changes`` made to its cells."""
    for cell_id, old, new in changes:
        cell = _cell(nb, cell_id)
        cell.source = changed_source(cell.source, old, new, f"cell {cell_id}")
    return nb


# -- the generated class's kinds --------------------------------------------------------------

#: Scenarios and variants the generated class leaves out, each for its cost: it runs until a
#: limit stops it (a cell's 30 s, a call's 20 s) or floods its output, and what it must get
#: comes from a faster kind too (``cell-fails`` from syntax-error, ``over-limit`` from
#: memory-bomb, no code from the other correct ones).
SLOW = {
    "scenario": ("infinite-loop", "output-flood"),
    "variant": ("over-limit",),
}


def generated_kinds():
    """``{kind: (make, {problem: codes})}`` that the generated class draws its students from:
    every scenario (``scenario:<name>``) and every variant (``variant:<name>``) but the
    ``SLOW`` ones and the variant ``correct`` (the scenario ``correct`` is the same
    notebook); ``make(solved, release)`` as a scenario's."""
    kinds = {
        f"scenario:{name}": (make, CODES.get(name, {}))
        for name, (_, make) in SCENARIOS.items()
        if name not in SLOW["scenario"]
    }
    for name, (changes, codes) in VARIANTS.items():
        if name != "correct" and name not in SLOW["variant"]:
            kinds[f"variant:{name}"] = (
                lambda solved, release, changes=changes: with_variant(solved, changes),
                codes,
            )
    return kinds
