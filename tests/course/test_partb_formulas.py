"""Is every formula in Part B's solution right?  Each one against autograd in float64.

The solution functions come straight from ``source/partb/partb.ipynb``; the
yardstick is ``loss.backward()`` in float64 on many seeded random inputs,
saturated units and the zero input.
"""

import torch

from byhand.autograd import autograd_grads
from byhand.data import X, Y_OR, Y_XOR
from byhand.neuron import init_neuron, logistic_forward, tanh_forward
from byhand.xor import init_xor


def _cases(n=200, seed=1234):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(n):
        yield (
            torch.randn(2, generator=gen, dtype=torch.float64) * 3,
            torch.rand(2, generator=gen, dtype=torch.float64) * 4 - 2,
            torch.randint(0, 2, (1,), generator=gen).double(),
            gen,
        )


def _assert_close(mine, ref, tol=1e-12):
    assert mine.keys() == ref.keys()
    for k in ref:
        assert mine[k].shape == ref[k].shape, k
        assert torch.allclose(mine[k].double(), ref[k], atol=tol, rtol=1e-9), (k, mine[k], ref[k])


def test_logistic_grads_match_autograd(partb):
    """Does Problem 1's dE/dw, dE/db equal autograd's, in float64, on 200 random cases?"""
    for w, x, y, gen in _cases():
        params = {"w": w, "b": torch.randn(1, generator=gen, dtype=torch.float64)}
        _assert_close(
            partb["logistic_grads"](params, x, y), autograd_grads(logistic_forward, params, x, y)
        )


def test_tanh_grads_match_autograd(partb):
    """Does Problem 3's tanh gradient equal autograd's on 200 random cases?"""
    for w, x, y, gen in _cases():
        params = {"w": w, "b": torch.randn(1, generator=gen, dtype=torch.float64)}
        _assert_close(partb["tanh_grads"](params, x, y), autograd_grads(tanh_forward, params, x, y))


def _xor_params(gen, scale=2.0):
    return {k: v.double() * scale for k, v in init_xor(gen).items()}


def test_xor_forward_matches_the_formulas(partb):
    """Does xor_forward compute net_h, h, net_y, yhat exactly as the notebook's maths says?"""
    gen = torch.Generator().manual_seed(5)
    for _ in range(100):
        p = _xor_params(gen)
        x = torch.rand(2, generator=gen, dtype=torch.float64) * 4 - 2
        out = partb["xor_forward"](p, x)
        w3, w4 = p["w_34"]
        w0, w1, w2 = p["w_012"]
        net_h = w3 * x[0] + w4 * x[1] + p["b0"]
        h = 1 / (1 + torch.exp(-net_h))
        net_y = w0 * x[0] + w1 * x[1] + w2 * h + p["b1"]
        for key, want in (
            ("net_h", net_h),
            ("h", h),
            ("net_y", net_y),
            ("yhat", 1 / (1 + torch.exp(-net_y))),
        ):
            assert out[key].shape == (1,)
            assert torch.allclose(out[key], want.reshape(1), atol=1e-12), key


def test_xor_grads_match_autograd(partb):
    """Does Problem 4's backprop equal autograd's for all seven parameters?"""
    gen = torch.Generator().manual_seed(6)
    for _ in range(200):
        p = _xor_params(gen)
        x = torch.rand(2, generator=gen, dtype=torch.float64) * 4 - 2
        y = torch.randint(0, 2, (1,), generator=gen).double()
        _assert_close(partb["xor_grads"](p, x, y), autograd_grads(partb["xor_forward"], p, x, y))


def test_gradients_at_saturation_and_zero_input(partb):
    """Are the gradients right where units saturate (|net| = 20) and at x = [0, 0]?"""
    sat = {
        "w": torch.tensor([10.0, 9.0], dtype=torch.float64),
        "b": torch.tensor([1.0], dtype=torch.float64),
    }
    for fn, fwd in (("logistic_grads", logistic_forward), ("tanh_grads", tanh_forward)):
        for x in (torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)):
            for y in (0.0, 1.0):
                y = torch.tensor([y], dtype=torch.float64)
                _assert_close(partb[fn](sat, x, y), autograd_grads(fwd, sat, x, y))


def test_float32_solution_within_the_graders_tolerance(partb):
    """Is the float32 solution within 1e-5 of float64 autograd, the tolerance the checks use?"""
    gen = torch.Generator().manual_seed(7)
    for _ in range(200):
        p = {k: v * 2 for k, v in init_xor(gen).items()}
        x = torch.rand(2, generator=gen) * 4 - 2
        y = torch.randint(0, 2, (1,), generator=gen).float()
        mine = partb["xor_grads"](p, x, y)
        ref = autograd_grads(partb["xor_forward"], p, x, y)
        for k in ref:
            assert ((mine[k].double() - ref[k]).abs() <= 1e-5 + 1e-3 * ref[k].abs()).all()


def test_sgd_update_steps_against_the_gradient(partb):
    """Does sgd_update return params - alpha * grads without touching .grad?"""
    params = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.5])}
    grads = {"w": torch.tensor([0.1, -0.2]), "b": torch.tensor([0.3])}
    for v in params.values():
        v.grad = torch.full_like(v, 1000.0)
    new = partb["sgd_update"](params, grads, 0.5)
    assert torch.allclose(new["w"], torch.tensor([0.95, 2.1]))
    assert torch.allclose(new["b"], torch.tensor([0.35]))


def test_reference_trains_or_and_xor(partb):
    """Does the solution learn OR (both neurons) and XOR from seed 0, as the notebook says?"""
    from byhand.training import train

    for fwd, grads in (
        (logistic_forward, partb["logistic_grads"]),
        (tanh_forward, partb["tanh_grads"]),
    ):
        gen = torch.Generator().manual_seed(0)
        run = train(
            fwd,
            grads,
            partb["sgd_update"],
            init_neuron(gen),
            X,
            Y_OR,
            alpha=0.05,
            epochs=5000,
            gen=gen,
        )
        assert float((run.yhat - Y_OR).abs().max()) < 0.1
    gen = torch.Generator().manual_seed(0)
    run = train(
        partb["xor_forward"],
        partb["xor_grads"],
        partb["sgd_update"],
        init_xor(gen),
        X,
        Y_XOR,
        alpha=0.05,
        epochs=8000,
        gen=gen,
    )
    assert float((run.yhat - Y_XOR).abs().max()) < 0.5
