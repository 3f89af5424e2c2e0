"""Tests of the batched simulator (byhand_grader.simulate) and the numbers about luck it gives (byhand luck).

Also: the simulator's rules get their gradients by autograd and agree with the
grader-only closed-form rules (``grader_tests/partb/reference_rules.py``), and no
closed-form gradient (an answer to Problems 1, 3, 4) sits in ``byhand/``,
which is installed on students' machines.
"""

import json

import numpy as np
import pytest
import torch

from byhand import mlp_stats, outcomes
from byhand.data import X, Y_OR, Y_XOR
from byhand.neuron import init_neuron
from byhand.training import epoch_orders, train
from byhand.xor import init_xor
from byhand_grader import simulate
from byhand_instructor import cli, luck
from grader_tests.partb import reference_rules

# Seeds whose 8000-epoch runs end solved (0), slow on the plateau (2) and stuck (22).
SOLVED_SEED, SLOW_SEED, STUCK_SEED = 0, 2, 22


def plain_xor_run(seed, epochs, alpha=0.05):
    """One run, one pattern at a time, the way a student's notebook does it (closed form),
    in float32 as torch computes it: on numpy's float32 scalars, which do the same sums a
    tenth of the time of torch's 0-d tensors (8000 epochs: 0.7 s against 8 s)."""
    gen = torch.Generator().manual_seed(seed)
    p = {name: value.numpy() for name, value in init_xor(gen).items()}
    w3, w4 = p["w_34"]
    w0, w1, w2 = p["w_012"]
    b0, b1 = p["b0"][0], p["b1"][0]
    xs, ys = X.numpy(), Y_XOR.numpy()[:, 0]
    alpha, one, two = np.float32(alpha), np.float32(1), np.float32(2)

    def sigmoid(z):
        return one / (one + np.exp(-z))

    for order in epoch_orders(gen, epochs).tolist():
        for i in order:
            x0, x1 = xs[i]
            y = ys[i]
            h = sigmoid(w3 * x0 + w4 * x1 + b0)
            yhat = sigmoid(w0 * x0 + w1 * x1 + w2 * h + b1)
            d_y = two * (yhat - y) * yhat * (one - yhat)
            d_h = d_y * w2 * h * (one - h)
            w0, w1, w2, b1 = (
                w0 - alpha * d_y * x0,
                w1 - alpha * d_y * x1,
                w2 - alpha * d_y * h,
                b1 - alpha * d_y,
            )
            w3, w4, b0 = w3 - alpha * d_h * x0, w4 - alpha * d_h * x1, b0 - alpha * d_h
    assert {type(v) for v in (w0, w1, w2, w3, w4, b0, b1)} == {np.float32}  # float32 throughout
    return {
        "w_34": torch.tensor([w3, w4]),
        "b0": torch.tensor([b0]),
        "w_012": torch.tensor([w0, w1, w2]),
        "b1": torch.tensor([b1]),
    }


def plain_neuron_run(seed, epochs, activation, alpha=0.05):
    """One single-neuron run on OR, by autograd this time (an independent yardstick)."""
    gen = torch.Generator().manual_seed(seed)
    p = init_neuron(gen)
    g = torch.sigmoid if activation == "logistic" else torch.tanh
    for order in epoch_orders(gen, epochs).tolist():
        for i in order:
            w, b = p["w"].clone().requires_grad_(True), p["b"].clone().requires_grad_(True)
            loss = ((g((X[i] * w).sum() + b) - Y_OR[i]) ** 2).sum()
            loss.backward()
            p = {"w": (w - alpha * w.grad).detach(), "b": (b - alpha * b.grad).detach()}
    return p


def test_draw_reproduces_each_seeds_stream():
    """Is run i of a batch exactly seed i's init_xor draw followed by its epoch_orders?"""
    params, orders = simulate.draw_xor_starts([7, 3], 50)
    for i, seed in enumerate([7, 3]):
        gen = torch.Generator().manual_seed(seed)
        start = init_xor(gen)
        for name in start:
            assert torch.equal(params[name][i], start[name])
        assert torch.equal(orders[i].long(), epoch_orders(gen, 50))


def test_longer_draw_continues_the_shorter_one():
    """Are the first E epochs of a longer draw the orders of an E-epoch run (so 4x epochs continues a run)?"""
    _, short = simulate.draw_xor_starts([11], 100)
    _, long = simulate.draw_xor_starts([11], 400)
    assert torch.equal(short[0], long[0, :100])


@pytest.mark.parametrize("seed", [SOLVED_SEED, SLOW_SEED, STUCK_SEED])
def test_batched_xor_agrees_with_plain_loop(seed):
    """Does the batched simulator end where a plain per-seed loop ends, to 1e-5, after 8000 epochs?"""
    params, orders = simulate.draw_xor_starts([100, seed, 101], simulate.XOR_EPOCHS)
    batched = simulate.simulate_xor(params, orders)["params"]
    plain = plain_xor_run(seed, simulate.XOR_EPOCHS)
    for name in plain:
        torch.testing.assert_close(batched[name][1], plain[name], atol=1e-5, rtol=0)


def test_batched_xor_agrees_with_the_course_training_loop():
    """Does the simulator reproduce byhand.training.train (outputs and epoch errors) for the same seed?"""

    def forward(p, x):
        h = torch.sigmoid((x * p["w_34"]).sum().reshape(1) + p["b0"])
        yhat = torch.sigmoid((x * p["w_012"][:2]).sum().reshape(1) + p["w_012"][2] * h + p["b1"])
        return {"h": h, "yhat": yhat}

    def grads(p, x, y):
        f = forward(p, x)
        d_y = 2 * (f["yhat"] - y) * f["yhat"] * (1 - f["yhat"])
        d_h = d_y * p["w_012"][2] * f["h"] * (1 - f["h"])
        return {"w_34": d_h * x, "b0": d_h, "w_012": d_y * torch.cat([x, f["h"]]), "b1": d_y}

    def update(p, g, alpha):
        return {k: p[k] - alpha * g[k] for k in p}

    epochs = 300
    gen = torch.Generator().manual_seed(5)
    result = train(
        forward, grads, update, init_xor(gen), X, Y_XOR, alpha=0.05, epochs=epochs, gen=gen
    )
    sim = simulate.simulate_xor(*simulate.draw_xor_starts([5], epochs), record_errors=True)
    torch.testing.assert_close(sim["yhat"][0], result.yhat.flatten(), atol=1e-5, rtol=0)
    torch.testing.assert_close(
        sim["epoch_errors"][0].double(),
        torch.tensor(result.epoch_errors, dtype=torch.float64),
        atol=1e-5,
        rtol=0,
    )


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
def test_batched_neuron_agrees_with_autograd_loop(activation):
    """Do the batched single-neuron runs match a per-seed autograd loop?"""
    epochs = 300
    params, orders = simulate.draw_neuron_starts([4, 9], epochs)
    batched = simulate.simulate_neuron(params, orders, activation)["params"]
    for i, seed in enumerate([4, 9]):
        plain = plain_neuron_run(seed, epochs, activation)
        for name in plain:
            torch.testing.assert_close(batched[name][i], plain[name], atol=1e-5, rtol=0)


def test_float64_simulation_stays_close():
    """Does the dtype switch work, and does float64 end near float32 on a solved seed?"""
    params, orders = simulate.draw_xor_starts([SOLVED_SEED], 2000)
    a = simulate.simulate_xor(params, orders)
    b = simulate.simulate_xor(params, orders, dtype=torch.float64)
    assert b["yhat"].dtype == torch.float64
    torch.testing.assert_close(a["yhat"].double(), b["yhat"], atol=1e-3, rtol=0)


def test_classify_hand_made_outputs():
    """Are hand-made outputs sorted into solved / within 0.2 / 0.1 / slow / stuck / other as documented?"""
    yhat = torch.tensor(
        [
            [0.05, 0.95, 0.95, 0.05],  # solved, within 0.1
            [0.15, 0.85, 0.90, 0.10],  # solved, within 0.2 only
            [0.45, 0.55, 0.52, 0.49],  # solved, barely (every output on the right side of 0.5)
            [0.502, 0.500, 0.500, 0.498],  # slow: the plateau
            [0.55, 0.45, 0.52, 0.60],  # slow: off the plateau a little, not yet solved
            [0.05, 0.0001, 0.94, 0.04],  # stuck at 01
            [0.06, 0.96, 0.96, 0.9999],  # stuck at 11
            [0.9995, 0.93, 0.93, 0.08],  # stuck at 00
            [0.80, 0.90, 0.90, 0.10],  # other: 00 wrong, but not confidently
        ]
    )
    m = outcomes.classify_runs(yhat)
    as_list = {k: v.tolist() for k, v in m.items()}
    assert as_list["solved"] == [True, True, True, False, False, False, False, False, False]
    assert as_list["within_0.2"] == [True, True, False, False, False, False, False, False, False]
    assert as_list["within_0.1"] == [True, False, False, False, False, False, False, False, False]
    assert as_list["slow"] == [False, False, False, True, True, False, False, False, False]
    assert as_list["stuck"] == [False, False, False, False, False, True, True, True, False]
    assert as_list["other"] == [False] * 8 + [True]
    assert (m["slow"].int() + m["stuck"].int() + m["other"].int() == m["unsolved"].int()).all()


def test_hidden_families_of_hand_made_units():
    """Does each hand-made hidden unit get its family's name, and a constant unit 'none'?"""
    units = {  # w3, w4, b0
        "NOR": (-10, -10, 5),
        "OR": (10, 10, -5),
        "x0 AND NOT x1": (10, -10, -5),
        "x1 AND NOT x0": (-10, 10, -5),
        "NOT x0 OR x1": (-10, 10, 5),
        "x0 OR NOT x1": (10, -10, 5),
        "AND": (10, 10, -15),
        "NAND": (-10, -10, 15),
        "none": (0, 0, 5),
    }
    w = torch.tensor([[u[0], u[1]] for u in units.values()], dtype=torch.float32)
    b0 = torch.tensor([[u[2]] for u in units.values()], dtype=torch.float32)
    n = len(units)
    params = {"w_34": w, "b0": b0, "w_012": torch.zeros(n, 3), "b1": torch.zeros(n, 1)}
    assert luck.hidden_families(params) == list(units)
    assert set(luck.FAMILY_NAMES) == set(units) - {"none"}


def test_wilson_interval():
    """Is the Wilson interval right at known points (0 of 10; 50 of 100)?"""
    low, high = mlp_stats.wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = mlp_stats.wilson(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)


def test_cli_json_is_reproducible(tmp_path, capsys):
    """Does the CLI write the same bytes twice for the same seeds (sorted keys, no timestamps)?"""
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in paths:
        assert (
            cli.main(
                [
                    "luck",
                    "--runs",
                    "24",
                    "--seed-start",
                    "3",
                    "--xor-epochs",
                    "150",
                    "--neuron-epochs",
                    "100",
                    "--json",
                    str(path),
                ]
            )
            == 0
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()
    results = json.loads(paths[0].read_text())
    assert results["settings"]["runs"] == 24
    assert results["xor"]["outcomes"]["solved"]["runs"] == 24
    assert "solved" in capsys.readouterr().out


def test_committed_results_cover_what_the_prose_quotes():
    """Does byhand/luck_results.json hold a 20,000-run measurement with the quoted rates?"""
    results = json.loads(luck.RESULTS_PATH.read_text())
    assert results["settings"]["runs"] == 20000
    xor = results["xor"]
    for key in ("solved", "within_0.2", "within_0.1", "slow", "stuck"):
        assert 0 <= xor["outcomes"][key]["rate"] <= 1
    assert set(xor["families_of_solved"]) == set(luck.FAMILY_NAMES) | {"none"}
    assert results["logistic_neuron"]["epochs"] == simulate.NEURON_EPOCHS


# ---------------------------------------------------------------------------
# autograd rules in the package, closed-form rules in grader_tests


def _random_columns(names, n, gen, scale=3.0):
    return {k: scale * torch.randn(n, generator=gen) for k in names}


def _random_patterns(n, gen):
    idx = torch.randint(0, 4, (n,), generator=gen)
    return X[idx, 0].contiguous(), X[idx, 1].contiguous(), idx


RULE_CASES = [  # (package rule, closed-form rule, columns, targets)
    (
        simulate.XOR_RULE,
        reference_rules.XOR_RULE,
        ("w3", "w4", "b0", "w0", "w1", "w2", "b1"),
        Y_XOR,
    ),
    (simulate.LOGISTIC_RULE, reference_rules.LOGISTIC_RULE, ("w0", "w1", "b"), Y_OR),
    (simulate.TANH_RULE, reference_rules.TANH_RULE, ("w0", "w1", "b"), Y_OR),
]


@pytest.mark.parametrize("dtype, atol", [(torch.float32, 1e-6), (torch.float64, 1e-12)])
@pytest.mark.parametrize("case", range(len(RULE_CASES)), ids=["xor", "logistic", "tanh"])
def test_autograd_rules_agree_with_closed_form(case, dtype, atol):
    """Do the package's autograd rules give the closed-form gradients, run by run, on random (N,) columns?"""
    rule, closed, names, targets = RULE_CASES[case]
    gen = torch.Generator().manual_seed(1234 + case)
    n = 4096
    p = {k: v.to(dtype) for k, v in _random_columns(names, n, gen).items()}
    x0, x1, idx = _random_patterns(n, gen)
    x0, x1, y = x0.to(dtype), x1.to(dtype), targets.reshape(-1)[idx].to(dtype)
    with torch.no_grad():  # as in the simulator
        got = rule.grads(p, rule.forward(p, x0, x1), x0, x1, y)
        want = closed.grads(p, closed.forward(p, x0, x1), x0, x1, y)
    assert set(got) == set(want) == set(names)
    for k in names:
        assert got[k].dtype == dtype and not got[k].requires_grad
        torch.testing.assert_close(got[k], want[k], atol=atol, rtol=0)
    assert all(not v.requires_grad for v in p.values())  # the caller's columns are untouched


def test_autograd_gradient_of_the_sum_is_each_runs_own():
    """Is run i's gradient in a batch the gradient of run i alone (runs do not mix)?"""
    gen = torch.Generator().manual_seed(7)
    names = RULE_CASES[0][2]
    p = _random_columns(names, 8, gen)
    x0, x1, idx = _random_patterns(8, gen)
    y = Y_XOR.reshape(-1)[idx]
    batch = simulate.XOR_RULE.grads(p, simulate.XOR_RULE.forward(p, x0, x1), x0, x1, y)
    for i in range(8):
        q = {k: v[i : i + 1] for k, v in p.items()}
        one = simulate.XOR_RULE.grads(
            q,
            simulate.XOR_RULE.forward(q, x0[i : i + 1], x1[i : i + 1]),
            x0[i : i + 1],
            x1[i : i + 1],
            y[i : i + 1],
        )
        for k in names:
            torch.testing.assert_close(batch[k][i : i + 1], one[k], atol=1e-7, rtol=0)


def test_simulator_with_either_rule_ends_in_the_same_place():
    """Do 500 epochs with the autograd and the closed-form rule end within float rounding of each other?"""
    params, orders = simulate.draw_xor_starts(range(40), 500)
    a = simulate.simulate_xor(params, orders)
    b = simulate.simulate_xor(params, orders, rule=reference_rules.XOR_RULE)
    torch.testing.assert_close(a["yhat"], b["yhat"], atol=1e-5, rtol=0)
    for name in a["params"]:
        assert not a["params"][name].requires_grad
        torch.testing.assert_close(a["params"][name], b["params"][name], atol=1e-4, rtol=0)
    params, orders = simulate.draw_neuron_starts(range(40), 300)
    for act in ("logistic", "tanh"):
        a = simulate.simulate_neuron(params, orders, act)
        b = simulate.simulate_neuron(params, orders, act, rule=reference_rules.NEURON_RULES[act])
        torch.testing.assert_close(a["yhat"], b["yhat"], atol=1e-5, rtol=0)
