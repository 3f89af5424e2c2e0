"""Does every student get an XOR run of their own, reproducible from their id alone?"""

import torch

from byhand.training import NO_STUDENT_SEED, seed_sentence, student_seed
from byhand.xor import init_xor


def test_each_id_gets_its_own_seed_never_the_model_answers():
    """Do 2000 ids give 2000 different seeds, none the model answer's, the same on every call?"""
    ids = [f"student{n:04d}" for n in range(2000)]
    seeds = [student_seed(i) for i in ids]
    assert len(set(seeds)) == len(ids) and NO_STUDENT_SEED not in seeds
    assert seeds == [student_seed(i) for i in ids]
    assert all(0 < s < 2**31 for s in seeds)


def test_attempts_give_further_seeds_and_no_id_falls_back_to_the_model_answer():
    """Are attempt 1, 2 new seeds for the same id, and does a notebook without an id get
    the model answer's seed with a sentence saying what to do?"""
    assert len({student_seed("alice", a) for a in range(3)}) == 3
    assert student_seed(None) == student_seed("") == NO_STUDENT_SEED
    assert "type your student id" in seed_sentence(None, NO_STUDENT_SEED)
    assert seed_sentence("alice", student_seed("alice")) == (
        f"student id 'alice': SEED = {student_seed('alice')}"
    )


def test_two_students_start_from_different_networks():
    """Do two ids draw different starting parameters (so their trained networks differ)?"""
    a = init_xor(torch.Generator().manual_seed(student_seed("alice")))
    b = init_xor(torch.Generator().manual_seed(student_seed("bob")))
    assert not all(torch.equal(a[k], b[k]) for k in a)


def _linear(params, x):
    """A linear unit, yhat = w . x + b, with its squared-error gradients by hand."""
    return {"yhat": (params["w"] * x).sum().reshape(1) + params["b"]}


def _linear_grads(params, x, y):
    d = 2 * (_linear(params, x)["yhat"] - y)
    return {"w": d * x, "b": d}


def _step(params, grads, alpha):
    return {k: params[k] - alpha * grads[k] for k in params}


def test_errors_every_k_epochs_samples_the_same_run():
    """With ``errors_every=3``, is the run the same and are its errors those of epochs
    1, 4, 7, 10 of the run that records every epoch?"""
    from byhand.data import X, Y_OR
    from byhand.training import recorded_epochs, train

    def run(every):
        gen = torch.Generator().manual_seed(5)
        start = {"w": torch.randn(2, generator=gen), "b": torch.randn(1, generator=gen)}
        return train(
            _linear,
            _linear_grads,
            _step,
            start,
            X,
            Y_OR.reshape(-1, 1),
            alpha=0.1,
            epochs=10,
            gen=gen,
            errors_every=every,
        )

    every, sampled = run(1), run(3)
    assert all(torch.equal(every.params[k], sampled.params[k]) for k in every.params)
    assert list(recorded_epochs(len(sampled.epoch_errors), sampled.errors_every)) == [1, 4, 7, 10]
    assert sampled.epoch_errors == every.epoch_errors[::3]
    assert list(recorded_epochs(len(every.epoch_errors), every.errors_every)) == list(range(1, 11))
