"""Does a piece of code hold an answer?  The scans behind every "no answer here" test.

The scan reads the code's syntax tree, so layout, parentheses, 1 vs 1.0,
operand order and names do not matter, and docstrings and comments (where
the maths may be stated) are not code.  String constants that parse as
Python (code held in a string, e.g. for a notebook cell) are scanned too.
Telltales: a product with factors g and (1 - g) (the logistic derivative,
e.g. ``2 * (yhat - y) * yhat * (1 - yhat)``, ``d_y * w2 * h * (1 - h)``),
``g - g*g`` / ``g - g**2`` (the same, expanded), ``1 - g*g`` / ``1 - g**2``
(the tanh derivative) and calls of ``sigmoid_backward`` / ``tanh_backward``.
Not a telltale: ``p (1 - p) / n``, a binomial variance (Wilson intervals).

``student_functions`` names what students write (every function an answer
cell of a source notebook defines), so a test can check that no given code
defines one.
"""

import ast
import re

import nbformat


def _is_one(node):
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == 1


def _key(node):
    return ast.dump(node, annotate_fields=False, include_attributes=False)


def _factors(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _factors(node.left) + _factors(node.right)
    return [node]


def _squared(node):
    """``g`` when ``node`` is ``g ** 2`` or ``g * g``, else None."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Pow)
        and isinstance(node.right, ast.Constant)
        and node.right.value == 2
    ):
        return node.left
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mult)
        and _key(node.left) == _key(node.right)
    ):
        return node.left
    return None


def closed_form_telltales(source, where="<source>"):
    """``(where, line, kind, code)`` for each derivative telltale in ``source``'s code."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
        ):
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstrings.add(id(first.value))
    variances = {
        id(n.left) for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)
    }
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mult)
            and id(node) not in variances
        ):
            factors = _factors(node)
            keys = {_key(f) for f in factors}
            if any(
                isinstance(f, ast.BinOp)
                and isinstance(f.op, ast.Sub)
                and _is_one(f.left)
                and _key(f.right) in keys
                for f in factors
            ):
                found.append((where, line, "g (1 - g)", ast.unparse(node)))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            g = _squared(node.right)
            if g is not None and (_is_one(node.left) or _key(node.left) == _key(g)):
                found.append(
                    (where, line, "1 - g^2" if _is_one(node.left) else "g - g^2", ast.unparse(node))
                )
        if isinstance(node, (ast.Attribute, ast.Name)) and getattr(
            node, "attr", getattr(node, "id", "")
        ) in ("sigmoid_backward", "tanh_backward"):
            found.append((where, line, "activation backward", ast.unparse(node)))
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            try:
                found += closed_form_telltales(node.value.strip(), f"{where}:{line} (in a string)")
            except (SyntaxError, ValueError, RecursionError):
                pass
    unique = {}
    for f in found:  # a chain and its sub-chains are one finding
        unique.setdefault(f[:3], f)
    return list(unique.values())


def defined_names(source):
    """Functions a module defines at any depth: ``def``, ``class`` and ``name = lambda``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def student_functions(course):
    """``{name: assignment}`` of every function an answer cell of the course defines."""
    found = {}
    for assignment in course.assignments():
        nb = nbformat.read(course.source_notebook(assignment), as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader") or {}
            if cell.cell_type == "code" and meta.get("solution"):
                for node in ast.parse(cell.source).body:
                    if isinstance(node, ast.FunctionDef):
                        found[node.name] = assignment
    return found


#: Maths in prose, squeezed (no spaces, ``*``, ``·``; ``**`` and ``²`` as ``^``, ``−`` as
#: ``-``): ``g`` is a unit's output, alone or applied (``g(net)``).
_G = r"(?P<g>[^\W\d]\w*(?:\([^()]*\))?)"
PROSE_TELLTALES = {
    "g (1 - g)": _G + r"\(1-(?P=g)\)",
    "(1 - g) g": r"\(1-" + _G + r"\)(?P=g)",
    "g - g^2": _G + r"-(?P=g)\^2",
    "1 - g^2": r"1-[^\W\d]\w*(?:\([^()]*\))?\^2|1-[^\W\d]\w*\^2\(",
    "2 (yhat - y)": r"(?<![\w)^.])2\([^\W\d]\w*-[^\W\d]\w*\)",
    "sech^2": r"sech",
}


def prose_formula_telltales(text):
    """The derivative telltales of ``closed_form_telltales``, written as maths in prose, e.g.
    in a hint: ``yhat (1 - yhat)``, ``h(1-h)``, ``1 - tanh^2(net)``, ``1 - yhat²``,
    ``2 (yhat - y)`` (dE/dyhat, every gradient's first factor), ``sech``.  ``(yhat - y)^2``
    (the loss, which the notebook gives) and ``d(net)/d(b)`` are not telltales.
    ``[(kind, the squeezed text matched)]``."""
    squeezed = text.replace("**", "^").replace("²", "^2").replace("−", "-")
    squeezed = "".join(ch for ch in squeezed if ch not in " \t\n*·⋅")
    return [
        (kind, m.group(0))
        for kind, pattern in PROSE_TELLTALES.items()
        for m in re.finditer(pattern, squeezed)
    ]
