"""Tests of grader_tests/partb/xor_starts.json: the screened starts of the autograder's XOR-learning check.

The grader trains a student's Problem 4 code from the first ``k`` starts for
``epochs`` epochs and passes it when at least ``required`` runs end with every
output within ``within`` of its target.  These tests catch a changed random
stream (torch's ``Generator``), an inconsistent design, and a JSON that the
screen would no longer reproduce.
"""

import json

import pytest
import torch

from byhand.data import Y_XOR
from byhand.xor import init_xor
from byhand_grader import simulate as luck
from grader_tests.partb import reference_rules, xor_starts

DESIGN = json.loads(xor_starts.JSON_PATH.read_text())
STARTS = DESIGN["starts"]
FIRST = 3  # starts re-screened here (the grader's K)


def test_stored_inits_are_still_the_seeds_draws():
    """Is each stored init still init_xor(Generator().manual_seed(seed)) (same random stream)?"""
    for start in STARTS:
        draw = init_xor(torch.Generator().manual_seed(start["seed"]))
        assert set(draw) == set(start["init"])
        for name, values in start["init"].items():
            torch.testing.assert_close(
                draw[name].double(),
                torch.tensor(values, dtype=torch.float64),
                atol=1e-6,
                rtol=0,
                msg=f"seed {start['seed']}, {name}",
            )


def test_design_is_consistent():
    """Do epochs / k / required / within / alpha agree with the screen's constants and with each other?"""
    assert DESIGN["epochs"] == xor_starts.EPOCHS and isinstance(DESIGN["epochs"], int)
    assert DESIGN["k"] == xor_starts.K and DESIGN["required"] == xor_starts.REQUIRED
    assert DESIGN["within"] == xor_starts.WITHIN and DESIGN["alpha"] == luck.ALPHA
    assert 1 <= DESIGN["required"] <= DESIGN["k"] <= len(STARTS)
    assert 0 < DESIGN["within"] <= 0.5
    margin = DESIGN["criteria"]["screen_margin"]
    assert margin <= DESIGN["within"]  # screened at least as strictly as checked
    seeds = [s["seed"] for s in STARTS]
    assert seeds == sorted(set(seeds)) and seeds[0] >= DESIGN["candidates"]["first"]
    for s in STARTS:
        worst = max(abs(v - t) for v, t in zip(s["reference_yhat"], Y_XOR.flatten().tolist()))
        assert worst == pytest.approx(s["reference_worst_error"], abs=1e-6)
        assert (
            worst < margin and s["max_variant_deviation"] < DESIGN["criteria"]["screen_deviation"]
        )


def test_reference_rerun_reproduces_the_stored_outputs():
    """Does the closed-form reference, re-run from the first starts, give their reference_yhat to 1e-6?"""
    seeds = [s["seed"] for s in STARTS[:FIRST]]
    params, orders = luck.draw_xor_starts(seeds, DESIGN["epochs"])
    yhat = luck.simulate_xor(params, orders, DESIGN["alpha"], rule=reference_rules.XOR_RULE)["yhat"]
    stored = torch.tensor([s["reference_yhat"] for s in STARTS[:FIRST]], dtype=torch.float64)
    torch.testing.assert_close(yhat.double(), stored, atol=1e-6, rtol=0)


def test_first_starts_pass_the_screen_again():
    """Does the full screen (reference and every correct variant) still keep the first starts, with the same outputs?"""
    records = xor_starts.screen_block(
        [s["seed"] for s in STARTS[:FIRST]], DESIGN["epochs"], DESIGN["criteria"]["screen_margin"]
    )
    for rec, start in zip(records, STARTS):
        assert rec["robust"], rec["reason"]
        assert rec["init"] == start["init"]
        torch.testing.assert_close(
            torch.tensor(rec["reference_yhat"], dtype=torch.float64),
            torch.tensor(start["reference_yhat"], dtype=torch.float64),
            atol=1e-6,
            rtol=0,
        )


def test_package_simulator_solves_the_grader_starts():
    """Does the package's autograd simulator get every output within `within` on each of the first k starts?"""
    k = DESIGN["k"]
    params, orders = luck.draw_xor_starts([s["seed"] for s in STARTS[:k]], DESIGN["epochs"])
    yhat = luck.simulate_xor(params, orders, DESIGN["alpha"])["yhat"].double()
    worst = (yhat - Y_XOR.reshape(1, -1).double()).abs().max(dim=1).values
    assert (worst < DESIGN["within"]).all(), worst.tolist()
    stored = torch.tensor([s["reference_yhat"] for s in STARTS[:k]], dtype=torch.float64)
    torch.testing.assert_close(
        yhat, stored, atol=1e-4, rtol=0
    )  # autograd vs closed form: rounding only


def test_reference_errors_are_autograds_run_from_the_same_start():
    """Are the reference errors the XOR check's call carries (the feedback's dashed curve,
    from the hidden closed form) a correct run's by autograd from the same start, every
    ``errors_every``-th epoch, to rounding?"""
    from byhand_grader import judge
    from byhand_grader.assignment import load_assignment

    from ..repo import COURSE

    calls = judge.build_calls(load_assignment(COURSE, "partb"), "alice")
    learn = [c for c in calls.values() if c["id"].startswith("p4/learn/")]
    assert len(learn) == DESIGN["k"]
    for call in learn:
        params, orders = luck.draw_xor_starts([call["seed"]], call["epochs"])
        every = call["errors_every"]
        autograd = luck.simulate_xor(params, orders, call["alpha"], record_errors=True)
        expected = autograd["epoch_errors"][0].double()[::every]
        got = torch.tensor(call["reference_errors"], dtype=torch.float64)
        assert got.shape == expected.shape == (call["epochs"] // every,)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
