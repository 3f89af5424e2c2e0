"""Hidden checks for Part B: each grade cell's points are split equally among its tests.

Grader-only: students never see this file, its inputs or its tracebacks; they
see the message of each failed ``Verdict``, which quotes only the notebook's
own shown examples.  References are computed here, by autograd in float64,
from the same float32 inputs the student's function received.

Every check discriminates: each group of hidden inputs (``probes.py``) holds
cases whose gradient, update step or forward value is far above the tolerance,
so a zero, halved or sign-flipped answer fails every check, while a correct
float32 answer stays within it.  A failed gradient check says what is wrong
(a constant factor, the opposite sign, a missing derivative, which parameters)
only when that relation holds on every hidden case the function gets wrong;
otherwise it says so neutrally.  Each verdict carries the codes of the mistakes it
states (``mistakes.py``, the catalogue), ``other`` when it states none; what the
harness reports (autograd, a broken contract, a missing function) comes with the
judge's own codes (``judge.Probe.result``).
"""

import itertools
import math
from pathlib import Path

import pytest
import torch

from byhand.autograd import autograd_grads
from byhand.neuron import logistic_forward, tanh_forward
from byhand_grader.assignment import load_file
from byhand_grader.judge import Verdict
from byhand_grader.mistakes import OTHER

#: The course's closed-form gradients (grader-only), for ``_follows_own_forward``.
REFERENCE_RULES = load_file(Path(__file__).with_name("reference_rules.py"))

#: A student's float32 value passes when |yours - autograd| <= ATOL + RTOL |autograd|.
ATOL, RTOL = 1e-5, 1e-3


def xor_forward64(params, x, hidden=torch.sigmoid, output=torch.sigmoid):
    """The judge's own forward pass of the XOR network (never the student's); ``hidden``
    and ``output``, the units' activations, are the logistic but for ``_activation_fits``."""
    net_h = (params["w_34"] * x).sum().reshape(1) + params["b0"]
    h = hidden(net_h)
    net_y = (params["w_012"] * torch.cat([x, h])).sum().reshape(1) + params["b1"]
    return {"net_h": net_h, "h": h, "net_y": net_y, "yhat": output(net_y)}


def _t(values):
    return torch.tensor(values, dtype=torch.float32)


def _params(call):
    return {k: _t(v) for k, v in call["params"].items()}


def _reference_grads(call, forward):
    return autograd_grads(forward, _params(call), _t(call["x"]), _t(call["y"]))


def _close(v, w):
    return abs(v - w) <= ATOL + RTOL * abs(w)


def _components(got, name, n):
    """The student's ``n`` values for parameter ``name`` (NaN where missing)."""
    yours = got.get(name)
    return [yours[k] if yours is not None and k < len(yours) else float("nan") for k in range(n)]


def _mismatch(got, ref):
    """The first (name, k, yours, right) that is out of tolerance, or None."""
    for name, want in ref.items():
        right = want.flatten().tolist()
        for k, (v, w) in enumerate(zip(_components(got, name, len(right)), right)):
            if not _close(v, w):
                return name, k, v, w
    return None


# -- what a wrong gradient has in common with the right one ---------------------------

#: A relation is stated only when it explains every component of every failing case
#: this closely (float32 rounding of a wrong formula is below 1e-4 of it).
FIT_RTOL = 1e-2
#: Components whose predicted value is at least this large fix a relation's factor.
MEASURABLE = 1e-4
#: The 2 of dE/dyhat = 2 (yhat - y): a factor 1/2 means it is missing.
FACTOR_2 = "the factor 2 of d(yhat - y)^2/dyhat"


class Term:
    """A factor of the right gradient that a wrong one may lack, or hold in another form,
    computed by the judge.

    A missing term: yours = autograd's / value.  A swapped term (``wrong`` set): the
    factor ``formula`` written as ``wrong`` instead, yours = autograd's * wrong / formula,
    so its ``value`` is formula / wrong.  Terms of one ``family`` are alternatives (the
    same factor missing, or written wrongly two ways): a relation holds one of them.
    """

    def __init__(self, formula, words, value, code, wrong=None, family=None):
        self.formula = formula  #: as it reads alone, e.g. "1 - yhat^2"
        self.words = words  #: as a sentence names it
        self.value = value  #: value(params64, forward64) -> float
        self.code = code  #: the catalogue's code of this mistake (``mistakes.py``)
        self.wrong = wrong  #: for a swap, the formula written instead, e.g. "1 - net^2"
        self.family = family or formula
        #: as it reads in a product, e.g. "(1 - yhat^2)"
        self.factor = _factor(formula)

    def __repr__(self):
        return f"{self.wrong} for {self.formula}" if self.wrong else self.formula


def _factor(formula):
    return f"({formula})" if formula.startswith("1 -") else formula


def _sigmoid64(v):
    return float(torch.sigmoid(torch.tensor(float(v), dtype=torch.float64)))


def _tanh_over(wrong):
    """``value`` of a swap for tanh's derivative: (1 - yhat^2) / ``wrong(forward64)``."""
    return lambda p, f: float(1 - f["yhat"] ** 2) / wrong(f)


LOGISTIC_TERMS = (
    Term(
        "yhat (1 - yhat)",
        "the logistic's derivative yhat (1 - yhat)",
        lambda p, f: float(f["yhat"] * (1 - f["yhat"])),
        "activation-derivative-missing",
    ),
)
TANH_TERMS = (
    Term(
        "1 - yhat^2",
        "tanh's derivative 1 - yhat^2",
        lambda p, f: float(1 - f["yhat"] ** 2),
        "activation-derivative-missing",
    ),
    Term(
        "1 - yhat^2",
        "tanh's derivative 1 - yhat^2",
        _tanh_over(lambda f: float(1 - f["net"] ** 2)),
        "tanh-derivative-wrong-quantity",
        wrong="1 - net^2",
    ),
    Term(
        "1 - yhat^2",
        "tanh's derivative 1 - yhat^2",
        _tanh_over(lambda f: float(f["yhat"] * (1 - f["yhat"]))),
        "logistic-derivative-for-tanh",
        wrong="yhat (1 - yhat)",
    ),
    Term(
        "1 - yhat^2",
        "tanh's derivative 1 - yhat^2",
        _tanh_over(lambda f: _sigmoid64(f["net"]) * (1 - _sigmoid64(f["net"]))),
        "logistic-derivative-for-tanh",
        wrong="sigmoid(net) (1 - sigmoid(net))",
    ),
)
XOR_TERMS = (
    Term(
        "yhat (1 - yhat)",
        "the output unit's derivative yhat (1 - yhat)",
        lambda p, f: float(f["yhat"] * (1 - f["yhat"])),
        "activation-derivative-missing",
    ),
    Term(
        "h (1 - h)",
        "the hidden unit's derivative h (1 - h)",
        lambda p, f: float(f["h"] * (1 - f["h"])),
        "dh-missing-hidden-derivative",
    ),
    Term("w2", "the weight w2", lambda p, f: float(p["w_012"][2]), "dh-missing-w2"),
)
#: The constant factor of a relation, as the catalogue's codes (``mistakes.py``): 0.5 is
#: the missing 2, -1 the opposite sign; a factor not listed (0 included) is no known mistake.
FACTOR_CODES = {
    1.0: (),
    0.5: ("factor-2-missing",),
    2.0: ("factor-2-doubled",),
    -1.0: ("opposite-sign",),
    -0.5: ("factor-2-missing", "opposite-sign"),
}


def _nice(c):
    """``c`` as one of the factors a message names in words (1, 0.5, -1, -0.5, 2, 0), else None."""
    for nice in (1.0, 0.5, -1.0, -0.5, 2.0, 0.0):
        if abs(c - nice) <= FIT_RTOL * max(abs(nice), 0.1):
            return nice
    return None


class Relation:
    """yours = c * autograd's / (product of ``terms``), for one parameter's gradient."""

    def __init__(self, terms, c):
        self.terms, self.c = tuple(terms), c
        #: relations with the same key read the same: one clause for their parameters
        self.key = (
            tuple(repr(t) for t in self.terms),
            _nice(c) if _nice(c) is not None else round(c, 2),
        )

    @property
    def codes(self):
        """The catalogue's codes of what this relation says is wrong (``other`` for a
        factor that is no known mistake)."""
        nice = _nice(self.c)
        factor = FACTOR_CODES.get(nice, (OTHER,)) if nice is not None else (OTHER,)
        return tuple(dict.fromkeys([t.code for t in self.terms] + list(factor)))

    def lacks(self, short=False):
        """What is missing, in words: the terms, and the 2 when the factor is 1/2."""
        missing = [t.formula if short else t.words for t in self.terms if not t.wrong]
        if _nice(self.c) in (0.5, -0.5):
            missing.append("the factor 2" if short else FACTOR_2)
        return missing

    def swaps(self, short=False):
        """What is written in another form, in words: ``uses 1 - net^2 for tanh's ...``."""
        return [f"{t.wrong} for {t.formula if short else t.words}" for t in self.terms if t.wrong]

    def ratio(self):
        """yours / autograd's as a formula, e.g. ``1 / (2 yhat (1 - yhat))``."""
        nice = _nice(self.c)
        denominator = [t.factor for t in self.terms]
        numerator = [_factor(t.wrong) for t in self.terms if t.wrong]
        if nice in (0.5, -0.5):
            num, denominator = ("1" if nice > 0 else "-1"), ["2"] + denominator
        elif nice in (1.0, -1.0):
            num = "1" if nice > 0 else "-1"
        else:
            num = f"{self.c:.3g}"
        if numerator:
            sign = "-" if num.startswith("-") else ""
            num = sign + " ".join(([num.lstrip("-")] if num.lstrip("-") != "1" else []) + numerator)
        if not denominator:
            return num
        product = " ".join(denominator)
        return (
            f"{num} / {product}"
            if len(denominator) == 1 and product.startswith("(")
            else f"{num} / ({product})"
        )

    def predicate(self, plural, short=False):
        """What is wrong, as the rest of a sentence: ``lack h (1 - h)``; ``short`` for the
        grade table."""
        s = "" if plural else "s"
        nice = _nice(self.c)
        parts = []
        if nice == 0.0:
            return f"{'are' if plural else 'is'} 0"
        if self.swaps():
            parts.append(f"use{s} " + " and ".join(self.swaps(short)))
        if self.lacks():
            parts.append(f"lack{s} " + " and ".join(self.lacks(short)))
        if nice is not None and nice < 0:
            parts.append(f"ha{'ve' if plural else 's'} the opposite sign")
        if nice is None or nice == 2.0:
            further = "further " if self.terms else ""
            parts.append(
                f"{'are' if plural else 'is'} off by a {further}constant factor {self.c:.3g}"
            )
        return ", and ".join(parts)


def _fit(pairs, terms):
    """The factor ``c`` with yours = c * base on every pair, or None.

    ``pairs`` holds (yours, autograd's, {term: value}) per component of the failing cases.
    """
    base = []
    for v, w, values in pairs:
        scale = math.prod(values[t] for t in terms)
        if scale == 0 or not math.isfinite(scale) or not math.isfinite(v):
            return None
        base.append((v, w / scale))
    ratios = sorted(v / b for v, b in base if abs(b) >= MEASURABLE)
    if not ratios:
        return None
    c = ratios[len(ratios) // 2]
    if all(abs(v - c * b) <= ATOL + FIT_RTOL * abs(c * b) for v, b in base):
        return c
    return None


def _relation(pairs, terms):
    """The one relation (``Relation``) that explains ``pairs``, or None when none or several do."""
    if all(v == 0 for v, _, _ in pairs):
        return Relation((), 0.0)
    found = []
    for n in range(len(terms) + 1):
        for subset in itertools.combinations(terms, n):
            if len({t.family for t in subset}) < n:  # two forms of one factor
                continue
            c = _fit(pairs, subset)
            if c is not None and abs(c) > FIT_RTOL and not (n == 0 and _nice(c) == 1.0):
                found.append(Relation(subset, c))
    return found[0] if len(found) == 1 else None


def _hidden_grad_calls(probe, fn):
    return [
        cid
        for cid, call in probe.calls.items()
        if call["kind"] == "grads" and call["fn"] == fn and not cid.endswith("/shown")
    ]


class Diagnosis:
    """What every failing hidden case of a gradient function has in common (``_diagnose``)."""

    def __init__(self, relations, wrong, components):
        #: each wrong parameter -> the ``Relation`` that holds on every failing case (None
        #: when no single one does)
        self.relations = relations
        self.wrong = wrong  #: the parameters wrong on some case, in the parameters' order
        self.components = components  #: the (parameter, index) pairs wrong on some case


def _diagnose(probe, fn, forward, terms):
    """The ``Diagnosis`` of ``fn``'s hidden cases (a ``Verdict`` when one gave no value)."""
    per_param, per_component = {}, {}
    for cid in _hidden_grad_calls(probe, fn):
        call = probe.calls[cid]
        got = probe.result(cid)
        ref = _reference_grads(call, forward)
        if not _mismatch(got, ref):
            continue
        params64 = {k: v.double() for k, v in _params(call).items()}
        with torch.no_grad():
            f64 = forward(params64, _t(call["x"]).double())
        values = {t: t.value(params64, f64) for t in terms}
        for name, want in ref.items():
            right = want.flatten().tolist()
            for k, (v, w) in enumerate(zip(_components(got, name, len(right)), right)):
                per_param.setdefault(name, []).append((v, w, values))
                per_component[name, k] = per_component.get((name, k), True) and _close(v, w)
    wrong = [
        name for name, pairs in per_param.items() if not all(_close(v, w) for v, w, _ in pairs)
    ]
    return Diagnosis(
        {name: _relation(per_param[name], terms) for name in wrong},
        wrong,
        frozenset(c for c, right in per_component.items() if not right),
    )


#: Mistakes that show as which components of dE/dw_012 are wrong, every other component of
#: every parameter right on every case: (code, the wrong components in words).
COMPONENT_PATTERNS = {
    frozenset({("w_012", 0), ("w_012", 1)}): (
        "w012-skip-missing",
        "dE/dw0 and dE/dw1 (the skip connections' weights, the first two components of "
        "dE/dw_012) are wrong",
    ),
    frozenset({("w_012", 2)}): (
        "w012-hidden-missing",
        "dE/dw2 (the hidden unit's weight, the last component of dE/dw_012) is wrong",
    ),
}


#: The constant factors a message explains, and how (sentence, grade table).
FACTOR_REASONS = {
    0.5: (f": {FACTOR_2} is missing", "the factor 2 is missing"),
    -1.0: (": it has the opposite sign (a step along it goes uphill)", "has the opposite sign"),
    -0.5: (
        f": it has the opposite sign and {FACTOR_2} is missing",
        "opposite sign, and the factor 2 is missing",
    ),
    2.0: (": it has an extra factor 2", "an extra factor 2"),
}


def _words(fn, relations, wrong, names):
    """(sentence, summary) for the diagnosis, or (None, None) when there is none to state."""
    if not wrong or any(r is None for r in relations.values()):
        return None, None
    if len({relations[n].key for n in wrong}) == 1 and set(wrong) == set(names):
        r = relations[wrong[0]]
        factor = r.key[1]
        if factor == 0.0:
            return (
                f"{fn} returns 0 for every gradient on every case where it is wrong.",
                f"{fn} returns zeros",
            )
        if not r.terms:
            reason, short = FACTOR_REASONS.get(factor, ("", f"{factor:g} times autograd's"))
            sentence = (
                f"{fn} is off by a constant factor: on every case where it is wrong, "
                f"every component is {factor:g} times autograd's{reason}."
            )
            return sentence, f"{fn} is off by a constant factor: {short}"
        sentence = (
            f"{fn} {r.predicate(plural=False)}: on every case where it is wrong, "
            f"yours / autograd's = {r.ratio()} for every component."
        )
        return sentence, f"{fn} {r.predicate(plural=False, short=True)}"
    groups = {}
    for name in wrong:
        groups.setdefault(relations[name].key, []).append(name)
    clauses, short = [], []
    for members in groups.values():
        r, plural = relations[members[0]], len(members) > 1
        clauses.append(f"{' and '.join(f'dE/d{n}' for n in members)} {r.predicate(plural)}")
        short.append(f"{', '.join(f'dE/d{n}' for n in members)} {r.predicate(plural, short=True)}")
    right = [n for n in names if n not in wrong]
    if right:
        clauses[-1] += (
            f"; {' and '.join(f'dE/d{n}' for n in right)} {'are' if len(right) > 1 else 'is'} right"
        )
    return (
        f"On every case where {fn} is wrong, {'; '.join(clauses)}.",
        f"{fn}: {'; '.join(short)}",
    )


def _stated(probe, fn, forward, terms, names, backprop):
    """``(sentence, summary, codes, wrong)``: the one diagnosis that explains every failing
    hidden case of ``fn`` (``(None, None, (OTHER,), wrong)`` when none does), and the
    parameters wrong on some case.

    In turn: one ``Relation`` per wrong parameter (a missing or swapped term, a constant
    factor); which components of dE/dw_012 alone are wrong (``COMPONENT_PATTERNS``); for
    the XOR network, backpropagation from the student's own wrong forward pass
    (``backprop``, ``_follows_own_forward``).
    """
    try:
        diagnosis = _diagnose(probe, fn, forward, terms)
    except Verdict:
        return None, None, (OTHER,), []
    sentence, short = _words(fn, diagnosis.relations, diagnosis.wrong, names)
    if sentence:
        codes = [c for n in diagnosis.wrong for c in diagnosis.relations[n].codes]
        return sentence, short, tuple(dict.fromkeys(codes)), diagnosis.wrong
    if diagnosis.components in COMPONENT_PATTERNS:
        code, which = COMPONENT_PATTERNS[diagnosis.components]
        return (
            f"On every case where {fn} is wrong, only {which}; every other component is right.",
            f"{fn}: only {which.split(' (')[0]} wrong",
            (code,),
            diagnosis.wrong,
        )
    if backprop is not None:
        forward_codes = _follows_own_forward(probe, fn, forward, backprop)
        if forward_codes:
            return (
                f"On every case where {fn} is wrong, it is the notebook's backpropagation "
                "applied to the values your xor_forward returns, and those values are wrong "
                "(see the check of the forward pass): fix xor_forward first.",
                f"{fn} backpropagates through your wrong xor_forward",
                forward_codes,
                diagnosis.wrong,
            )
    return None, None, (OTHER,), diagnosis.wrong


def _explain(probe, fn, prefix, forward, terms, failing, what, backprop=None):
    """(message, summary, codes): the diagnosis, then the notebook's shown example."""
    shown_id = f"{prefix}/shown"
    names = list(probe.calls[shown_id]["params"])
    lead = f"{fn} disagrees with autograd on {failing} unseen {what}."
    summary = f"{fn} disagrees with autograd on {failing} unseen {what}"
    sentence, short, codes, wrong = _stated(probe, fn, forward, terms, names, backprop)
    if sentence:
        lead, summary = f"{lead} {sentence}", short
    elif wrong and set(wrong) != set(names):
        lead += (
            f" Wrong: {', '.join(f'dE/d{n}' for n in wrong)}; right: "
            f"{', '.join(f'dE/d{n}' for n in names if n not in wrong)}."
        )
        summary += f" ({', '.join(f'dE/d{n}' for n in wrong)} wrong)"
    detail = ""
    try:
        shown_got = probe.result(shown_id)
        bad = _mismatch(shown_got, _reference_grads(probe.calls[shown_id], forward))
        if bad:
            name, k, v, w = bad
            call = probe.calls[shown_id]
            detail = (
                f" On the notebook's own check (x = {call['x']}, y = {call['y']}) "
                f"you return dE/d{name}[{k}] = {v:.6g} where autograd gives {w:.6g}."
            )
        else:
            detail = " It is right on the notebook's own check, so look at cases the notebook does not show."
    except Verdict:
        pass
    return lead + detail, summary, codes


def _check_grads(probe, fn, prefix, group, forward, terms, what, backprop=None):
    ids = [cid for cid in probe.calls if cid.startswith(f"{prefix}/{group}")]
    assert ids, f"no hidden inputs in group {prefix}/{group}"
    failing = 0
    for cid in ids:
        got = _grads_result(probe, cid, forward)
        if _mismatch(got, _reference_grads(probe.calls[cid], forward)):
            failing += 1
    if failing:
        message, summary, codes = _explain(
            probe, fn, prefix, forward, terms, f"{failing} of the {len(ids)}", what, backprop
        )
        raise Verdict(message, summary=summary, codes=codes)


#: The biases of Part B's parameter dicts: each enters its unit's net with coefficient 1.
BIASES = ("b", "b0", "b1")


def _grads_result(probe, cid, forward):
    """``probe.result(cid)`` of a gradient call; a wrong shape that is a bias gradient times
    ``x`` on every hidden case (``_bias_times_x``) says so, with its code."""
    try:
        return probe.result(cid)
    except Verdict as verdict:
        fn = probe.calls[cid]["fn"]
        if "wrong-shape" in verdict.codes and _bias_times_x(probe, fn, forward):
            raise _bias_verdict(verdict, fn) from None
        raise


def _bias_verdict(verdict, fn):
    return Verdict(
        f"{verdict.message} On every unseen case where its shape is wrong, {fn} returns "
        "each bias gradient multiplied by the inputs x (one value per input), and every "
        "other gradient is right.",
        summary=f"{fn}: a bias gradient multiplied by x",
        codes=("bias-gradient-times-x",),
    )


def _bias_times_x(probe, fn, forward):
    """Is every hidden case of ``fn`` that broke the contract's shape explained by bias
    gradients times ``x`` (autograd's dE/db times each x_i, shaped like x; one bias at
    least, the others right), with every other parameter right, and every case that
    returned a value right?"""
    seen = False
    for cid in _hidden_grad_calls(probe, fn):
        call, got = probe.calls[cid], probe.got(cid) or {}
        ref = _reference_grads(call, forward)
        if got.get("ok"):
            if _mismatch(got["value"], ref):
                return False
            continue
        returned = got.get("returned")
        if got.get("contract") != "shape" or not returned:
            return False

        def gives(name, shape, values):
            return returned.get(f"{name}.shape") == shape and all(
                _close(v, w) for v, w in zip(returned.get(name, []), values)
            )

        times_x = False
        for name, want in ref.items():
            right, shape = want.flatten().tolist(), list(want.shape)
            if name in BIASES and gives(name, [len(call["x"])], [right[0] * x for x in call["x"]]):
                times_x = True
            elif not gives(name, shape, right):
                return False
        if not times_x:
            return False
        seen = True
    return seen


def _follows_own_forward(probe, fn, forward, backprop):
    """The forward pass's codes (``_forward_codes``) when, on every failing hidden case of
    ``fn``, the student's gradient is ``backprop`` from the values their own forward pass
    returned for the same parameters and input, and that forward pass is wrong on at least
    one of them; else None.

    Not on every one: a wrong activation can cross the right one (tanh and the logistic
    agree near net = 0.88), so on some salted input the forward pass is right within its
    tolerance while the gradient built on it is already off by more than the gradient's.
    """
    forwards = [
        cid for cid, c in probe.calls.items() if c["kind"] == "forward" and "/shown" not in cid
    ]
    explained = forward_wrong = False
    for cid in _hidden_grad_calls(probe, fn):
        call, got = probe.calls[cid], probe.result(cid)
        if not _mismatch(got, _reference_grads(call, forward)):
            continue
        twin = next(
            (
                f
                for f in forwards
                if probe.calls[f]["params"] == call["params"] and probe.calls[f]["x"] == call["x"]
            ),
            None,
        )
        if twin is None:
            return None
        try:
            mine = probe.result(twin)
        except Verdict:
            return None
        forward_wrong = forward_wrong or bool(_forward_mismatch(probe.calls[twin], mine))
        want = backprop(mine, call)
        if any(
            not _close(v, w)
            for name, right in want.items()
            for v, w in zip(_components(got, name, len(right)), right)
        ):
            return None
        explained = True
    return _forward_codes(probe) if explained and forward_wrong else None


def _xor_backprop(out, call):
    """The XOR network's backprop (``reference_rules.xor_grads``) from a forward pass's
    values ``out`` (lists), on one call's parameters, input and target."""
    x0, x1 = call["x"]
    g = REFERENCE_RULES.xor_grads(
        {"w2": call["params"]["w_012"][2]},
        {"h": out["h"][0], "yhat": out["yhat"][0]},
        x0,
        x1,
        call["y"][0],
    )
    return {
        "w_34": [g["w3"], g["w4"]],
        "b0": [g["b0"]],
        "w_012": [g["w0"], g["w1"], g["w2"]],
        "b1": [g["b1"]],
    }


# -- Problem 1: logistic neuron (10 points) ---------------------------------------

GROUPS = {
    "random": "random parameters with inputs between -2 and 2",
    "saturated": "nearly saturated neurons (|net| = 7, where yhat (1 - yhat) is about 1e-3), "
    "with both targets",
    "zero_input": "inputs x = [0, 0]",
    "target": "cases with target 0 and target 1",
}


@pytest.mark.grade_cell("p1_logistic_grads_match_autograd")
@pytest.mark.parametrize("group", GROUPS)
def test_logistic_grads(probe, group):
    _check_grads(
        probe, "logistic_grads", "p1", group, logistic_forward, LOGISTIC_TERMS, GROUPS[group]
    )


# -- Problem 2: the update rule (5 points) ----------------------------------------


def _update_calls(probe):
    return [cid for cid in probe.calls if cid.startswith("p2/step/")] + ["p2/shown"]


def _shown_update(probe):
    shown = probe.result("p2/shown")
    return (
        f"On the notebook's example it returns w = {[round(x, 4) for x in shown['w']]}, "
        f"b = {[round(x, 4) for x in shown['b']]}; expected w = [0.95, 2.1], b = [0.35]."
    )


#: The ways an update may step instead of params - alpha * grads, each as the new value of
#: one parameter entry from (p, g, alpha, decoy), and the catalogue's codes it means.
#: ``_update_codes`` states one only when it gives every entry of every wrong example.
UPDATE_MISTAKES = (
    (lambda p, g, a, d: p - a * d, ("update-reads-grad",), "it steps along .grad"),
    (lambda p, g, a, d: p + a * g, ("update-adds",), "it adds alpha * grads"),
    (
        lambda p, g, a, d: p - g,
        ("update-ignores-alpha",),
        "its step is the gradient itself, whatever alpha is",
    ),
    (
        lambda p, g, a, d: p + g,
        ("update-adds", "update-ignores-alpha"),
        "it adds the gradient itself, whatever alpha is",
    ),
)


def _update_codes(probe):
    """The codes of the one mistake that explains every example sgd_update gets wrong
    (``UPDATE_MISTAKES``; some parameters stepped right and the others left unchanged is
    ``update-partial``), or ``(OTHER,)``."""
    return _update_diagnosis(probe)[0]


def _update_diagnosis(probe):
    """``(codes, words)`` of ``_update_codes``; words None where there is nothing to say."""
    wrong = []
    for cid in _update_calls(probe):
        call, got = probe.calls[cid], probe.result(cid)
        rows = [
            (v, p, g)
            for name, value in call["params"].items()
            for v, p, g in zip(got[name], value, call["grads"][name])
        ]
        if not all(_close(v, p - call["alpha"] * g) for v, p, g in rows):
            wrong.append((call, rows))
    for step, codes, words in UPDATE_MISTAKES:
        if wrong and all(
            _close(v, step(p, g, call["alpha"], call["decoy"]))
            for call, rows in wrong
            for v, p, g in rows
        ):
            return codes, words
    moved = unchanged = False
    for call, rows in wrong:
        for v, p, g in rows:
            if v == p and g != 0:
                unchanged = True
            elif _close(v, p - call["alpha"] * g):
                moved = moved or g != 0
            else:
                return (OTHER,), None
    if moved and unchanged:
        return ("update-partial",), "it leaves some parameters unchanged"
    return (OTHER,), None


@pytest.mark.grade_cell("p2_sgd_update_steps_against_gradient")
def test_update_steps_against_the_given_gradients(probe):
    """The direction of the step: along -grads (the argument), whatever its length."""
    ids = _update_calls(probe)
    uphill = astray = 0
    for cid in ids:
        call = probe.calls[cid]
        got = probe.result(cid)
        steps, grads = [], []
        for name, value in call["params"].items():
            from_decoy = [p - call["alpha"] * call["decoy"] for p in value]
            if all(abs(v - d) < 1e-3 * max(1, abs(d)) for v, d in zip(got[name], from_decoy)):
                raise Verdict(
                    "sgd_update steps along the tensors' .grad attribute, not along "
                    "the gradients it is given (the grads argument): the update must "
                    "use your hand-written gradients.",
                    summary="sgd_update steps along .grad, not the given gradients",
                    codes=_update_codes(probe),
                )
            moved = [v - p for v, p in zip(got[name], value)]
            if max(map(abs, moved)) == 0 and max(abs(g) for g in call["grads"][name]) > 0:
                raise Verdict(
                    f"sgd_update returns '{name}' unchanged. {_shown_update(probe)}",
                    summary=f"sgd_update returns '{name}' unchanged",
                    codes=_update_codes(probe),
                )
            steps += moved
            grads += call["grads"][name]
        if not any(grads):
            continue
        # the step's length along -grads, and whether the step is exactly that
        size = -sum(s * g for s, g in zip(steps, grads)) / sum(g * g for g in grads)
        along = all(abs(s + size * g) <= ATOL + RTOL * abs(size * g) for s, g in zip(steps, grads))
        if along and size < 0:
            uphill += 1
        elif not (along and size > 0):
            astray += 1
    if uphill == len(ids):
        raise Verdict(
            f"sgd_update steps along +grads, uphill, on every one of {len(ids)} "
            "examples: gradient descent subtracts alpha * grads. " + _shown_update(probe),
            summary="sgd_update steps uphill (+alpha * grads)",
            codes=_update_codes(probe),
        )
    if uphill or astray:
        raise Verdict(
            f"sgd_update does not move the parameters along -grads on "
            f"{uphill + astray} of {len(ids)} examples: the step must be -alpha times "
            f"the gradient it is given. {_shown_update(probe)}",
            summary=f"sgd_update does not step along -grads on {uphill + astray} of "
            f"{len(ids)} examples",
            codes=_update_codes(probe),
        )


@pytest.mark.grade_cell("p2_sgd_update_steps_against_gradient")
def test_update_steps_by_alpha_times_gradient(probe):
    wrong = 0
    ids = _update_calls(probe)
    for cid in ids:
        call = probe.calls[cid]
        got = probe.result(cid)
        for name, value in call["params"].items():
            want = [p - call["alpha"] * g for p, g in zip(value, call["grads"][name])]
            if not all(_close(v, w) for v, w in zip(got[name], want)):
                wrong += 1
                break
    if wrong:
        codes, words = _update_diagnosis(probe)
        because = f" On every one, {words}." if words else ""
        raise Verdict(
            f"sgd_update does not return params - alpha * grads on {wrong} of "
            f"{len(ids)} examples.{because} {_shown_update(probe)}",
            summary=f"sgd_update does not return params - alpha * grads on {wrong} "
            f"of {len(ids)} examples",
            codes=codes,
        )


# -- Problem 3: tanh neuron (5 points) --------------------------------------------

TANH_GROUPS = {
    **GROUPS,
    "saturated": "nearly saturated neurons (|net| = 3, where 1 - yhat^2 is "
    "about 1e-2), with both targets",
}


@pytest.mark.grade_cell("p3_tanh_grads_match_autograd")
@pytest.mark.parametrize("group", TANH_GROUPS)
def test_tanh_grads(probe, group):
    _check_grads(probe, "tanh_grads", "p3", group, tanh_forward, TANH_TERMS, TANH_GROUPS[group])


# -- Problem 4a: XOR forward pass (3 points) --------------------------------------

FORWARD_KEYS = ("net_h", "h", "net_y", "yhat")


def _check_forward(probe, group, what):
    ids = [cid for cid in probe.calls if cid.startswith(f"p4f/{group}")]
    assert ids, f"no hidden inputs in group p4f/{group}"
    failing = []
    for cid in ids:
        call = probe.calls[cid]
        got = probe.result(cid)
        params = {k: _t(v).double() for k, v in call["params"].items()}
        ref = xor_forward64(params, _t(call["x"]).double())
        for key in FORWARD_KEYS:
            if key not in got:
                raise Verdict(
                    f"xor_forward returns keys {sorted(k for k in got if '.' not in k)}; "
                    f"it must return {list(FORWARD_KEYS)}.",
                    codes=("wrong-keys",),
                )
            if not all(_close(v, w) for v, w in zip(got[key], ref[key].tolist())):
                failing.append(key)
                break
    if failing:
        first = failing[0]
        wrong = (
            f"xor_forward computes '{first}' wrongly on {len(failing)} of {len(ids)} unseen {what}"
        )
        fits = _activation_fits(probe)
        because = ""
        if len(fits) == 1:
            [(hidden, output)] = fits
            units = [
                f"{unit} unit uses {ACTIVATION_WORDS[name]}"
                for unit, name in (("hidden", hidden), ("output", output))
                if name != "logistic"
            ]
            because = (
                f" On every case where it is wrong, its values are those of a network whose "
                f"{' and whose '.join(units)}."
            )
        raise Verdict(
            f"{wrong} (check the formulas for {first} and that both units use the "
            f"logistic function).{because}",
            summary=wrong,
            codes=("forward-activation-wrong",) if fits else (OTHER,),
        )


#: The activations a unit of the XOR network may have been given instead of the logistic.
ACTIVATIONS = {
    "logistic": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "identity": lambda net: net,
}
ACTIVATION_WORDS = {
    "logistic": "the logistic",
    "tanh": "tanh",
    "relu": "ReLU",
    "identity": "no activation at all",
}


def _forward_mismatch(call, got):
    """The first of ``FORWARD_KEYS`` that a forward call's value ``got`` has wrong (or
    lacks), or None."""
    params = {k: _t(v).double() for k, v in call["params"].items()}
    ref = xor_forward64(params, _t(call["x"]).double())
    for key in FORWARD_KEYS:
        if key not in got or not all(_close(v, w) for v, w in zip(got[key], ref[key].tolist())):
            return key
    return None


def _activation_fits(probe):
    """The pairs (hidden, output) of ``ACTIVATIONS``, other than the logistic's, whose
    network gives every value of every failing hidden forward case (empty when none does,
    or when no case fails)."""
    pairs = {p for p in itertools.product(ACTIVATIONS, repeat=2) if p != ("logistic",) * 2}
    failing = False
    for cid, call in probe.calls.items():
        if call["kind"] != "forward" or "/shown" in cid:
            continue
        got = probe.result(cid)
        if not _forward_mismatch(call, got):
            continue
        failing = True
        params = {k: _t(v).double() for k, v in call["params"].items()}
        x = _t(call["x"]).double()
        pairs = {
            (hidden, output)
            for hidden, output in pairs
            if all(
                key in got and all(_close(v, w) for v, w in zip(got[key], want.tolist()))
                for key, want in xor_forward64(
                    params, x, ACTIVATIONS[hidden], ACTIVATIONS[output]
                ).items()
            )
        }
    return pairs if failing else set()


def _forward_codes(probe):
    """The codes of the forward pass's diagnosis: another activation, or ``other``."""
    try:
        return ("forward-activation-wrong",) if _activation_fits(probe) else (OTHER,)
    except Verdict:
        return (OTHER,)


@pytest.mark.grade_cell("p4_xor_forward_values")
def test_xor_forward_random(probe):
    _check_forward(probe, "random", "random parameter sets")


@pytest.mark.grade_cell("p4_xor_forward_values")
def test_xor_forward_saturated(probe):
    _check_forward(probe, "saturated", "patterns through a nearly saturated, hand-built network")


# -- Problem 4b: XOR gradients (8 points) -----------------------------------------

XOR_GROUPS = {
    "random": "random parameters with inputs between -2 and 2",
    "saturated": "patterns through a nearly saturated, hand-built network (|net| = 7), "
    "with both targets",
    "zero_input": "inputs x = [0, 0] with a large w2",
    "target": "cases with target 0 and target 1",
}


@pytest.mark.grade_cell("p4_xor_grads_match_autograd")
@pytest.mark.parametrize("group", XOR_GROUPS)
def test_xor_grads(probe, group):
    _check_grads(
        probe,
        "xor_grads",
        "p4",
        group,
        xor_forward64,
        XOR_TERMS,
        XOR_GROUPS[group],
        backprop=_xor_backprop,
    )


# -- Problem 4: learning XOR (4 points) -------------------------------------------

#: A student's final outputs must be this close to the reference's from the same start.
#: Correct variants (float64, other algebraic forms, jitter) stay within 1.2e-5
#: (benchmarks/fairness.py): 0.02 leaves a factor of about 1600.
MATCH_WITHIN = 0.02


@pytest.mark.grade_cell("p4_xor_learns")
def test_xor_training_reaches_the_right_network(probe):
    """Trains like a correct implementation: on ``required`` of the starts (one of one, as
    ``xor_starts.py`` explains), every output on the right side of 0.5 and within
    MATCH_WITHIN of a correct implementation's."""
    starts = load_file(Path(__file__).with_name("probes.py")).XOR_STARTS
    reference = {s["seed"]: s["reference_yhat"] for s in starts["starts"]}
    required = starts["required"]
    runs = learned(probe)
    good, solved, gaps = 0, 0, []
    for seed, worst, _, yhat in runs:
        gap = max(abs(a - b) for a, b in zip(yhat, reference[seed]))
        gap = gap if math.isfinite(gap) else float("inf")
        gaps.append(gap)
        solved += worst < starts["within"]
        if worst < starts["within"] and gap <= MATCH_WITHIN:
            good += 1
    if good < required:
        raise Verdict(
            *_training_verdict(starts, len(runs), required, good, solved, gaps),
            codes=("trains-differently",),
        )


def _training_verdict(starts, n, required, good, solved, gaps):
    """(message, summary) of a failed training check, worded for one start or several."""
    gap_text = ", ".join("no finite output" if g == float("inf") else f"{g:.2g}" for g in gaps)
    several = n > 1
    where = f"{n} starting points" if several else "a starting point"
    rule = f"on at least {required} of the {n} starts, " if several else ""
    solved_text = (
        (
            "solved XOR (every output on the right side of 0.5)"
            + (f" from {solved} of the {n} starts" if several else "")
        )
        if solved or several
        else "did not solve XOR (every output on the right side of 0.5)"
    )
    result = (
        f", so it trained like one from {good} of the {n} starts ({required} needed)"
        if several
        else ", so it did not train like one"
        if solved
        else ""
    )
    why = (
        " Solving XOR is not enough: a network whose forward pass or gradients differ "
        "from the notebook's can solve it along another path, and this check asks for "
        "the network a correct implementation reaches."
        if solved
        else ""
    )
    message = (
        f"This check trains your xor_forward and xor_grads (with the grader's own update) "
        f"for {starts['epochs']} epochs from {where} the grader chose and passes when your "
        f"network trains like a correct implementation: {rule}every output ends on the right "
        f"side of 0.5 and within {MATCH_WITHIN} of a correct implementation's output from the "
        f"same start. Your network {solved_text}{', but' if solved else ', and'} its outputs "
        f"ended {gap_text} away from a correct implementation's (the largest difference"
        f"{' per start' if several else ''}){result}.{why} The plot below shows your epoch "
        f"error beside the correct implementation's from the same start{'s' if several else ''}."
    )
    summary = (
        "trains unlike a correct implementation: "
        + (
            f"solved XOR from {solved}/{n} starts"
            if several
            else "solved XOR"
            if solved
            else "did not solve XOR"
        )
        + f", outputs {gap_text} off"
    )
    return message, summary


def _training_result(probe, cid):
    """``probe.result(cid)`` of a training run; a run stopped by a wrong shape while xor_grads
    returns bias gradients times x on every hidden case (and xor_forward keeps its
    contract on every one: the update is the grader's) was stopped by those."""
    try:
        return probe.result(cid)
    except Verdict as verdict:
        call = probe.calls[cid]
        forwards = [
            c
            for c, other in probe.calls.items()
            if other["kind"] == "forward" and other["fn"] == call["forward"]
        ]
        if (
            "wrong-shape" in verdict.codes
            and all((probe.got(c) or {}).get("ok") for c in forwards)
            and _bias_times_x(probe, call["fn"], xor_forward64)
        ):
            raise _bias_verdict(verdict, call["fn"]) from None
        raise


def learned(probe):
    """Per screened start: (seed, worst output error, epoch errors, final outputs)."""
    runs = []
    for cid, call in probe.calls.items():
        if call["kind"] != "train":
            continue
        got = _training_result(probe, cid)
        worst = max(abs(v - t) for v, t in zip(got["yhat"], call["Y"]))
        runs.append(
            (
                call["seed"],
                worst if math.isfinite(worst) else float("inf"),
                got["epoch_errors"],
                got["yhat"],
            )
        )
    return runs
