"""Visible checks: a student's gradient beside autograd's, as numbers and as one sentence.

The notebook prints ``compare_with_autograd`` so a student sees every component
next to its yardstick.  Grade cells ask ``grads_problem`` (or ``update_problem``,
``forward_problem``) for what is wrong and raise ``CheckFailed`` with it from the
cell itself, so the traceback is the cell's one line and the sentence, not frames
of this package.  The sentence says *what* differs, as the hidden checks do: a
constant factor, the opposite sign, which parameters are wrong and which are
right, with one example in numbers.  It is found numerically (ratios to
autograd), so nothing here knows a closed-form gradient.  A student function that
raises is reported in the same sentence form, not re-raised: the check cells say
how to see the full traceback.
"""

import math
import os
import sysconfig

from .autograd import autograd_grads
from .contract import check_param_dict

#: Hand-written float32 gradients agree with float64 autograd to about 1e-7;
#: 1e-5 leaves room for legitimate reorderings and still catches any real slip.
TOLERANCE = 1e-5
#: Components of autograd's gradient at least this large fix a ratio.
MEASURABLE = 1e-4
#: Ratios this close (relatively) count as one constant factor.
SAME_RATIO = 1e-2


#: Where given and installed code lives: frames there are not the student's.
_LIBRARIES = tuple(
    {
        os.path.dirname(os.path.abspath(__file__)),
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["stdlib"],
    }
)


class CheckFailed(AssertionError):
    """A visible check failed; the message says what differs, in one sentence."""


def fmt(value):
    """A float as a person writes it: 4 significant digits (0.95, not 0.949999988)."""
    return f"{value:.4g}" if value != 0 else "0"


def fmt_list(values):
    """``[0.95, 2.1]``: a list of floats, each with ``fmt``."""
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def _raised(fn, err):
    """The sentence for a student function that raised instead of returning."""
    name = getattr(fn, "__name__", "the function")
    if isinstance(err, NotImplementedError):
        return f"{name} is not written yet (it raises NotImplementedError)."
    line = ""
    tb = err.__traceback__
    while tb is not None:  # the last frame outside the libraries is the student's line
        where = tb.tb_frame.f_code.co_filename
        if not where.startswith(_LIBRARIES):
            line = f" in {tb.tb_frame.f_code.co_name}, line {tb.tb_lineno}"
        tb = tb.tb_next
    text = str(err).strip().splitlines()
    return (
        f"{name} raised {type(err).__name__}{line}"
        + (f": {text[0]}" if text else "")
        + f" (call {name} in a new cell to see the whole traceback)."
    )


def _call_grads(grads, forward, params, x, y):
    """``(yours, autograd's)`` as float lists per parameter; raises what the student raised."""
    mine = check_param_dict(grads(params, x, y), params, grads.__name__)
    ref = autograd_grads(forward, params, x, y)
    return (
        {n: mine[n].double().flatten().tolist() for n in params},
        {n: ref[n].flatten().tolist() for n in params},
    )


def compare_with_autograd(grads, forward, params, x, y):
    """Print ``grads(params, x, y)`` next to autograd's; return the largest difference.

    Returns None, having printed why, when ``grads`` raises.
    """
    try:
        mine, ref = _call_grads(grads, forward, params, x, y)
    except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
        print(_raised(grads, err))
        return None
    print(f"pattern x = {x.tolist()}, target y = {y.tolist()}")
    print(f"{'parameter':<12}{'yours':>14}{'autograd':>14}{'|difference|':>15}")
    worst = 0.0
    for name in params:
        for k, (a, b) in enumerate(zip(mine[name], ref[name])):
            worst = max(worst, abs(a - b))
            print(f"{name + f'[{k}]':<12}{a:>14.8f}{b:>14.8f}{abs(a - b):>15.2e}")
    verdict = "OK"
    if not worst < TOLERANCE:
        verdict = "DIFFERENT: " + _diagnosis(grads.__name__, [(x, y, mine, ref)], list(params))
    print(f"largest |difference| = {worst:.2e}  (expect below {TOLERANCE:.0e})  {verdict}")
    return worst


def grads_problem(grads, forward, params, X, Y, tol=TOLERANCE):
    """What is wrong with ``grads`` on the patterns ``X``, ``Y``, in one sentence; None if nothing."""
    cases = []
    for x, y in zip(X, Y):
        try:
            mine, ref = _call_grads(grads, forward, params, x, y)
        except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
            return _raised(grads, err)
        if any(not abs(a - b) <= tol for n in params for a, b in zip(mine[n], ref[n])):
            cases.append((x, y, mine, ref))
    if not cases:
        return None
    return _diagnosis(grads.__name__, cases, list(params), tol, total=len(X))


def assert_grads_match(grads, forward, params, x, y, tol=TOLERANCE):
    """Raise ``CheckFailed`` saying what differs on one pattern (for checks of your own)."""
    problem = grads_problem(grads, forward, params, [x], [y], tol)
    if problem:
        raise CheckFailed(problem)


def _nice(c):
    """``c`` as one of the factors a sentence names (0, 1, -1, 0.5, -0.5, 2), else None."""
    for nice in (0.0, 1.0, -1.0, 0.5, -0.5, 2.0):
        if abs(c - nice) <= SAME_RATIO * max(abs(nice), 0.1):
            return nice
    return None


#: What yours = c * autograd's means, for the factors ``_nice`` names.
RATIO_WORDS = {
    0.0: "0 where autograd's is not",
    1.0: "autograd's, but for rounding beyond the tolerance",
    -1.0: "-1 times autograd's (the opposite sign)",
    0.5: "0.5 times autograd's (half: a factor 2 short)",
    -0.5: "-0.5 times autograd's (the opposite sign, and a factor 2 short)",
    2.0: "2 times autograd's (a factor 2 too many)",
}


def _factor(pairs, tol):
    """The constant c with yours = c * autograd's on every (yours, autograd's) pair, or None."""
    ratios = sorted(a / b for a, b in pairs if abs(b) >= MEASURABLE)
    if not ratios:
        return 0.0 if all(a == 0 for a, _ in pairs) else None
    c = ratios[len(ratios) // 2]
    if all(abs(a - c * b) <= tol + SAME_RATIO * abs(c * b) for a, b in pairs):
        return c
    return None


def _diagnosis(fn, cases, names, tol=TOLERANCE, total=None):
    """One sentence: where ``fn`` differs, how (a factor, the sign, which parameters), one example."""
    wrong, how = [], {}
    for name in names:
        pairs = [(a, b) for _, _, mine, ref in cases for a, b in zip(mine[name], ref[name])]
        if all(abs(a - b) <= tol for a, b in pairs):
            continue
        wrong.append(name)
        c = _factor(pairs, tol) if all(math.isfinite(a) for a, _ in pairs) else None
        if c is None:
            words = (
                "differ",
                "from autograd's by a ratio that changes from case to case "
                "(a term is missing or extra)",
            )
        else:
            words = ("are", RATIO_WORDS.get(_nice(c), f"{fmt(c)} times autograd's"))
        how.setdefault(words, []).append(name)
    where = f"on {len(cases)} of {total} patterns" if total else "here"
    clauses = []
    for (verb, words), group in how.items():
        verb = verb if len(group) > 1 else {"are": "is", "differ": "differs"}[verb]
        clauses.append(f"{' and '.join(f'dE/d{n}' for n in group)} {verb} {words}")
    right = [n for n in names if n not in wrong]
    if right:
        clauses.append(
            f"{' and '.join(f'dE/d{n}' for n in right)} {'are' if len(right) > 1 else 'is'} right"
        )
    x, y, name, k, a, b = max(
        (
            (x, y, n, k, a, b)
            for x, y, mine, ref in cases
            for n in wrong
            for k, (a, b) in enumerate(zip(mine[n], ref[n]))
        ),
        key=lambda t: abs(t[4] - t[5]) if math.isfinite(t[4]) else math.inf,
    )
    example = (
        f"e.g. at x = {fmt_list(x.tolist())}, y = {fmt_list(y.tolist())} you give "
        f"dE/d{name}[{k}] = {fmt(a)} where autograd gives {fmt(b)}"
    )
    return f"{fn} differs from autograd {where}: {'; '.join(clauses)}; {example}."


class Raised:
    """What ``run_example`` returns when the student's function raised: the sentence saying so."""

    def __init__(self, sentence):
        self.sentence = sentence

    def __repr__(self):
        return self.sentence


def run_example(fn, *args):
    """``fn(*args)``, or a ``Raised`` (its sentence printed) when ``fn`` raises."""
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
        print(_raised(fn, err))
        return Raised(_raised(fn, err))


def update_problem(before, got, expected):
    """What is wrong with an update's result ``got`` on an example, in one sentence; None if nothing.

    ``before`` are the parameters it started from and ``expected`` the right result, both
    ``{name: list of floats}``; the step taken is compared with the step expected.
    """
    if isinstance(got, Raised):
        return got.sentence
    wrong, pairs = [], []
    try:
        values = {n: [float(v) for v in got[n].flatten()] for n in expected}
    except Exception as err:  # noqa: BLE001 - a missing key, not a tensor, ...
        return f"the update's result cannot be read ({type(err).__name__}: {err})."
    for name, want in expected.items():
        if any(abs(v - w) > 1e-5 + 1e-5 * abs(w) for v, w in zip(values[name], want)):
            wrong.append(name)
        pairs += [(v - b, w - b) for v, w, b in zip(values[name], want, before[name])]
    if not wrong:
        return None
    c = _factor(pairs, 1e-6)
    how = (
        "not a multiple of the expected step"
        if c is None
        else {
            0.0: "zero: the parameters did not move",
            -1.0: "-1 times the expected step: it goes uphill, along +alpha * grads",
        }.get(_nice(c), f"{fmt(c)} times the expected step")
    )
    shown = ", ".join(f"{n} = {fmt_list(values[n])}" for n in expected)
    want = ", ".join(f"{n} = {fmt_list(v)}" for n, v in expected.items())
    return f"the step is {how} (you return {shown}; expected {want})."


def show_update(got, expected):
    """Print an update's result beside the expected one, in the same format."""
    if isinstance(got, Raised):
        return
    try:
        shown = ", ".join(f"{n} = {fmt_list(got[n].flatten().tolist())}" for n in expected)
    except Exception as err:  # noqa: BLE001 - the result is not a dict of tensors
        shown = f"something unreadable ({type(err).__name__}: {err})"
    print(f"yours:    {shown}")
    print("expected: " + ", ".join(f"{n} = {fmt_list(v)}" for n, v in expected.items()))


def forward_problem(forward, params, X, expected, atol=1e-4):
    """What is wrong with ``forward`` on the patterns ``X``, in one sentence; None if nothing.

    ``expected`` holds, per pattern, ``{key: value}`` for the keys the forward pass returns.
    """
    keys = list(expected[0])
    wrong = {}
    for x, want in zip(X, expected):
        try:
            out = forward(params, x)
            got = {k: float(out[k]) for k in keys}
        except KeyError as err:
            return f"{forward.__name__} returns no {err}: it must return the keys {keys}."
        except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
            return _raised(forward, err)
        for k in keys:
            w = float(want[k])
            if not abs(got[k] - w) <= atol + 1e-5 * abs(w):
                wrong.setdefault(k, []).append((x, got[k], w))
    if not wrong:
        return None
    first = next(k for k in keys if k in wrong)
    x, v, w = wrong[first][0]
    right = [k for k in keys if k not in wrong]
    return (
        f"{forward.__name__} computes {' and '.join(repr(k) for k in wrong)} wrongly "
        f"(on {len(wrong[first])} of {len(X)} patterns for {first!r}: at x = "
        f"{fmt_list(x.tolist())} you give {fmt(v)} where it should be {fmt(w)})"
        + (
            f"; {', '.join(repr(k) for k in right)} {'are' if len(right) > 1 else 'is'} right"
            if right
            else ""
        )
        + "."
    )


def show_outputs(yhat, Y, X):
    """Print each pattern's output beside its target, and the worst error."""
    print(f"{'x0':>3}{'x1':>4}{'target':>8}{'output':>9}{'error':>8}")
    for x, y, out in zip(X.tolist(), Y.flatten().tolist(), yhat.flatten().tolist()):
        print(f"{x[0]:>3.0f}{x[1]:>4.0f}{y:>8.0f}{out:>9.3f}{abs(out - y):>8.3f}")
    worst = float((yhat.flatten() - Y.flatten()).abs().max())
    print(f"worst |output - target| = {worst:.3f}")
    return worst
