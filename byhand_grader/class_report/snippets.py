"""One anonymised snippet of an answer: what a mistake looks like in the class's own code.

The snippet is the source of the answer cell(s) behind a grade cell, taken from the
student's autograded notebook (``autograded/<student>/<a>/<a>.ipynb``, the one nbgrader
and the judge read), with what could name its author removed: comments, docstrings
(the given text, not the student's), and the student's id and names wherever they
appear.  What remains is the code that made the mistake.
"""

import io
import re
import tokenize

import nbformat

#: A snippet longer than this is cut, with the number of lines left out.
MAX_LINES = 24
#: What replaces the student's id or name in a snippet.
ANONYMOUS = "student"


def answer_cells(nb, grade_id):
    """The answer cells (nbgrader solution code cells) behind autograded cell ``grade_id``.

    Those between the grade cell before it and it; where there are none (a check of
    training, below the cells it trains with), the last answer cell above it.  Empty when
    the notebook has no such grade cell.
    """
    found, since_last = [], []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("grade_id") == grade_id and meta.get("grade") and not meta.get("solution"):
            return since_last or found[-1:]
        if cell.cell_type != "code":
            continue
        if meta.get("solution") and not meta.get("grade"):
            found.append(cell)
            since_last.append(cell)
        elif meta.get("grade"):
            since_last = []
    return []


def strip_comments(source):
    """``source`` without comments and docstrings, blank runs collapsed.

    Both are found by Python's tokenizer, so code that does not parse (a syntax error is
    a mistake too) loses them as well: a comment is a comment token (a ``#`` inside a
    string stays); a docstring is a string alone on its lines at the start of a block or
    of the cell.  Where even the tokenizer stops (a bracket never closed), what it found
    before stopping goes, and every whole-line comment after.
    """
    lines = source.splitlines()
    tokens = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            tokens.append(tok)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens.append(None)  # stopped: the rest is read line by line
    cuts, drop = {}, set()
    skip = (tokenize.NL, tokenize.COMMENT)
    significant = [t for t in tokens if t is None or t.type not in skip]
    for i, tok in enumerate(significant):
        if tok is None:
            for row, line in enumerate(lines):
                if line.lstrip().startswith("#"):
                    cuts[row] = min(line.index("#"), cuts.get(row, len(line)))
            break
        before = significant[i - 1] if i else None
        after = significant[i + 1] if i + 1 < len(significant) else None
        if (
            tok.type == tokenize.STRING
            and (before is None or before.type == tokenize.INDENT)
            and after is not None
            and after.type in (tokenize.NEWLINE, tokenize.ENDMARKER)
        ):
            drop.update(range(tok.start[0] - 1, tok.end[0]))
    for tok in tokens:
        if tok is not None and tok.type == tokenize.COMMENT:
            row, col = tok.start
            cuts[row - 1] = min(col, cuts.get(row - 1, col))
    out = []
    for i, line in enumerate(lines):
        if i in drop:
            continue
        if i in cuts:
            line = line[: cuts[i]].rstrip()
            if not line.strip():
                continue
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def anonymise(source, names):
    """``source`` without comments or docstrings, every one of ``names`` (the student's id,
    first and last name) replaced by ``ANONYMOUS``, case-insensitively, and cut at
    ``MAX_LINES``."""
    text = strip_comments(source)
    for name in sorted({n for n in names if n and len(n.strip()) > 1}, key=len, reverse=True):
        text = re.sub(re.escape(name.strip()), ANONYMOUS, text, flags=re.IGNORECASE)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"... ({len(lines) - MAX_LINES} more lines)"]
    return "\n".join(lines)


def snippet(notebook_path, grade_id, names):
    """The anonymised answer behind ``grade_id`` in one autograded notebook, or None
    (no notebook, no answer cell, or nothing left once comments are gone)."""
    try:
        nb = nbformat.read(notebook_path, as_version=4)
    except (OSError, ValueError):
        return None
    text = "\n\n".join(
        s for s in (anonymise(c.source, names) for c in answer_cells(nb, grade_id)) if s.strip()
    )
    return text or None
