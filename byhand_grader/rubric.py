"""A hand-graded cell's rubric as data, and the grader's note that holds a student's recorded run
against it.

An assignment with a cell graded by hand may describe its rubric in
``grader_tests/<a>/rubric.py`` (``RUBRIC``, a ``Rubric``): the items the person grading
gives points for and, for Part B's Problem 5, the eight solution families of the XOR
network.  ``docs/grading-partb.md`` shows the same tables, and a test fails when the page
and ``markdown_items`` / ``markdown_families`` differ, so the page cannot drift from the
data the grader uses.

At grading, ``assist`` reads the student's own XOR run as the grader recorded it (the
``explanation`` call, ``annotate.read_runs``) and the student's answer, and writes a note
for the person grading: the family of the recorded network, the table it computes, whether
it learned XOR (from which attempt), which rubric items it gives something to check
against, and where the answer's text can be checked against it (the seed it names, the
numbers it quotes, the family it names, numbers it shares with the model answer).  The note
goes into the gradebook as the cell's ``auto_comment`` (``record.commit``), which formgrader
shows in the cell's comment box until the grader types their own; the feedback page never
shows it to the student (``student_comment``).  It suggests a points figure only where one
is defensible (an answer left as released, or empty: 0), and says what it rests on; every
other answer's points are the grader's alone.  No manual score is ever written.

``agreement`` tells the class report how often the points given by hand agree with the
suggestions.
"""

import math
import re
from dataclasses import dataclass

from byhand.training import NO_STUDENT_SEED

#: What an item's ``check`` may name: what ``assist`` can hold the answer against.
CHECKS = ("parameters", "family", "patterns")

#: The note's first line: it marks the comment as the grader's note, for the person grading.
NOTE_HEAD = "Grader's note, never shown to the student (typing a comment replaces it)."


@dataclass(frozen=True)
class Item:
    """One row of the rubric: the points and what an answer does to earn them."""

    points: float
    does: str  #: "quotes the learned parameters (rounded) and the seed they came from"
    #: what the recorded run lets the grader check this item against (one of ``CHECKS``),
    #: or None: the item is read, not checked (``assist`` says so)
    check: str = None
    short: str = None  #: a few words for the note: "parameters and seed"


@dataclass(frozen=True)
class Family:
    """One way the XOR network computes XOR: where its hidden unit is on, and the output's signs."""

    name: str  #: as ``byhand.explain.hidden_family`` names it: "NOR", "x0 AND NOT x1"
    on: tuple  #: the hidden unit on (1) or off (0) for 00, 01, 10, 11
    signs: str  #: the signs of w0, w1, w2, b1 in every solved run of the family: "--+-"
    how: str  #: how the output computes XOR, in the rubric's words (markdown)

    @property
    def on_for(self):
        """The patterns the hidden unit is on for, as the rubric says it: "00 only", "01, 10, 11"."""
        from byhand.data import PATTERNS

        names = [p for p, bit in zip(PATTERNS, self.on) if bit]
        return f"{names[0]} only" if len(names) == 1 else ", ".join(names)


@dataclass(frozen=True)
class Rubric:
    """The rubric of one hand-graded cell: its items and, for an XOR explanation, its families."""

    grade_id: str  #: the hand-graded cell (nbgrader grade_id) it grades
    items: tuple  #: ``Item`` per row, in the order the rubric lists them
    families: tuple = ()  #: ``Family`` per row, in the order the rubric lists them

    @property
    def points(self):
        return sum(i.points for i in self.items)

    def family(self, name):
        """The ``Family`` called ``name``, or None."""
        return next((f for f in self.families if f.name == name), None)

    def problems(self, manual):
        """What is wrong with the rubric, given the notebook's ``{hand-graded grade_id: points}``."""
        found = []
        if self.grade_id not in manual:
            found.append(f"the rubric grades {self.grade_id!r}, which is not a hand-graded cell")
        elif not math.isclose(self.points, manual[self.grade_id]):
            found.append(
                f"the rubric's items add up to {self.points:g} points, the notebook gives "
                f"{self.grade_id!r} {manual[self.grade_id]:g}"
            )
        for item in self.items:
            if item.check is not None and item.check not in CHECKS:
                found.append(
                    f"a rubric item checks {item.check!r}, which is none of {', '.join(CHECKS)}"
                )
        names = [f.name for f in self.families]
        if len(set(names)) != len(names) or len({f.on for f in self.families}) != len(names):
            found.append("two rubric families share a name or an on-pattern")
        for f in self.families:
            if (
                len(f.on) != 4
                or set(f.on) - {0, 1}
                or len(f.signs) != 4
                or set(f.signs) - {"+", "-"}
            ):
                found.append(f"the rubric family {f.name!r} needs 4 on/off bits and 4 signs")
        return found


# -- the tables of docs/grading-partb.md -------------------------------------------------


def markdown_items(rubric):
    """The rubric's items as the page's markdown table."""
    lines = ["| points | the answer ... |", "|---|---|"]
    lines += [f"| {i.points:g} | {i.does} |" for i in rubric.items]
    return "\n".join(lines)


def markdown_families(rubric):
    """The rubric's families as the page's markdown table (signs with the minus sign, −)."""
    lines = [
        "| family (hidden unit on for) | sign of w0, w1, w2, b1 | how the output computes XOR |",
        "|---|---|---|",
    ]
    for f in rubric.families:
        signs = ", ".join("−" if s == "-" else "+" for s in f.signs)
        lines.append(f"| {f.name} ({f.on_for}) | {signs} | {f.how} |")
    return "\n".join(lines)


# -- the grader's note -------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
#: phrases that say a run did not learn (the answer in lower case)
_NOT_LEARNED = re.compile(
    r"(?:did ?n[o'’]?t|does ?n[o'’]?t|not|never|fail(?:ed|s)? to|could ?n[o'’]?t)\s+"
    r"(?:\w+\s+){0,3}?(?:learn|comput|solv|converg)|\bstuck\b|\bunlucky\b|\bplateau"
)
#: a seed the answer names: "seed 0", "SEED = 123", "Seed: 42"
_SEED_NAMED = re.compile(r"\bseed\b\W{0,4}(\d+)", re.I)
#: what family names are read through: $x_0$ and x_0 are x0
_LATEX = re.compile(r"[$\\{}_]")
#: the course's names of the seven parameters, in the order of ``byhand.xor.PARAM_NAMES``
_NAMES = {"w_34": ("w3", "w4"), "b0": ("b0",), "w_012": ("w0", "w1", "w2"), "b1": ("b1",)}
_TABLE = ("h", "w0·x0", "w1·x1", "w2·h", "b1", "net_y", "yhat")


def answer_text(nb, grade_id):
    """The source of the cell ``grade_id`` of a notebook, or None when it has none."""
    for cell in nb.cells:
        if (cell.metadata.get("nbgrader") or {}).get("grade_id") == grade_id:
            return cell.source
    return None


def assist(rubric, recorded, answer, nbgrader_comment=None, model_answer=None):
    """The grader's note on one student's hand-graded explanation, as plain data.

    ``recorded``: ``(call, reply)`` of the student's own runs (``annotate.recorded_run``),
    or None when nothing of the student's ran; ``answer``: the answer cell's source as
    submitted (None when the notebook lacks the cell); ``nbgrader_comment``: what nbgrader
    recorded for the cell ("No response." when it is as released); ``model_answer``: the
    source notebook's text of the cell, to spot numbers copied from it.

    Returns what ``StudentResult.problem5`` holds: ``grade_id``, ``points``; ``runs``
    (each replayed run's attempt, seed, family and whether it learned XOR); of the run to
    explain (the first that learned, else the last replayed; all None without a
    recording): ``attempt``, ``seed``, ``family``, ``learned``, ``signs`` of w0, w1, w2, b1
    and ``usual_signs`` (the rubric's for the family?), ``right`` (the patterns its output
    gets right); ``attempts_skipped`` (a run that left a correct one's path is replayed
    once); ``items`` (per rubric item: its number, points, check, whether the recording
    gives it something to check against, and what) and ``supported`` (those items'
    numbers); ``answer`` (``answer_checks``, None for an answer with a suggestion);
    ``suggested`` (points, or None: the grader's alone), ``because``; ``note``, the
    comment's text.
    """
    from byhand.explain import computes_xor, hidden_family

    from .annotate import read_runs

    runs = [r for r in read_runs(*recorded) if r is not None] if recorded else []
    explained = next((r for r in runs if computes_xor(r.rows)), runs[-1] if runs else None)
    data = {
        "grade_id": rubric.grade_id,
        "points": rubric.points,
        "runs": [
            {
                "attempt": r.attempt,
                "seed": r.seed,
                "family": hidden_family([row["h"] for row in r.rows]),
                "learned": computes_xor(r.rows),
            }
            for r in runs
        ],
        **dict.fromkeys(("attempt", "seed", "family", "learned", "signs", "usual_signs")),
        "right": [],
        "attempts_skipped": False,
    }
    if explained is not None:
        w0, w1, w2 = explained.params["w_012"]
        signs = "".join("+" if v > 0 else "-" for v in (w0, w1, w2, explained.params["b1"][0]))
        family = hidden_family([row["h"] for row in explained.rows])
        usual = rubric.family(family)
        data.update(
            attempt=explained.attempt,
            seed=explained.seed,
            family=family,
            learned=computes_xor(explained.rows),
            signs=signs,
            usual_signs=None if usual is None else usual.signs == signs,
            right=[r["pattern"] for r in explained.rows if abs(r["yhat"] - r["target"]) < 0.5],
            attempts_skipped=not computes_xor(explained.rows)
            and explained.tracked is None
            and explained.attempt + 1 < len(recorded[0].get("seeds") or []),
        )
    no_response = (nbgrader_comment or "").strip() == "No response."
    if answer is None or no_response:
        suggested, because = 0.0, "No response: the answer cell is as released"
    elif not re.sub(r"<!--.*?-->", "", answer, flags=re.S).strip():
        suggested, because = 0.0, "the answer cell is empty"
    else:
        suggested, because = None, "a written answer"
    items = [
        {"item": n, "points": item.points, "check": item.check, **_supports(item, data)}
        for n, item in enumerate(rubric.items, 1)
    ]
    data.update(
        items=items,
        supported=[i["item"] for i in items if i["supported"]],
        answer=answer_checks(answer, runs, explained, model_answer) if suggested is None else None,
        suggested=suggested,
        because=because,
    )
    data["note"] = note(rubric, data, explained, nbgrader_comment if no_response else None)
    return data


def _supports(item, data):
    """``{"supported": does the recording give the item something to check, "what": what}``."""
    from byhand.explain import FAMILIES

    if item.check is None:
        return {"supported": True, "what": "read it"}
    if data["family"] is None:
        return {"supported": False, "what": "no recording"}
    if item.check == "parameters":
        return {"supported": True, "what": "recorded"}
    if item.check == "family":
        family = data["family"]
        usual = family in FAMILIES.values()
        return {"supported": True, "what": family if usual else f"{family}, read the table"}
    right = f"{len(data['right'])} of 4 right"
    if data["learned"]:
        return {"supported": True, "what": right}
    return {
        "supported": True,
        "what": f"{right}; full marks if the answer says it did not learn and why",
    }


def answer_checks(answer, runs, explained, model_answer=None):
    """What the answer's text says that the recording confirms or contradicts: pointers.

    Numbers are the decimals the answer writes, read as magnitudes (a student may write
    "w2 is large and negative, 11.1"), each once, in the order written; one matches a
    recorded value (a parameter, or a cell of ``explain_xor``'s table) when it is that
    value rounded or cut to the digits written, give or take one unit in the
    last digit (the student's printout and the grader's rerun can differ there).  Family
    names are read as ``explain_xor`` prints them ("x0 AND NOT x1", capitals), longest
    first.  Returns ``quoted`` (how many distinct decimals), ``as_recorded`` (how many
    match), ``not_recorded`` (the others), ``parameters_quoted`` (the names of
    the parameters it quotes), ``seeds_named`` (the attempts whose seed it names),
    ``seeds_other`` (other seeds it names: 0 is the model answer's), ``families_named``,
    ``model_answer_numbers`` (numbers of two or more decimals it shares with the model
    answer but not with the recording) and ``says_not_learned``.
    """
    from byhand.explain import FAMILIES

    quoted = list(dict.fromkeys((abs(q), d) for q, d in _numbers(answer)))  # as written, once
    params = (
        {n: v for k, vs in explained.params.items() for n, v in zip(_NAMES[k], vs)}
        if explained
        else {}
    )
    values = (
        [*params.values(), *(r[k] for r in explained.rows for k in _TABLE)] if explained else []
    )
    others = [(q, d) for q, d in quoted if not any(_matches(q, d, v) for v in values)]
    integers = {int(q) for q, _ in _numbers(answer, decimals_only=False) if q == int(q)}
    model = {(abs(q), d) for q, d in _numbers(model_answer or "") if d >= 2}
    return {
        "quoted": len(quoted),
        "as_recorded": len(quoted) - len(others),
        "not_recorded": [_written(q, d) for q, d in others],
        "parameters_quoted": [
            n for n, v in params.items() if any(_matches(q, d, v) for q, d in quoted)
        ],
        "seeds_named": [r.attempt for r in runs if r.seed in integers],
        "seeds_other": sorted(
            {int(m) for m in _SEED_NAMED.findall(answer)} - {r.seed for r in runs}
        ),
        "families_named": _families_named(answer, FAMILIES.values()),
        "model_answer_numbers": [_written(q, d) for q, d in others if (abs(q), d) in model],
        "says_not_learned": bool(_NOT_LEARNED.search(answer.lower())),
    }


def _numbers(text, decimals_only=True):
    """The numbers written in ``text``: ``[(value, decimals)]``."""
    found = []
    for m in _NUMBER.finditer(text.replace("−", "-")):
        decimals = len(m.group().partition(".")[2])
        if decimals or not decimals_only:
            found.append((float(m.group()), decimals))
    return found


def _matches(quoted, decimals, value):
    return abs(abs(quoted) - abs(value)) < 10.0**-decimals + 1e-9


def _written(q, d):
    return f"{q:.{d}f}".replace("-", "−")


def _families_named(text, families):
    """The family names written in ``text``, longest first, each span read once."""
    plain = " ".join(_LATEX.sub("", text).split())
    named = []
    for name in sorted(families, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)")
        if pattern.search(plain):
            named.append(name)
            plain = pattern.sub(" ", plain)
    return named


def note(rubric, data, explained, nbgrader_comment=None):
    """The comment's text: six plain lines at most, what decides the points first.

    Formgrader shows an automatic comment as the placeholder of the cell's comment box,
    which grows to 150 pixels and no further (seven lines of its type, about 120
    characters each; a placeholder does not scroll) and renders no markdown.  So the lines
    go in the order a grader needs them: the suggestion, the recorded network, the answer
    against it, the table, the rubric's items, and last the parameters, which the recorded
    cell right above the answer also prints.
    """
    figure = (
        f"Suggested: {data['suggested']:g} of {data['points']:g} points ({data['because']})."
        if data["suggested"] is not None
        else f"Suggested: none, {data['because']}."
    )
    lines = [" ".join(filter(None, (nbgrader_comment, NOTE_HEAD, figure)))]
    if explained is None:
        lines.append("Recorded: no run (the student's functions could not be replayed).")
    else:
        lines.append(_recorded(rubric, data, explained))
    if data["answer"] is not None:
        lines += _against(data)
    table = _table(data, explained) if explained is not None else []
    lines += table[:1]
    lines.append(
        "Rubric: "
        + "; ".join(
            f"{i['item']} {rubric.items[i['item'] - 1].short or ''} ({i['points']:g}): "
            + (i["what"] if i["supported"] else f"not checkable, {i['what']}")
            for i in data["items"]
        )
        + "."
    )
    return "\n".join(lines + table[1:])


def _at(attempt, seed, family=None):
    """A replayed run as the note names it: "SEED = 123", "attempt 1 (seed 456, NAND)"."""
    if attempt == 0:
        return f"SEED = {seed}" + (f" ({family})" if family else "")
    return f"attempt {attempt} (seed {seed}" + (f", {family})" if family else ")")


def _recorded(rubric, data, explained):
    """The recorded network in one line: its family, whether and whence it learned XOR."""
    family, runs = data["family"], data["runs"]
    on = ", ".join(r["pattern"] for r in explained.rows if r["h"] > 0.5) or "no pattern"
    if data["learned"]:
        did = f"learned XOR from {_at(data['attempt'], data['seed'])}"
        before = [_at(r["attempt"], r["seed"], r["family"]) for r in runs[:-1]]
        did += f"; {' and '.join(before)} did not" if before else ""
    else:
        did = "did NOT learn XOR from " + ", ".join(_at(r["attempt"], r["seed"]) for r in runs)
        did += (
            "; the further attempts were not replayed (the run left a correct one's path)"
            if data["attempts_skipped"]
            else ""
        )
    return f"Recorded: {family} (h on for {on}); the network {did}."


def _table(data, explained):
    """The recorded network's net_y per pattern and its parameters, with their signs."""
    table = ", ".join(
        f"{r['pattern']} {_short(r['net_y'])} {'on' if r['net_y'] > 0 else 'off'}"
        + ("" if abs(r["yhat"] - r["target"]) < 0.5 else " (WRONG)")
        for r in explained.rows
    )
    hs = ", ".join(f"{r['h']:.2f}" for r in explained.rows)
    params = "; ".join(
        f"{k} = " + ", ".join(_short(v) for v in vs) for k, vs in explained.params.items()
    )
    signs = {None: "", True: ", the rubric's", False: ", NOT the rubric's"}[data["usual_signs"]]
    return [
        f"net_y: {table} (h {hs}); {len(data['right'])} of 4 right.",
        f"Parameters: {params} (signs of w0 w1 w2 b1: {_signs(data['signs'])}{signs}).",
    ]


def _against(data):
    """Where the answer's text can be checked against the recording: pointers, not a score."""
    from byhand.explain import FAMILIES

    checks, family = data["answer"], data["family"]
    seeds = [_at(a, data["runs"][a]["seed"]) for a in checks["seeds_named"]]
    seeds += [
        f"{s} (the model answer's)" if s == NO_STUDENT_SEED else f"{s} (not recorded)"
        for s in checks["seeds_other"]
    ]
    named = checks["families_named"]
    also = [n for n in named if n != family]
    parts = [
        f"seed named: {', '.join(seeds) or 'none'}",
        f"names {family}: {'yes' if family in named else 'no'}"
        + (f" (also {', '.join(also)})" if also else "")
        if family in FAMILIES.values()
        else f"families named: {', '.join(named) or 'none'}",
    ]
    if family is not None:
        quoted = checks["parameters_quoted"]
        parts.append(f"parameters as recorded: {', '.join(quoted) or 'none'}")
        parts.append(
            f"{checks['as_recorded']} of its {checks['quoted']} decimals as recorded"
            if checks["quoted"]
            else "no decimals"
        )
        others, model = checks["not_recorded"], checks["model_answer_numbers"]
        if model:
            parts.append(
                f"{len(others)} not, {len(model)} of them the model answer's: "
                + ", ".join(model[:5])
            )
        elif others:
            parts.append("not recorded: " + ", ".join(others[:5]))
    if data["runs"] and not data["runs"][0]["learned"]:
        parts.append(f"says a run did not learn: {'yes' if checks['says_not_learned'] else 'no'}")
    return ["Answer (pointers, not a score): " + "; ".join(parts) + "."]


def _signs(signs):
    return " ".join("−" if s == "-" else "+" for s in signs)


def _short(v):
    """A number as the note prints it: two decimals, two digits near 0."""
    return (f"{v:.2f}" if abs(v) >= 0.05 or v == 0 else f"{v:.2g}").replace("-", "−")


def student_comment(auto_comment):
    """What the student's feedback shows of an automatic comment: the grader's note is for
    the person grading, so only what nbgrader itself wrote before it ("No response.")."""
    if auto_comment is None or NOTE_HEAD not in auto_comment:
        return auto_comment
    return auto_comment.split(NOTE_HEAD, 1)[0].strip() or None


# -- the class report --------------------------------------------------------------------


def given_points(gb, assignment, grade_id):
    """``{student: points given by hand, or None}`` of a hand-graded cell, from an open
    nbgrader ``Gradebook``: its ``manual_score``, which only a person writes."""
    given = {}
    for sub in gb.find_assignment(assignment).submissions:
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.name == grade_id:
                    given[sub.student.id] = grade.manual_score
    return given


def agreement(results, given):
    """How often the points given by hand agree with the grader's suggestion.

    ``results``: ``StudentResult``s (their ``problem5``, from the results file);
    ``given``: ``{student: points given by hand, or None}`` of the same cell
    (``given_points``).  Only students with a suggestion count (an answer without one is
    the grader's alone to score), and of them only those given points.  Returns
    ``{"suggested": how many have a suggestion, "graded": how many of them were given
    points, "agree": how many of those got the suggested points, "share": agree / graded
    (None when nobody was graded), "disagree": [(student, suggested, given)]}``.
    """
    suggested = [
        (r.student, r.problem5["suggested"])
        for r in results
        if (r.problem5 or {}).get("suggested") is not None
    ]
    graded = [(s, p, given[s]) for s, p in suggested if given.get(s) is not None]
    disagree = sorted((s, p, g) for s, p, g in graded if not math.isclose(p, g, abs_tol=1e-9))
    agree = len(graded) - len(disagree)
    return {
        "suggested": len(suggested),
        "graded": len(graded),
        "agree": agree,
        "share": agree / len(graded) if graded else None,
        "disagree": disagree,
    }
