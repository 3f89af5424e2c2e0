"""Values and errors as plain data: what goes back to the grader from a student function.

Tensors in, lists out (``_tensor``, ``_plain``), and an error as its type's name and a
message with the student's own frames, never the harness's (``_describe``), read so that
a student exception whose message fails cannot fail the harness (``_describe_safely``).
A broken contract (``byhand.contract.ContractError``) also says which part broke, as data
(``_contract_fields``).
"""

import torch

from byhand.contract import ContractError, PROBLEMS

#: The most numbers a broken contract's ``returned`` carries back (a gradient has a few).
MAX_RETURNED = 1000


class _Alarm(BaseException):
    """Raised by SIGALRM; a BaseException so a student's ``except Exception`` can't eat it."""


def _on_alarm(signum, frame):
    raise _Alarm()


def _describe(err):
    """``Name: message`` with the student's own frames, never the harness's."""
    if isinstance(err, _Alarm):
        return "TimeoutError: took longer than the time limit"
    msg = str(err).strip().splitlines()
    if isinstance(err, MemoryError) or "can't allocate memory" in str(err):
        return "MemoryError: ran out of memory (the grader's limit)"
    line = ""
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<cell"):
            line = f" (in {tb.tb_frame.f_code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    text = f": {msg[0][:300]}" if msg else ""
    return f"{_type_name(err)}{text}{line}"


def _error_type(err):
    """What went wrong, as the grader reads it: the name ``_describe`` gives the error."""
    if isinstance(err, _Alarm):
        return "TimeoutError"
    try:
        out_of_memory = isinstance(err, MemoryError) or "can't allocate memory" in str(err)
    except BaseException:  # noqa: B036 - a student exception whose str() fails
        out_of_memory = False
    return "MemoryError" if out_of_memory else _type_name(err)


def _type_name(err):
    """The exception's class name as the interpreter knows it (no student property)."""
    name = type.__dict__["__name__"].__get__(type(err))
    return name if type(name) is str else "Exception"


def _describe_safely(err):
    """``_describe``, when a student exception's message itself fails or is not text."""
    try:
        text = _describe(err)
        return text if type(text) is str else _type_name(err)
    except BaseException:  # noqa: B036 - its __str__ is student code
        return f"{_type_name(err)} (its message could not be read)"


def _contract_fields(err):
    """``{"contract": problem}`` for a ``ContractError`` (``byhand.contract.PROBLEMS``), with
    ``"returned"`` (the values that came back, as ``_plain`` gives them) where the harness
    attached them (``calls._checked``); ``{}`` for any other error.

    Read defensively: a student may raise a ContractError of their own, whose attributes
    are anything; only a known problem word and plain lists of numbers pass.
    """
    try:
        if not isinstance(err, ContractError):
            return {}
        problem, returned = err.problem, err.__dict__.get("returned")
    except BaseException:  # noqa: B036 - a student subclass's property
        return {}
    if type(problem) is not str or problem not in PROBLEMS:
        return {}
    fields = {"contract": problem}
    if _plain_numbers(returned):
        fields["returned"] = returned
    return fields


def _plain_numbers(value):
    """Is ``value`` what ``_plain`` returns: a dict of str to short lists of numbers?"""
    return (
        type(value) is dict
        and sum(len(v) for v in value.values() if type(v) is list) <= MAX_RETURNED
        and all(
            type(k) is str and type(v) is list and all(type(n) in (int, float) for n in v)
            for k, v in value.items()
        )
    )


def _tensor(value):
    return torch.tensor(value, dtype=torch.float32)


def _plain(value, what):
    """A dict of tensors as a dict of lists; anything else is the student's contract error."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} returned {type(value).__name__}, not a dict")
    out = {}
    for k, v in value.items():
        if isinstance(v, torch.Tensor):
            out[str(k)] = v.detach().to(torch.float64).flatten().tolist()
            out[str(k) + ".shape"] = list(v.shape)
    return out


class _Missing(NameError):
    """The function a call names does not exist; ``cause`` says which cell failed, if one did."""

    def __init__(self, fn, failed_cells):
        self.cause = "; ".join(failed_cells) or None
        hint = "" if failed_cells else " (was it renamed or never defined?)"
        super().__init__(f"there is no function named '{fn}'{hint}")


def _a_type(value):
    """``a list``, ``None``, ``a Tensor``: how a message names what came back."""
    if value is None:
        return "None"
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name
