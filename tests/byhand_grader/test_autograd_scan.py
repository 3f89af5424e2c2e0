"""Does the source scan find autograd in the graded functions, and only there?

``byhand_grader.autograd_scan.scan`` reads the answer cells' text in the grader's
process; each construct below sits in a graded function's body (or in a helper it
uses) and must be found with its cell, line and name; the same text in a comment, a
docstring or at a cell's top level must not count.
"""

import pytest

from byhand_grader.autograd_scan import scan

from ..repo import COURSE

IMPORTS = (
    "import torch\nimport functorch\nfrom torch import autograd\n"
    "from torch.func import grad as func_grad, jacrev\n"
    "from byhand.autograd import autograd_grads\n"
    "from byhand.checks import assert_grads_match, compare_with_autograd\n"
)
LABEL = "answer cell 'p1_logistic_grads_answer'"

#: construct -> (body of logistic_grads, what the evidence names); the construct sits on the
#: body's last line
CONSTRUCTS = {
    ".backward()": ("loss = (params['w'] * x).sum()\nloss.backward()", ".backward()"),
    "torch.autograd.grad": ("g = torch.autograd.grad(loss, [w])", "torch.autograd.grad"),
    "torch.autograd.functional": (
        "j = torch.autograd.functional.jacobian(f, w)",
        "torch.autograd.functional.jacobian",
    ),
    "autograd.grad": ("g = autograd.grad(loss, [w])", "torch.autograd.grad"),
    "torch.func.grad": ("g = torch.func.grad(f)(w)", "torch.func.grad"),
    "torch.func.vjp": ("out, pull = torch.func.vjp(f, w)", "torch.func.vjp"),
    "torch.func.jacfwd": ("j = torch.func.jacfwd(f)(w)", "torch.func.jacfwd"),
    "torch.func.hessian": ("h = torch.func.hessian(f)(w)", "torch.func.hessian"),
    "imported jacrev": ("j = jacrev(f)(w)", "torch.func.jacrev"),
    "aliased torch.func.grad": ("g = func_grad(f)(w)", "torch.func.grad"),
    "functorch.grad": ("g = functorch.grad(f)(w)", "functorch.grad"),
    "enable_grad": ("with torch.enable_grad(): pass", "torch.enable_grad"),
    "set_grad_enabled(True)": ("with torch.set_grad_enabled(True): pass", "torch.set_grad_enabled"),
    "inference_mode(False)": ("with torch.inference_mode(False): pass", "torch.inference_mode"),
    "requires_grad_()": ("w = params['w'].clone().requires_grad_()", ".requires_grad_()"),
    "requires_grad=True": ("w = torch.zeros(2, requires_grad=True)", "requires_grad=True"),
    "requires_grad = True": ("w = params['w']\nw.requires_grad = True", "requires_grad = True"),
    "autograd_grads": ("return autograd_grads(logistic_forward, params, x, y)", "autograd_grads"),
    "compare_with_autograd": (
        "compare_with_autograd(logistic_grads, f, params, x, y)",
        "compare_with_autograd",
    ),
    "assert_grads_match": (
        "assert_grads_match(logistic_grads, f, params, x, y)",
        "assert_grads_match",
    ),
}


def _function(body, name="logistic_grads"):
    lines = "\n".join("    " + line for line in body.splitlines())
    return f'def {name}(params, x, y):\n    """Gradient by hand."""\n{lines}\n'


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_each_construct_is_found_with_cell_and_line(construct):
    """Is each autograd construct in a graded function's body found, with cell, line and name?"""
    body, named = CONSTRUCTS[construct]
    source = IMPORTS + _function(body)
    line = len(source.splitlines())
    found = scan([{"label": LABEL, "source": source}], ["logistic_grads", "tanh_grads"])
    assert found == {"logistic_grads": f"{LABEL}, line {line}: {named}"}


def test_comments_docstrings_and_top_level_do_not_count():
    """Do comments, docstrings, the visible comparison at a cell's top level, and harmless
    grad-mode switches (no_grad, inference_mode(), set_grad_enabled(False)) go unflagged?"""
    source = (
        IMPORTS + "def logistic_grads(params, x, y):\n"
        '    """Not loss.backward() nor torch.autograd.grad: the closed form."""\n'
        "    # torch.func.grad(f) would be cheating; so would loss.backward()\n"
        "    with torch.no_grad(), torch.inference_mode():\n"
        "        with torch.set_grad_enabled(False):\n"
        "            return {'w': x * 0, 'b': params['b'] * 0}\n"
        "\n"
        "compare_with_autograd(logistic_grads, logistic_forward, params, X[3], Y_OR[3])\n"
        "w = torch.ones(2, requires_grad=True)\n"
        "(w * 2).sum().backward()\n"
        "print(torch.autograd.grad)\n"
    )
    assert scan([{"label": LABEL, "source": source}], ["logistic_grads"]) == {}


def test_helpers_are_followed_across_cells():
    """Is autograd in a helper, defined in another cell and reached through a second
    helper, reported with the helper's cell and line and the chain that uses it?"""
    helpers = (
        "import torch\n"
        "def _loss_grad(loss, leaves):\n"
        "    return torch.autograd.grad(loss, leaves)\n"
        "def _all_grads(params, x, y):\n"
        "    return _loss_grad(((params['w'] * x).sum() - y) ** 2, [params['w']])\n"
    )
    answer = "def xor_grads(params, x, y):\n    return _all_grads(params, x, y)\n"
    cells = [
        {"label": "cell 9 (added by you)", "source": helpers},
        {"label": "answer cell 'p4_xor_grads_answer'", "source": answer},
    ]
    assert scan(cells, ["xor_grads"]) == {
        "xor_grads": "cell 9 (added by you), line 3: torch.autograd.grad "
        "(in _loss_grad, used by xor_grads -> _all_grads)"
    }


def test_last_definition_counts_and_broken_cells_are_skipped():
    """When a function is defined twice, does the later (by hand) one count, as the notebook
    runs top to bottom, and is a cell that does not parse skipped without error?"""
    cheat = IMPORTS + _function("return autograd_grads(f, params, x, y)")
    cells = [
        {"label": "cell 1", "source": cheat},
        {"label": "cell 2", "source": "def broken(:\n"},
        {"label": "cell 3", "source": _function("return {'w': x, 'b': params['b']}")},
    ]
    assert scan(cells, ["logistic_grads"]) == {}
    assert scan(cells[:2], ["logistic_grads"]) == {
        "logistic_grads": "cell 1, line 9: autograd_grads"
    }


def test_the_solution_is_clean():
    """Are the source's own solutions free of findings, and its stubs too?"""
    import nbformat

    from byhand_grader.assignment import load_assignment
    from byhand_grader.intake import harness_cells
    from byhand_instructor.sample_class import solved_release

    for assignment, functions in (
        ("partb", ["logistic_grads", "sgd_update", "tanh_grads", "xor_forward", "xor_grads"]),
        ("xor_mlp", ["build_mlp", "noise_std"]),
    ):
        desc = load_assignment(COURSE, assignment)
        source = nbformat.read(COURSE.source_notebook(assignment), as_version=4)
        release = nbformat.read(COURSE.release_notebook(assignment), as_version=4)
        for nb in (solved_release(COURSE, assignment), release):
            assert scan(harness_cells(nb, source, desc.setup_cells), functions) == {}, assignment


def test_train_full_batch_would_be_found():
    """The scan does not know which functions may use autograd (the grader asks only about
    the by-hand ones): is xor_mlp's train_full_batch, which must call backward, found when asked?"""
    import nbformat

    from byhand_grader.assignment import load_assignment
    from byhand_grader.intake import harness_cells
    from byhand_instructor.sample_class import solved_release

    desc = load_assignment(COURSE, "xor_mlp")
    source = nbformat.read(COURSE.source_notebook("xor_mlp"), as_version=4)
    cells = harness_cells(solved_release(COURSE, "xor_mlp"), source, desc.setup_cells)
    assert ".backward()" in scan(cells, ["train_full_batch"])["train_full_batch"]


def test_the_judge_weighs_the_scan_and_leaves_the_reply_as_sent():
    """Does the judge count a by-hand call whose code the scan caught as failed with the
    evidence (its training run too, through its forward pass), while a call of a kind not
    by hand and the harness's reply itself stay as they came?"""
    from byhand_grader import judge
    from byhand_grader.assignment import load_assignment
    from byhand_grader.harness.protocol import Reply

    desc = load_assignment(COURSE, "partb")
    source = IMPORTS + _function("loss = (params['w'] * x).sum()\nloss.backward()")
    cells = [{"label": LABEL, "source": source}]
    calls = {
        "g": {"id": "g", "kind": "grads", "fn": "logistic_grads"},
        "t": {"id": "t", "kind": "train", "fn": "xor_grads", "forward": "logistic_grads"},
        "e": {"id": "e", "kind": "explain", "fn": "logistic_grads"},
        "f": {"id": "f", "kind": "forward", "fn": "logistic_forward"},
    }
    sent = {cid: {"ok": True, "value": [1.0]} for cid in calls}
    reply = Reply(calls={cid: dict(v) for cid, v in sent.items()})
    probe = judge.make_probe(desc, "alice", calls, reply, cells)
    assert list(probe.scan) == ["logistic_grads"]
    for cid in ("g", "t"):
        got = probe.got(cid)
        assert not got["ok"] and got["error_type"] == "AutogradUsed"
        assert ".backward()" in got["autograd"]
        with pytest.raises(judge.Verdict, match="computes its result with autograd"):
            probe.result(cid)
    assert probe.result("e") == [1.0] and probe.result("f") == [1.0]
    assert reply.calls == sent
