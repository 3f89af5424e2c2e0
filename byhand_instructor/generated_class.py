"""A generated class: N students with a known mix of right answers and catalogued mistakes.

What it is for: checking the class report against a class whose mistakes are known before
it is graded.  Each student is one *kind* drawn from the assignment's scenarios module
(``generated_kinds()`` of ``grader_tests/<a>/<scenarios>.py``: for Part B, the sample
class's scenarios and the hidden checks' bug variants), a notebook made from the source's
solution exactly as that kind says, and the kind declares the catalogue codes, per
problem, its graded record must carry.  The expected counts come from those declarations
alone, never from the catalogue's detection code, so a report whose counts equal the mix's
has counted what the students did.

The mix is seeded and in plain sight (``mix``): every kind once, then draws, a share of
them the correct answer, as a class has more right answers than any one mistake; the
students get anonymous ids (``s001``, ``s002``, ...) in a shuffled order, so an id says
nothing of its kind.  ``tests/byhand_instructor/test_generated_class.py`` grades a small
one and ``benchmarks/report_speed.py`` a class of 300; both compare the report's
``mistakes.csv`` with the mix (``mismatches``).
"""

import csv
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from byhand_grader.assignment import load_assignment

from .sample_class import solved_release, TIMESTAMP

#: The kind that is the correct answer, in every scenarios module with generated kinds.
CORRECT = "scenario:correct"
#: The share of the draws after every kind's first student that are the correct answer.
CORRECT_SHARE = 0.4


@dataclass(frozen=True)
class Student:
    """One generated student: the kind of their notebook and the codes it must get."""

    kind: str
    codes: dict  #: problem column -> frozenset of catalogue codes (empty: nothing lost)


def kinds(course, assignment):
    """``{kind: (make, {problem: codes})}`` of ``assignment`` (its scenarios module's
    ``generated_kinds()``); ``ValueError`` when it has none."""
    desc = load_assignment(course, assignment)
    module = desc.module(desc.scenarios) if desc.scenarios else None
    if module is None or not hasattr(module, "generated_kinds"):
        raise ValueError(f"{assignment} has no generated kinds (grader_tests/{assignment}/)")
    return module.generated_kinds()


def mix(course, assignment, n, seed=0):
    """``{student id: Student}`` of a class of ``n``: every kind once (while ``n`` lasts),
    then draws with ``random.Random(seed)``, each the correct answer with probability
    ``CORRECT_SHARE``, else any other kind alike; ids ``s001``... in a shuffled order."""
    made = kinds(course, assignment)
    rng = random.Random(seed)
    names = list(made)
    others = [k for k in names if k != CORRECT]
    drawn = names[:n] + [
        CORRECT if rng.random() < CORRECT_SHARE else rng.choice(others)
        for _ in range(n - len(names))
    ]
    rng.shuffle(drawn)
    width = max(3, len(str(n)))
    return {
        f"s{i + 1:0{width}d}": Student(
            kind, {p: frozenset(codes) for p, codes in made[kind][1].items() if codes}
        )
        for i, kind in enumerate(drawn)
    }


def write_generated_class(course, assignment, n, seed=0, folder=None):
    """Write a generated class of ``n`` into ``<folder>/submitted/<student>/<assignment>/``
    (``folder``: the course's own folder unless given); return its ``mix``.  A student
    folder already there is replaced."""
    students = mix(course, assignment, n, seed)
    made = kinds(course, assignment)
    solved = nbformat.writes(solved_release(course, assignment))
    release = nbformat.writes(nbformat.read(course.release_notebook(assignment), as_version=4))
    out = Path(folder or course.root) / "submitted"
    for student, s in students.items():
        where = out / student / assignment
        if where.exists():
            shutil.rmtree(where)
        where.mkdir(parents=True)
        nb = made[s.kind][0](nbformat.reads(solved, 4), nbformat.reads(release, 4))
        filename, text = (
            nb if isinstance(nb, tuple) else (f"{assignment}.ipynb", nbformat.writes(nb) + "\n")
        )
        (where / filename).write_text(text, encoding="utf-8")
        (where / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")
    return students


def expected_mistakes(students):
    """``{code: {problem: sorted students}}`` that a report of the class must count."""
    out = {}
    for student, s in sorted(students.items()):
        for problem, codes in s.codes.items():
            for code in codes:
                out.setdefault(code, {}).setdefault(problem, []).append(student)
    return out


def read_mistakes_csv(path):
    """``{code: (students, {problem: count}, [who])}`` of a class report's ``mistakes.csv``,
    read as a spreadsheet reads it: by its column names."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            where = {}
            for part in filter(None, row["where"].split("; ")):
                problem, count = part.rsplit(": ", 1)
                where[problem] = int(count)
            out[row["code"]] = (
                int(row["students"]),
                where,
                [s for s in row["who"].split("; ") if s],
            )
    return out


def mismatches(students, mistakes_csv):
    """What the report's ``mistakes.csv`` (``read_mistakes_csv``) counts otherwise than the
    mix ``students`` declares, one sentence per code; empty when they agree exactly: for
    every code, how many students, where (per problem), and who."""
    expected = expected_mistakes(students)
    out = []
    for code in sorted(set(expected) | set(mistakes_csv)):
        where = expected.get(code, {})
        who = sorted({s for names in where.values() for s in names})
        want = (len(who), {p: len(names) for p, names in where.items()}, who)
        got = mistakes_csv.get(code, (0, {}, []))
        if (got[0], got[1], sorted(got[2])) != want:
            out.append(
                f"{code}: the mix has {want[0]} ({want[1]}; {', '.join(want[2]) or 'nobody'}), "
                f"the report {got[0]} ({got[1]}; {', '.join(got[2]) or 'nobody'})"
            )
    return out
