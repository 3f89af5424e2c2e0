"""Visible checks: a student's gradient beside autograd's, as numbers and as one sentence.

The notebook prints ``compare_with_autograd`` so a student sees every component
next to its yardstick.  Grade cells ask ``grads_problem`` (or ``update_problem``,
``forward_problem``) for what is wrong and raise ``CheckFailed`` with it from the
cell itself, so the traceback is the cell's one line and the sentence, not frames
of this package.

Each check goes in the order a student fixes things, each stage with its own sentence:
the **shape** of what the function returns (a dict with the right keys, each value of
the right shape: the sentence names the key and the shape expected), then its **dtype**
(tensors of the parameters' dtype: the sentence names which values are not), and only
then its **values**.  A wrong value is described as the hidden checks describe it: a
constant factor, the opposite sign, which parameters are wrong and which are right,
with one example in numbers.  A student function that raises is reported in the same
sentence form, not re-raised.

Where the notebook's shown examples pin a mistake down, the sentence (a ``Problem``)
carries the mistake's code from Part B's catalogue, and ``CheckFailed`` and the printed
comparisons add the catalogue's hint for it (``byhand.hints``, generated from
``grader_tests/partb/mistakes.py``).  Everything here is found numerically, from ratios to
autograd and the numbers the notebook shows (the parameters, the inputs, the slope of a
unit's output measured by autograd), so nothing here knows a closed-form gradient:

* every component ``c`` times autograd's, the same ``c`` on every pattern: 0.5 is the
  missing factor 2, 2 an extra one, -1 the opposite sign;
* on every pattern, every component autograd's divided by the slope of the output unit
  (times such a ``c``): the activation's derivative is missing;
* Problem 4, only ``dE/dw_34`` and ``dE/db0`` wrong, autograd's divided by ``w2`` or by
  the slope of the hidden unit: ``d_h`` lacks that factor; only ``dE/dw0`` and ``dE/dw1``
  wrong, or only ``dE/dw2``: the skip connections, or the hidden unit, are missing from
  ``dE/dw_012``;
* a bias's gradient shaped like ``x`` that is autograd's times ``x``;
* an update whose step is -1 times the expected one (uphill), ``1 / alpha`` times it
  (no learning rate), or zero for some parameters;
* a forward pass whose ``net_h`` (``net_y``) is right and ``h`` (``yhat``) wrong: another
  activation.

A relation that needs the slope must hold on two patterns where the slopes differ, so a
single pattern never pins one down; what fits none of these gets its sentence and no hint.
"""

import math
import os
import sysconfig
import textwrap

import torch

from .autograd import autograd_grads
from .hints import hint
from .xor import PARAM_NAMES as XOR_PARAMS

#: The assignment whose catalogue names the mistakes these checks recognise.
ASSIGNMENT = "partb"
#: Hand-written float32 gradients agree with float64 autograd to about 1e-7;
#: 1e-5 leaves room for legitimate reorderings and still catches any real slip.
TOLERANCE = 1e-5
#: Components of autograd's gradient at least this large fix a ratio.
MEASURABLE = 1e-4
#: Ratios this close (relatively) count as one constant factor.
SAME_RATIO = 1e-2
#: The widest line of a printed hint: narrower than a notebook's output area.
HINT_WIDTH = 88

#: The XOR network's output bias, and its hidden unit's parameters and bias (Problem 4).
XOR_OUTPUT_BIAS, XOR_HIDDEN, XOR_HIDDEN_BIAS = "b1", ("w_34", "b0"), "b0"
#: The neuron's bias (Problems 1 and 3).
NEURON_BIAS = "b"

#: Where given and installed code lives: frames there are not the student's.
_LIBRARIES = tuple(
    {
        os.path.dirname(os.path.abspath(__file__)),
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["stdlib"],
    }
)


class Problem(str):
    """What a check found wrong: its one sentence (the string itself), and the catalogue
    ``codes`` of the mistakes the shown examples pin down (none when they pin none)."""

    def __new__(cls, sentence, codes=()):
        problem = super().__new__(cls, sentence)
        problem.codes = tuple(dict.fromkeys(codes))
        return problem

    @property
    def hints(self):
        """The catalogue's hint for each code, in order."""
        return [hint(ASSIGNMENT, code) for code in self.codes]

    def text(self):
        """The sentence, then a ``Hint: ...`` paragraph per code: what the student reads."""
        return "\n".join([str(self)] + [hint_paragraph(h) for h in self.hints])


def hint_paragraph(text):
    """``Hint: text``, wrapped at ``HINT_WIDTH`` between words (a notebook's output area
    would break a long line inside a word), its further lines indented under the text."""
    return textwrap.fill(f"Hint: {text}", HINT_WIDTH, subsequent_indent=" " * len("Hint: "))


class CheckFailed(AssertionError):
    """A visible check failed: the sentence, then the hint of each mistake it pins down."""

    def __init__(self, problem):
        super().__init__(problem.text() if isinstance(problem, Problem) else problem)


def fmt(value):
    """A float as a person writes it: 4 significant digits (0.95, not 0.949999988)."""
    return f"{value:.4g}" if value != 0 else "0"


def fmt_list(values):
    """``[0.95, 2.1]``: a list of floats, each with ``fmt``."""
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def _raised(fn, err):
    """The Problem of a student function that raised instead of returning."""
    name = getattr(fn, "__name__", "the function")
    if isinstance(err, NotImplementedError):
        return Problem(
            f"{name} is not written yet (it raises NotImplementedError).", ["not-attempted"]
        )
    line = ""
    tb = err.__traceback__
    while tb is not None:  # the last frame outside the libraries is the student's line
        where = tb.tb_frame.f_code.co_filename
        if not where.startswith(_LIBRARIES):
            line = f" in {tb.tb_frame.f_code.co_name}, line {tb.tb_lineno}"
        tb = tb.tb_next
    text = str(err).strip().splitlines()
    return Problem(
        f"{name} raised {type(err).__name__}{line}" + (f": {text[0]}" if text else "") + ".",
        ["raises-error"],
    )


# -- the stages: shape, then dtype, then values -----------------------------------------


def _keys(items):
    return "[" + ", ".join(repr(k) for k in items) + "]"


def _shape_problem(fn, value, like, named="the parameter", exact=True):
    """The shape stage: ``value`` must be a dict with ``like``'s keys (only those when
    ``exact``), each tensor (or array) shaped like ``like``'s, whose values the sentence
    calls ``named`` (None: the docstring's).  ``(Problem, keys of the wrong shape)``, or
    ``(None, [])``; values with no shape (a list, a float) are the dtype stage's."""
    if not isinstance(value, dict):
        return Problem(
            f"{fn} returns a {type(value).__name__}; expected a dict with the keys {_keys(like)}.",
            ["wrong-dtype"],
        ), []
    missing = [k for k in like if k not in value]
    extra = [k for k in value if k not in like] if exact else []
    if missing or extra:
        return Problem(
            f"{fn} returns the keys {_keys(value)}; expected {_keys(like)}"
            + (f" (missing {_keys(missing)})" if missing else "")
            + (f" (unexpected {_keys(extra)})" if extra else "")
            + ".",
            ["wrong-keys"],
        ), []
    wrong = [
        k
        for k, want in like.items()
        if hasattr(value[k], "shape") and tuple(value[k].shape) != tuple(want.shape)
    ]
    if not wrong:
        return None, []
    got = " and ".join(f"{k!r} with shape {tuple(value[k].shape)}" for k in wrong)
    want = " and ".join(str(tuple(like[k].shape)) for k in wrong)
    s = "s" if len(wrong) > 1 else ""
    whose = (
        f", the shape{s} of {named}{s} {' and '.join(repr(k) for k in wrong)}"
        if named
        else ", as the docstring states"
    )
    return Problem(f"{fn} returns {got}; expected shape{s} {want}{whose}.", ["wrong-shape"]), wrong


def _type_name(value):
    if isinstance(value, torch.Tensor):
        return f"a {str(value.dtype).removeprefix('torch.')} tensor"
    kind = type(value)
    module = "" if kind.__module__ == "builtins" else kind.__module__.split(".")[0] + "."
    return f"a {module}{kind.__name__}"


def _dtype_problem(fn, value, like):
    """The dtype stage: every value a tensor of ``like``'s dtype; a Problem, or None."""
    wrong = [
        k
        for k, want in like.items()
        if not isinstance(value[k], torch.Tensor) or value[k].dtype != want.dtype
    ]
    if not wrong:
        return None
    dtypes = sorted({str(like[k].dtype).removeprefix("torch.") for k in wrong})
    return Problem(
        f"{fn} returns {', '.join(f'{k!r} as {_type_name(value[k])}' for k in wrong)}; "
        f"expected {' or '.join(dtypes)} tensors, the dtype of the inputs it is given.",
        ["wrong-dtype"],
    )


def _finite_problem(fn, value, like):
    """NaN or inf in a value: a Problem, or None."""
    bad = [k for k in like if not torch.isfinite(value[k]).all()]
    if not bad:
        return None
    return Problem(
        f"{fn} returns NaN or inf in "
        + ", ".join(f"{k!r} ({fmt_list(value[k].flatten().tolist())})" for k in bad)
        + ".",
        ["not-finite"],
    )


def _returned_problem(fn, values, like, named="the parameter", exact=True):
    """The first stage that fails on any of ``values`` (one returned value per call): shape
    on every call, then dtype on every call, then finiteness.  ``(Problem, keys of the wrong
    shape)``, or ``(None, [])``."""
    for value in values:
        problem, wrong = _shape_problem(fn, value, like, named, exact)
        if problem:
            return problem, wrong
    for check in (_dtype_problem, _finite_problem):
        for value in values:
            problem = check(fn, value, like)
            if problem:
                return problem, []
    return None, []


# -- gradients -------------------------------------------------------------------------


def _returned_grads(grads, forward, params, X, Y):
    """``grads`` on every pattern: ``(what it returned, None)`` when every result has the
    right shape and dtype, else ``(None, the Problem)`` of the first stage that fails (or
    of a raise)."""
    got = []
    for x, y in zip(X, Y):
        try:
            got.append(grads(params, x, y))
        except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
            return None, _raised(grads, err)
    problem, wrong = _returned_problem(grads.__name__, got, params)
    if problem and _bias_times_x(got, params, forward, X, Y, wrong):
        problem = Problem(problem, ["bias-gradient-times-x"])
    return (None, problem) if problem else (got, None)


class _Case:
    """One pattern: the student's gradient and autograd's, as float lists per parameter."""

    def __init__(self, forward, params, x, y, got):
        self.forward, self.params, self.x, self.y = forward, params, x, y
        ref = autograd_grads(forward, params, x, y)
        self.mine = {n: got[n].double().flatten().tolist() for n in params}
        self.ref = {n: ref[n].flatten().tolist() for n in params}

    def wrong(self, tol):
        return any(
            not abs(a - b) <= tol for n in self.params for a, b in zip(self.mine[n], self.ref[n])
        )

    def slope(self, key, bias):
        """How steeply the unit's output ``key`` moves with its net input, by autograd in
        float64: d key / d bias (a bias enters its unit's net with coefficient 1)."""
        leaves = {
            k: v.detach().double().clone().requires_grad_(k == bias) for k, v in self.params.items()
        }
        with torch.enable_grad():
            out = self.forward(leaves, self.x.double())[key]
            (d,) = torch.autograd.grad(out.sum(), leaves[bias])
        return float(d.sum())


def _bias_times_x(got, params, forward, X, Y, wrong):
    """Is every wrongly shaped gradient a one-number (bias) parameter's, shaped like ``x``
    and autograd's times ``x`` on every pattern?"""
    if not wrong or any(params[k].numel() != 1 for k in wrong):
        return False
    for value, x, y in zip(got, X, Y):
        ref = autograd_grads(forward, params, x, y)
        for k in wrong:
            v = value[k]
            if not isinstance(v, torch.Tensor) or tuple(v.shape) != tuple(x.shape):
                return False
            want = float(ref[k]) * x.double()
            if not torch.allclose(v.double(), want, rtol=SAME_RATIO, atol=TOLERANCE):
                return False
    return True


def grads_problem(grads, forward, params, X, Y, tol=TOLERANCE):
    """What is wrong with ``grads`` on the patterns ``X``, ``Y``: a ``Problem``, or None.

    Every pattern is called first; then the shape of every result, their dtypes, and only
    then their values.
    """
    got, problem = _returned_grads(grads, forward, params, X, Y)
    if problem:
        return problem
    cases = [_Case(forward, params, x, y, value) for x, y, value in zip(X, Y, got)]
    failing = [c for c in cases if c.wrong(tol)]
    if not failing:
        return None
    return _diagnosis(grads.__name__, failing, list(params), tol, total=len(X))


def compare_with_autograd(grads, forward, params, x, y):
    """Print ``grads(params, x, y)`` next to autograd's; return the largest difference.

    Returns None, having printed why (with the hint, where one fits), when ``grads`` raises
    or returns the wrong shape or dtype.
    """
    got, problem = _returned_grads(grads, forward, params, [x], [y])
    if problem:
        print(problem.text())
        return None
    case = _Case(forward, params, x, y, got[0])
    print(f"pattern x = {x.tolist()}, target y = {y.tolist()}")
    print(f"{'parameter':<12}{'yours':>14}{'autograd':>14}{'|difference|':>15}")
    worst = 0.0
    for name in params:
        for k, (a, b) in enumerate(zip(case.mine[name], case.ref[name])):
            worst = max(worst, abs(a - b))
            print(f"{name + f'[{k}]':<12}{a:>14.8f}{b:>14.8f}{abs(a - b):>15.2e}")
    problem = None if worst < TOLERANCE else _diagnosis(grads.__name__, [case], list(params))
    verdict = f"DIFFERENT: {problem}" if problem else "OK"
    print(f"largest |difference| = {worst:.2e}  (expect below {TOLERANCE:.0e})  {verdict}")
    for text in problem.hints if problem else []:
        print(hint_paragraph(text))
    return worst


def assert_grads_match(grads, forward, params, x, y, tol=TOLERANCE):
    """Raise ``CheckFailed`` saying what differs on one pattern (for checks of your own)."""
    problem = grads_problem(grads, forward, params, [x], [y], tol)
    if problem:
        raise CheckFailed(problem)


def _nice(c):
    """``c`` as one of the factors a sentence names (0, ±1, ±0.5, ±2), else None."""
    for nice in (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0):
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
    -2.0: "-2 times autograd's (the opposite sign, and a factor 2 too many)",
}

#: The catalogue's codes for yours = c * autograd's on every component, by ``_nice(c)``.
FACTOR_CODES = {
    1.0: (),
    0.5: ("factor-2-missing",),
    2.0: ("factor-2-doubled",),
    -1.0: ("opposite-sign",),
    -0.5: ("opposite-sign", "factor-2-missing"),
    -2.0: ("opposite-sign", "factor-2-doubled"),
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


def _scaled_factor(cases, names, scale, tol):
    """The constant c with yours = c * autograd's / scale(case) on every component of
    ``names`` in every case, or None."""
    pairs = []
    for case in cases:
        s = scale(case)
        if not math.isfinite(s) or s == 0:
            return None
        pairs += [(a, b / s) for n in names for a, b in zip(case.mine[n], case.ref[n])]
    return _factor(pairs, tol)


def _varies(cases, scale):
    """Do the cases tell ``scale`` from a constant (two values apart by more than SAME_RATIO)?"""
    values = [scale(c) for c in cases]
    return max(values) - min(values) > SAME_RATIO * max(abs(v) for v in values)


def _codes(cases, names, wrong, tol):
    """The catalogue's codes of what the failing ``cases`` pin down (see the module
    docstring); ``wrong`` the parameters wrong somewhere."""
    c = _factor([(a, b) for k in cases for n in names for a, b in zip(k.mine[n], k.ref[n])], tol)
    if c is not None:
        return FACTOR_CODES.get(_nice(c), ())
    output_bias = XOR_OUTPUT_BIAS if set(names) == set(XOR_PARAMS) else NEURON_BIAS
    if output_bias in names:

        def slope(case):
            return case.slope("yhat", output_bias)

        c = _scaled_factor(cases, names, slope, tol)
        if c is not None and _nice(c) in FACTOR_CODES and _varies(cases, slope):
            return ("activation-derivative-missing", *FACTOR_CODES[_nice(c)])
    if set(names) != set(XOR_PARAMS):
        return ()
    if set(wrong) == set(XOR_HIDDEN):

        def w2(case):
            return float(case.params["w_012"][2])

        def hidden_slope(case):
            return case.slope("h", XOR_HIDDEN_BIAS)

        found = []
        for code, scale, needs_variation in (
            ("dh-missing-w2", w2, False),  # 1 / w2: a number no other slip gives
            ("dh-missing-hidden-derivative", hidden_slope, True),
        ):
            c = _scaled_factor(cases, XOR_HIDDEN, scale, tol)
            if c is not None and _nice(c) == 1.0 and (not needs_variation or _varies(cases, scale)):
                found.append(code)
        return tuple(found) if len(found) == 1 else ()  # both fit: not pinned down
    components = {
        (n, i)
        for k in cases
        for n in names
        for i, (a, b) in enumerate(zip(k.mine[n], k.ref[n]))
        if not abs(a - b) <= tol
    }
    if components and components <= {("w_012", 0), ("w_012", 1)}:
        return ("w012-skip-missing",)
    if components == {("w_012", 2)}:
        return ("w012-hidden-missing",)
    return ()


def _diagnosis(fn, cases, names, tol=TOLERANCE, total=None):
    """One sentence: where ``fn`` differs, how (a factor, the sign, which parameters), one
    example; a Problem with the codes of what the cases pin down."""
    wrong, how = [], {}
    for name in names:
        pairs = [(a, b) for k in cases for a, b in zip(k.mine[name], k.ref[name])]
        if all(abs(a - b) <= tol for a, b in pairs):
            continue
        wrong.append(name)
        c = _factor(pairs, tol)
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
    case, name, k, a, b = max(
        (
            (case, n, k, a, b)
            for case in cases
            for n in wrong
            for k, (a, b) in enumerate(zip(case.mine[n], case.ref[n]))
        ),
        key=lambda t: abs(t[3] - t[4]),
    )
    example = (
        f"e.g. at x = {fmt_list(case.x.tolist())}, y = {fmt_list(case.y.tolist())} you give "
        f"dE/d{name}[{k}] = {fmt(a)} where autograd gives {fmt(b)}"
    )
    return Problem(
        f"{fn} differs from autograd {where}: {'; '.join(clauses)}; {example}.",
        _codes(cases, names, wrong, tol),
    )


# -- the update --------------------------------------------------------------------------


class Raised:
    """What ``run_example`` returns when the student's function raised: the Problem saying so."""

    def __init__(self, problem):
        self.problem = problem

    @property
    def sentence(self):
        return self.problem

    def __repr__(self):
        return str(self.problem)


def run_example(fn, *args):
    """``fn(*args)``, or a ``Raised`` (its sentence and hint printed) when ``fn`` raises."""
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
        problem = _raised(fn, err)
        print(problem.text())
        return Raised(problem)


def update_problem(before, got, expected, alpha):
    """What is wrong with an update's result ``got`` on an example: a ``Problem``, or None.

    ``before`` are the parameters it started from and ``expected`` the right result, both
    ``{name: list of floats}``, and ``alpha`` the learning rate the example passed; the
    step taken is compared with the step expected, after the result's shape and dtype.
    """
    if isinstance(got, Raised):
        return got.problem
    like = {n: torch.tensor(v) for n, v in before.items()}
    problem, _ = _returned_problem("the update", [got], like)
    if problem:
        return problem
    values = {n: got[n].double().flatten().tolist() for n in expected}
    wrong, pairs, still = [], [], []
    for name, want in expected.items():
        if any(abs(v - w) > 1e-5 + 1e-5 * abs(w) for v, w in zip(values[name], want)):
            wrong.append(name)
            if values[name] == [float(b) for b in like[name].double().tolist()]:
                still.append(name)
        pairs += [(v - b, w - b) for v, w, b in zip(values[name], want, before[name])]
    if not wrong:
        return None
    shown = ", ".join(f"{n} = {fmt_list(values[n])}" for n in expected)
    want = ", ".join(f"{n} = {fmt_list(v)}" for n, v in expected.items())
    if still and len(still) < len(expected) and still == wrong:
        return Problem(
            f"the update returns {' and '.join(repr(n) for n in still)} unchanged; "
            f"{' and '.join(repr(n) for n in expected if n not in still)} moved as expected "
            f"(you return {shown}; expected {want}).",
            ["update-partial"],
        )
    c = _factor(pairs, 1e-6)
    nice = None if c is None else _nice(c)
    step = {
        0.0: ("zero: the parameters did not move", ("update-partial",)),
        -1.0: (
            "-1 times the expected step: it goes uphill, along +alpha * grads",
            ("update-adds",),
        ),
    }
    if c is None:
        how, codes = "not a multiple of the expected step", ()
    elif nice in step:
        how, codes = step[nice]
    elif abs(c - 1 / alpha) <= SAME_RATIO * abs(1 / alpha):
        how, codes = f"{fmt(c)} = 1 / alpha times the expected step", ("update-ignores-alpha",)
    elif abs(c + 1 / alpha) <= SAME_RATIO * abs(1 / alpha):
        how = f"{fmt(c)} = -1 / alpha times the expected step: it goes uphill"
        codes = ("update-adds", "update-ignores-alpha")
    else:
        how, codes = f"{fmt(c)} times the expected step", ()
    return Problem(f"the step is {how} (you return {shown}; expected {want}).", codes)


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


# -- the forward pass --------------------------------------------------------------------

#: A unit's net input and its output: right net and wrong output is another activation.
UNITS = (("net_h", "h"), ("net_y", "yhat"), ("net", "yhat"))


def forward_problem(forward, params, X, expected, atol=1e-4):
    """What is wrong with ``forward`` on the patterns ``X``: a ``Problem``, or None.

    ``expected`` holds, per pattern, ``{key: tensor}`` for the keys the forward pass
    returns (other keys it returns are its own business); their shapes and dtypes are the
    ones expected.
    """
    got = []
    for x in X:
        try:
            got.append(forward(params, x))
        except Exception as err:  # noqa: BLE001 - the student's error, reported as a sentence
            return _raised(forward, err)
    problem, _ = _returned_problem(forward.__name__, got, expected[0], None, exact=False)
    if problem:
        return problem
    keys = list(expected[0])
    wrong = {}
    for x, out, want in zip(X, got, expected):
        for k in keys:
            v, w = float(out[k].double().sum()), float(want[k].double().sum())
            if not abs(v - w) <= atol + 1e-5 * abs(w):
                wrong.setdefault(k, []).append((x, v, w))
    if not wrong:
        return None
    first = next(k for k in keys if k in wrong)
    x, v, w = wrong[first][0]
    right = [k for k in keys if k not in wrong]
    activation = any(out in wrong and net in right for net, out in UNITS)
    return Problem(
        f"{forward.__name__} computes {' and '.join(repr(k) for k in wrong)} wrongly "
        f"(on {len(wrong[first])} of {len(X)} patterns for {first!r}: at x = "
        f"{fmt_list(x.tolist())} you give {fmt(v)} where it should be {fmt(w)})"
        + (
            f"; {', '.join(repr(k) for k in right)} {'are' if len(right) > 1 else 'is'} right"
            if right
            else ""
        )
        + ".",
        ["forward-activation-wrong"] if activation else [],
    )


def show_outputs(yhat, Y, X):
    """Print each pattern's output beside its target, and the worst error."""
    print(f"{'x0':>3}{'x1':>4}{'target':>8}{'output':>9}{'error':>8}")
    for x, y, out in zip(X.tolist(), Y.flatten().tolist(), yhat.flatten().tolist()):
        print(f"{x[0]:>3.0f}{x[1]:>4.0f}{y:>8.0f}{out:>9.3f}{abs(out - y):>8.3f}")
    worst = float((yhat.flatten() - Y.flatten()).abs().max())
    print(f"worst |output - target| = {worst:.3f}")
    return worst
