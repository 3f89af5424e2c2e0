"""The class report as one HTML page: readable offline, first screen "what to re-teach".

One file: its style is inline, its charts are ``data:`` images (``charts``), it loads
nothing.  Semantic HTML, for screen readers and axe-core: one ``h1``, a heading per
section, tables with a caption and ``th`` scopes, every image with alt text stating its
numbers, a ``lang``; colours of at least 7:1 contrast on white.  The order is the one an
instructor acts in: the class's mistakes first, then the checks that may be at fault, a
regrade's impact, the distributions, statuses and flags, Problem 5.
"""

from html import escape

from . import statistics
from .charts import alt_text, bar_chart
from .problem5 import NOT_RECORDED

#: Above this many names a list of students folds into a disclosure (a class of 300).
FOLD_NAMES = 12
#: A flag's details are cut here on the page (the CSV has them whole).
DETAILS_WIDTH = 140

#: What each flag of ``StudentResult.flags`` means, for the flags table.
FLAG_MEANINGS = {
    "autograd": "autograd used where the answer must be by hand (the functions named)",
    "monkeypatch": "changed given code or library functions (the names rebound)",
    "filesystem": "looked for files outside its folder (the paths tried)",
    "fork": "started processes (how many)",
    "limits": "hit a limit of the sandbox (time, memory, output)",
    "edited grade cells": "edited locked grade cells, restored before grading",
    "deleted grade cells": "deleted grade cells, restored before grading",
    "confinement": "graded under a weaker sandbox than bubblewrap",
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
  background: #fff; margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #1f4e79; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
a { color: #0b4a8b; }
.meta, .note { color: #4a4a4a; font-size: .9rem; font-weight: normal; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #b8b8b8; padding: .3rem .5rem; vertical-align: top; text-align: left; }
thead th { background: #e8eef5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-size: .85em; background: #f2f2f2; padding: 0 .2em; }
pre { margin: 0; font-size: .78rem; background: #f5f5f5; border: 1px solid #d0d0d0; padding: .35rem .5rem;
  white-space: pre-wrap; overflow-wrap: anywhere; }
td.snippet { min-width: 26rem; }
th.mistake { min-width: 14rem; }
.warn { color: #8a1c1c; background: #fff3f3; }
td.warn ul, .glance ul { margin: 0; padding-left: 1.1rem; }
.ok { color: #1d5b2a; }
.glance { background: #f3f6fa; border: 1px solid #c9d6e4; padding: .6rem 1rem; }
.glance ul { padding-left: 1.2rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #d0d0d0; padding: .5rem; }
figure img { width: 100%; height: auto; }
figcaption { font-size: .85rem; }
details summary { cursor: pointer; color: #0b4a8b; }
.name { white-space: nowrap; }
"""


def _e(text):
    return escape(str(text), quote=True)


def _n(x):
    return f"{x:g}"


def _when(iso):
    """An ISO time as a reader says it: ``2026-12-06 06:55 UTC`` (as given if unreadable)."""
    import datetime

    try:
        t = datetime.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if t.utcoffset() is not None:
        return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return t.strftime("%Y-%m-%d %H:%M")


def _pct(share):
    return f"{100 * share:.0f}%"


def _students(n):
    """``1 student``, ``3 students``."""
    return f"{n} student{'' if n == 1 else 's'}"


def _names(students):
    """A list of names, each kept on one line, folded into a disclosure when long."""
    if not students:
        return "—"
    text = ", ".join(f'<span class="name">{_e(s)}</span>' for s in students)
    if len(students) <= FOLD_NAMES:
        return text
    return f"<details><summary>{_students(len(students))}</summary>{text}</details>"


def _table(caption, head, rows, num=()):
    """A table with a caption, column headers and, in each row, the first cell as its header."""
    out = [f"<table><caption>{caption}</caption><thead><tr>"]
    out += [
        f'<th scope="col"{" class=num" if i in num else ""}>{h}</th>' for i, h in enumerate(head)
    ]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            klass = ""
            if isinstance(cell, tuple):  # (html, class)
                cell, klass = cell
            if i in num:
                klass = f"{klass} num".strip()
            attr = f' class="{klass}"' if klass else ""
            cells.append(
                f'<th scope="row"{attr}>{cell}</th>' if i == 0 else f"<td{attr}>{cell}</td>"
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _section(sid, title, body):
    return f'<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">{title}</h2>{body}</section>'


# -- sections ------------------------------------------------------------------------------


def glance(report):
    n = len(report.students)
    items = []
    made = [m for m in report.mistakes if m.count]
    if made:
        top = made[0]
        items.append(
            f'<a href="#mistakes">Most common mistake</a>: {_e(top.name)}: {top.count} of {n} '
            f"students ({_pct(top.share)})"
            + (f"; then {_e(made[1].name)} ({made[1].count})" if len(made) > 1 else "")
            + "."
        )
    else:
        items.append('<a href="#mistakes">Mistakes</a>: no failed check in this class.')
    sick = [c for c in report.checks if c.health]
    judged = [c for c in report.checks if c.students >= statistics.MIN_STUDENTS]
    if sick:
        health = (
            f'<span class="warn">{len(sick)} of {len(report.checks)} checks need a look</span>.'
        )
    elif judged:
        health = f"no warning on {len(judged)} checks."
    else:
        health = f"not judged: fewer than {statistics.MIN_STUDENTS} students ran the checks."
    items.append(f'<a href="#checks">Check health</a>: {health}')
    if report.data.regrade is not None:
        moved = {r.student for r in report.data.regrade if r.final_changed}
        items.append(
            f'<a href="#regrade">Regrade</a>: {_students(len(moved))} with a new final score.'
        )
    counts = ", ".join(f"{len(v)} {k}" for k, v in report.statuses.items() if v)
    flagged = len({s for s, _, _ in report.flags})
    items.append(f'<a href="#statuses">Statuses</a>: {counts or "no student"}; {flagged} flagged.')
    p5 = report.problem5
    if p5.applies and p5.column:
        items.append(
            f'<a href="#problem5">Problem 5</a>: {len(p5.graded)} graded by hand, '
            f"{len(p5.pending)} pending."
        )
    return '<div class="glance"><ul>' + "".join(f"<li>{i}</li>" for i in items) + "</ul></div>"


def mistakes_section(report):
    n = len(report.students)
    made = [m for m in report.mistakes if m.count]
    rows = []
    for m in made:
        name = f"{_e(m.name)}<br><code>{_e(m.code)}</code>"
        if m.hint:
            name += f"<details><summary>hint students get</summary>{_e(m.hint)}</details>"
        where = ", ".join(f"{_e(c)}: {k}" for c, k in m.where.items())
        code = (
            f"<pre>{_e(m.snippet)}</pre>"
            if m.snippet
            else '<span class="note">no answer cell to show</span>'
        )
        rows.append(
            [
                (name, "mistake"),
                m.count,
                _pct(m.share),
                where,
                _names(m.students),
                (code, "snippet"),
            ]
        )
    body = (
        f'<p class="note">Each code counts a student once, out of the {n} graded submissions; '
        "<em>where</em> counts students per problem. The answer shown is one student's, "
        "without comments, docstrings, id or name. <code>other</code>: a failed check no "
        "catalogue entry explains.</p>"
    )
    body += (
        _table(
            "Mistakes, most students first",
            ["Mistake", "Students", "Share", "Where", "Who", "An answer that made it"],
            rows,
            num=(1, 2),
        )
        if rows
        else "<p>No student failed a check.</p>"
    )
    unmade = [m for m in report.mistakes if not m.count]
    if unmade:
        body += (
            f"<details><summary>{len(unmade)} catalogued mistakes nobody made</summary><ul>"
            + "".join(f"<li>{_e(m.name)} (<code>{_e(m.code)}</code>)</li>" for m in unmade)
            + "</ul></details>"
        )
    return _section("mistakes", "What to re-teach: the class's mistakes", body)


def thresholds():
    s = statistics
    return (
        '<p class="note">Difficulty: the share of the students whose checks ran that pass it. '
        "Discrimination: the correlation between passing it and the rest of the automatic "
        "total (without the check's own points); higher is better. Warnings, from "
        f"{s.MIN_STUDENTS} students on: passed by {_pct(s.NEARLY_ALL_FAIL)} or fewer; "
        f"passed by {_pct(s.NEARLY_ALL_PASS)} or more, and as often by the students who pass "
        f"at most {_pct(s.FAILING_OTHERS)} of its grade cell's other checks; discrimination "
        f"below {s.LOW_DISCRIMINATION:+.2f}.</p>"
    )


def checks_section(report):
    rows = []
    for c in report.checks:
        disc = f"{c.discrimination:+.2f}" if c.discrimination is not None else _e(c.undefined)
        if c.health:
            verdict = ("<ul>" + "".join(f"<li>{_e(w)}</li>" for w in c.health) + "</ul>", "warn")
        elif c.students < statistics.MIN_STUDENTS:
            verdict = f"too few students ({c.students}) to judge"
        else:
            verdict = ('<span class="ok">no warning</span>', "")
        rows.append(
            [
                f"<code>{_e(c.name)}</code><br><span class=note>{_e(c.grade_id)}</span>",
                c.students,
                _pct(c.difficulty) if c.difficulty is not None else "—",
                disc,
                verdict,
            ]
        )
    rows.sort(key=lambda row: not isinstance(row[4], tuple) or row[4][1] != "warn")
    body = thresholds() + _table(
        "Each hidden check: warnings first, then in the assignment's order",
        ["Check (grade cell)", "Students", "Passed", "Discrimination", "Health"],
        rows,
        num=(1, 2),
    )
    return _section("checks", "Check health", body)


def _change(row):
    """How far a regrade moved one grade cell (a cell new or gone counts from or to 0)."""
    return (row.new_score or 0) - (row.old_score or 0)


def regrade_section(report):
    rows = report.data.regrade
    totals = {r.student: (r.old_auto_score, r.new_auto_score) for r in rows if r.final_changed}
    up = sorted(s for s, (old, new) in totals.items() if (new or 0) > (old or 0))
    down = sorted(s for s, (old, new) in totals.items() if (new or 0) < (old or 0))
    verdicts_only = sorted({r.student for r in rows} - set(totals))
    body = (
        f"<p>The last run against the one before it ({_e(_when(rows[0].old_graded_at))}, "
        f"hidden checks <code>{_e(rows[0].old_tests_digest)}</code>): "
        if rows
        else "<p>"
    )
    body += (
        f"{_students(len(totals))} with a new final score ({len(up)} up, {len(down)} down)"
        f"; {_students(len(verdicts_only))} with a new verdict only. Points given by hand "
        "never change in a regrade.</p>"
    )
    moved = sorted(rows, key=lambda r: (-abs(_change(r)), r.student, r.grade_cell))
    table = [
        [
            _e(r.student),
            _e(r.grade_cell),
            "—" if r.old_score is None else _n(r.old_score),
            "—" if r.new_score is None else _n(r.new_score),
            f"{_change(r):+g}",
            _e(r.old_verdict),
            _e(r.new_verdict),
        ]
        for r in moved
    ]
    body += (
        _table(
            "What the regrade changed, per grade cell, largest moves first",
            ["Student", "Grade cell", "Old", "New", "Change", "Verdict before", "Verdict after"],
            table,
            num=(2, 3, 4),
        )
        if rows
        else "<p>The last run changed no score and no verdict.</p>"
    )
    return _section("regrade", "Regrade: who moved", body)


def distributions_section(report):
    figures = []
    for d in report.distributions:
        what = {
            "problem": "problem",
            "grade cell": "grade cell",
            "hand-graded problem": "graded by hand",
        }[d.kind]
        caption = f"<strong>{_e(d.part)}</strong>"
        if d.title != d.part:
            caption += f": {_e(d.title)}"
        caption += f" ({what}, {_n(d.points)} points; {d.students} students"
        caption += f", {d.pending} not graded yet)" if d.pending else ")"
        if d.kind == "problem" and len(d.cells) == 1:
            caption += f"<br><span class=note>grade cell {_e(d.cells[0])}</span>"
        img = (
            f'<img src="{bar_chart(d)}" alt="{_e(alt_text(d))}">'
            if d.counts
            else f'<p class="note">{_e(alt_text(d))}</p>'
        )
        figures.append(f"<figure>{img}<figcaption>{caption}</figcaption></figure>")
    body = (
        '<p class="note">Students per score, for each problem and, where a problem has '
        "several, each of its grade cells. Missing submissions are left out; an unreadable "
        "one counts at the 0 the gradebook holds.</p>"
        f'<div class="figures">{"".join(figures)}</div>'
    )
    return _section("distributions", "Score distributions", body)


def statuses_section(report):
    rows = [
        [_e(status), len(students), _names(students)]
        for status, students in report.statuses.items()
    ]
    body = _table("Students by status", ["Status", "Students", "Who"], rows, num=(1,))
    if report.reasons:
        body += _table(
            "Why, for the students not plainly graded",
            ["Student", "Status", "Reason"],
            [
                [
                    _e(s),
                    _e(next(st for st, who in report.statuses.items() if s in who)),
                    _e("; ".join(r)),
                ]
                for s, r in sorted(report.reasons.items())
            ],
        )
    by_flag = {}
    for student, flag, details in report.flags:
        by_flag.setdefault(flag, []).append((student, details))
    if by_flag:
        rows = []
        for flag, who in sorted(by_flag.items()):
            meaning = FLAG_MEANINGS.get(flag)
            head = _e(flag) + (f"<br><span class=note>{_e(meaning)}</span>" if meaning else "")
            listed = "<br>".join(_e(s) + (f": {_e(_cut(d))}" if d else "") for s, d in who)
            rows.append([head, len(who), listed])
        body += _table(
            "Flags: what the students' code did",
            ["Flag", "Students", "Who (details)"],
            rows,
            num=(1,),
        )
    else:
        body += "<p>No student's code was flagged.</p>"
    return _section("statuses", "Statuses and flags", body)


def _cut(text):
    return text if len(text) <= DETAILS_WIDTH else text[: DETAILS_WIDTH - 3] + "..."


def problem5_section(report):
    p5 = report.problem5
    body = ""
    if p5.column:
        body += f"<p>Graded by hand: {len(p5.graded)} graded, {len(p5.pending)} pending.</p>"
        if p5.pending:
            body += f"<div>Pending: {_names(p5.pending)}</div>"
    recorded = len(p5.runs) - len(p5.not_recorded)
    if not recorded:
        body += (
            f"<p>The students' own XOR networks: {NOT_RECORDED} (the last run's results "
            "carry no Problem 5 run).</p>"
        )
    else:
        learned = sum(p5.families.values())
        body += _table(
            f"The solution families the {learned} networks that learned XOR found",
            ["Family of the hidden unit", "Students"],
            [[_e(f), k] for f, k in p5.families.items()],
            num=(1,),
        )
        body += (
            f"<p>Did not learn XOR from their own seed: {_students(len(p5.not_learned))}"
            + (
                f", of whom {len(p5.learned_later)} learned it from a later attempt"
                if p5.not_learned
                else ""
            )
            + ".</p>"
            + (f"<div>Who: {_names(p5.not_learned)}</div>" if p5.not_learned else "")
        )
        if p5.not_recorded:
            body += (
                f"<p>{NOT_RECORDED.capitalize()}: {_students(len(p5.not_recorded))}.</p>"
                f"<div>Who: {_names(p5.not_recorded)}</div>"
            )
    agreement = p5.agreement or {}
    if agreement.get("suggested"):
        body += (
            f"<p>The grader suggested points for {_students(agreement['suggested'])} "
            f"(no answer, or an empty one); {agreement['graded']} of them graded by hand"
            + (
                f", {agreement['agree']} with the suggested points ({_pct(agreement['share'])})"
                if agreement["graded"]
                else ""
            )
            + ".</p>"
        )
        if agreement["disagree"]:
            body += _table(
                "Points given against the grader's suggestion",
                ["Student", "Suggested", "Given"],
                [[_e(s), _n(p), _n(g)] for s, p, g in agreement["disagree"]],
                num=(1, 2),
            )
    return _section("problem5", f"{_e(p5.column or 'Problem 5')}: what the networks learned", body)


def render(report, tables=()):
    """The whole page, as text; ``tables``: the CSV files written beside it."""
    a = report.assignment.name
    header = report.data.header
    meta = [f"{len(report.students)} graded submissions"]
    if header.get("graded_at"):
        meta.append(f"graded {_e(_when(header['graded_at']))}")
    if header.get("tests_digest"):
        meta.append(f"hidden checks <code>{_e(header['tests_digest'])}</code>")
    if tables:
        meta.append(
            "the same figures as CSV: "
            + ", ".join(f'<a href="{_e(t)}">{_e(t)}</a>' for t in tables)
        )
    notes = "".join(f'<p class="warn">{_e(n)}</p>' for n in report.data.notes)
    sections = [mistakes_section(report), checks_section(report)]
    if report.data.regrade is not None:
        sections.append(regrade_section(report))
    sections += [distributions_section(report), statuses_section(report)]
    if report.problem5.applies:
        sections.append(problem5_section(report))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Class report: {_e(a)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>Class report: {_e(a)}</h1>"
        f'<p class="meta">{"; ".join(meta)}.</p>{notes}</header>\n<main>\n'
        + glance(report)
        + "\n"
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )
