"""The training loop every problem uses: per-pattern SGD with the student's own gradients.

Each epoch visits the four patterns in a fresh random order and updates after
each one.  The order comes from ``epoch_orders``, drawn from the same seeded
generator as the initial parameters, so a seed fixes the whole run.  The loop
never calls ``backward()``: the update can only use the gradient the student
computed by hand.
"""

import hashlib
from dataclasses import dataclass

import torch

from .contract import check_forward, check_param_dict, ContractError


@dataclass
class TrainResult:
    """What a training run leaves behind."""

    params: dict  #: the final parameters
    epoch_errors: list  #: summed squared error of each recorded epoch (floats)
    yhat: torch.Tensor  #: final outputs on the four patterns, shape (4, 1)
    errors_every: int = 1  #: ``epoch_errors[n]`` is epoch ``1 + n * errors_every``'s


def recorded_epochs(n, errors_every=1):
    """The epochs (from 1) of ``n`` errors recorded every ``errors_every`` epochs."""
    return range(1, 1 + n * errors_every, errors_every)


def epoch_orders(gen, epochs, n_patterns=4):
    """The visiting order of every epoch, shape ``(epochs, n_patterns)``.

    Drawn as the argsort of uniform numbers so that many seeds can be drawn
    (and simulated) at once with exactly the same stream as one seed.
    """
    return torch.argsort(torch.rand(epochs, n_patterns, generator=gen), dim=1)


def train(forward, grads, update, params, X, Y, *, alpha, epochs, gen, errors_every=1):
    """Train by per-pattern SGD and record the summed error of each epoch.

    Args:
        forward: ``forward(params, x) -> {"yhat": (1,), ...}``.
        grads: ``grads(params, x, y) -> dict`` keyed like ``params``.
        update: ``update(params, grads, alpha) -> dict`` keyed like ``params``.
        params: starting parameters (not modified).
        X, Y: patterns ``(4, 2)`` and targets ``(4, 1)``.
        alpha: learning rate.
        epochs: number of passes over the four patterns.
        gen: a seeded ``torch.Generator``; it draws the pattern orders.
        errors_every: record the error of epochs 1, 1 + k, 1 + 2k, ... only (k =
            ``errors_every``; default every epoch).  The grader, which reruns a
            student's functions, plots a long run from a sample: the other epochs skip
            the forward pass the error needs, a sixth of a step.  The run itself does
            not change (a correct ``forward`` changes nothing).

    Returns:
        ``TrainResult``.  Raises ``ContractError`` with the step at which a
        student function first returned something unusable (a wrong key or
        shape, a NaN).
    """
    orders = epoch_orders(gen, epochs, len(X)).tolist()
    errors = []
    xs, ys_t, ys = list(X), list(Y), Y.flatten().tolist()  # the rows, once
    with torch.inference_mode():
        _check_first_step(forward, grads, update, params, X[orders[0][0]], Y[orders[0][0]], alpha)
        for epoch, order in enumerate(orders):
            if epoch % errors_every:
                for i in order:
                    params = update(params, grads(params, xs[i], ys_t[i]), alpha)
                continue
            total = 0.0
            for i in order:
                yhat = float(forward(params, xs[i])["yhat"])
                params = update(params, grads(params, xs[i], ys_t[i]), alpha)
                total += (yhat - ys[i]) ** 2
            if total != total or total == float("inf"):
                raise ContractError(
                    f"the epoch error became {total} in epoch {epoch}: a gradient or an "
                    "update produced NaN or inf (check the formulas and the sign of the step).",
                    "finite",
                )
            errors.append(total)
        yhat = torch.stack([forward(params, x)["yhat"] for x in X])
    return TrainResult(params=params, epoch_errors=errors, yhat=yhat, errors_every=errors_every)


def _check_first_step(forward, grads, update, params, x, y, alpha):
    """Run the contract checks once, on the first step, where they are cheap."""
    check_forward(forward(params, x), getattr(forward, "__name__", "forward"))
    g = check_param_dict(grads(params, x, y), params, getattr(grads, "__name__", "grads"))
    check_param_dict(update(params, g, alpha), params, getattr(update, "__name__", "update"))


#: ``student_seed`` without a student id: the seed of the model answer in the solutions.
NO_STUDENT_SEED = 0


def student_seed(student_id, attempt=0):
    """The notebook's ``SEED``: a public function of the student's id, so every student
    trains their own network and the grader can rerun it.

    Different ids give different seeds (a hash), never ``NO_STUDENT_SEED``, which is what
    a notebook without an id gets (the model answer's run).  ``attempt`` 1, 2, ... gives
    the same student further seeds, for a run that did not learn.  Students see this
    seed; the grader's hidden inputs come from a different, secret one.
    """
    if not student_id:
        return NO_STUDENT_SEED + attempt
    digest = hashlib.sha256(f"byhand-seed/{student_id}/{attempt}".encode()).hexdigest()
    return 1 + int(digest[:8], 16) % (2**31 - 1)


def seed_sentence(student_id, seed):
    """What the seed cell prints: where ``SEED`` came from, or what to do without an id."""
    if student_id:
        return f"student id {student_id!r}: SEED = {seed}"
    return (
        f"no student id (JUPYTERHUB_USER is not set): SEED = {seed}, the model answer's "
        "seed; type your student id into STUDENT_ID above, so that your run is your own"
    )
