"""Find autograd in the source of the functions that must compute gradients by hand.

The trusted half of the autograd check: it reads the answer cells' text in the
grader's process and never runs it.  The other half watches the functions while
they run (``byhand_grader.harness``); either one is evidence.  Only what a graded
function's body does counts, together with the helpers it uses (defined in the
same cells, followed by name): comments, docstrings and code outside the graded
functions (a visible comparison with autograd at a cell's top level) do not.

``scan(cells, functions)`` returns ``{function name: evidence}`` for the functions
with a finding, the evidence naming the cell, the line and the construct:
``"answer cell 'p1_logistic_grads_answer', line 4: torch.autograd.grad"``.
"""

import ast

#: torch.func / functorch transforms that differentiate (``functional_call``, ``vmap`` do not).
TRANSFORMS = frozenset(
    {"grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize"}
)
#: Calls or context managers that turn gradient recording on.
GRAD_MODE = frozenset({"enable_grad", "set_grad_enabled", "_set_grad_enabled", "inference_mode"})
#: The given helpers that compute gradients by autograd.
HELPERS = frozenset({"autograd_grads", "compare_with_autograd", "assert_grads_match"})


def scan(cells, functions):
    """``{name: evidence}`` for each of ``functions`` whose body (or a helper's) uses autograd.

    ``cells``: ``[{"label", "source"}]`` in notebook order; a cell that does not
    parse is skipped.  A name defined more than once counts in its last definition,
    as when the notebook runs top to bottom.
    """
    parsed = []
    for cell in cells:
        try:
            parsed.append((cell["label"], ast.parse(cell["source"])))
        except (SyntaxError, ValueError):
            continue
    aliases, defs = {}, {}
    for label, tree in parsed:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                aliases.update(_imported(node))
        for node in _top_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs[node.name] = (label, node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        defs[target.id] = (label, node.value)
    found = {}
    for name in functions:
        evidence = _search(name, defs, aliases, [], set())
        if evidence:
            found[name] = evidence
    return found


def _top_level(body):
    """Statements run at a cell's top level (inside if/try/with/for too, not inside defs)."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _top_level(getattr(node, field, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from _top_level(handler.body)


def _imported(node):
    """``{local name: dotted name}`` bound by one import statement."""
    out = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                out[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                out[top] = top
    elif node.module and not node.level:
        for alias in node.names:
            out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _search(name, defs, aliases, path, seen):
    """The first finding in ``name``'s definition or in a helper it uses, or None."""
    if name in seen or name not in defs:
        return None
    seen.add(name)
    label, node = defs[name]
    for line, construct in _findings(node, aliases):
        via = f" (in {name}, used by {' -> '.join(path)})" if path else ""
        return f"{label}, line {line}: {construct}{via}"
    for used in _names_used(node):
        evidence = _search(used, defs, aliases, path + [name], seen)
        if evidence:
            return evidence
    return None


def _body_nodes(node):
    """Every node of a definition's body, in source order, without its docstring."""
    if isinstance(node, ast.Lambda):
        return list(ast.walk(node.body))
    body = list(node.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    nodes = [n for stmt in body for n in ast.walk(stmt)]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        nodes += [n for d in node.args.defaults + node.args.kw_defaults if d for n in ast.walk(d)]
        nodes += [n for d in node.decorator_list for n in ast.walk(d)]
    return sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _names_used(node):
    """Plain names a definition reads, in source order (candidates for helpers)."""
    names = []
    for n in _body_nodes(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in names:
            names.append(n.id)
    return names


def _dotted(node, aliases):
    """``torch.autograd.grad`` for an attribute chain or a name, imports resolved; else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _findings(node, aliases):
    """``(line, construct)`` for each use of autograd in a definition's body, in source order."""
    nodes = _body_nodes(node)
    inner = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}  # report a chain once
    calls = {id(n.func): n for n in nodes if isinstance(n, ast.Call)}
    for n in nodes:
        line = getattr(n, "lineno", 0)
        if isinstance(n, ast.Call):
            if (
                isinstance(n.func, ast.Attribute)
                and n.func.attr == "requires_grad_"
                and not _literal(_first_arg(n, "requires_grad"), False)
            ):
                yield line, ".requires_grad_()"
            for k in n.keywords:
                if k.arg == "requires_grad" and not _literal(k.value, False):
                    yield line, "requires_grad=True"
        elif isinstance(n, ast.Assign):
            if any(
                isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in n.targets
            ) and not _literal(n.value, False):
                yield line, "requires_grad = True"
        elif isinstance(n, ast.Attribute) and n.attr == "backward" and isinstance(n.ctx, ast.Load):
            yield line, ".backward()"
        elif (
            isinstance(n, (ast.Attribute, ast.Name))
            and id(n) not in inner
            and isinstance(n.ctx, ast.Load)
        ):
            dotted = _dotted(n, aliases)
            construct = _construct(dotted) if dotted else None
            if construct and not _harmless(dotted, calls.get(id(n))):
                yield line, construct


def _construct(dotted):
    """What a dotted name is, when it is autograd; else None."""
    parts = dotted.split(".")
    last = parts[-1]
    if last == "no_grad":
        return None
    if dotted == "torch.autograd" or dotted.startswith(("torch.autograd.", "autograd.")):
        return dotted
    if dotted.startswith(("torch.func.", "functorch.", "torch._functorch.")) and last in TRANSFORMS:
        return dotted
    if last in GRAD_MODE:
        return dotted
    if last in HELPERS:
        return last
    return None


def _harmless(dotted, call):
    """``inference_mode()`` or ``(True)``, ``set_grad_enabled(False)``: grad mode stays off."""
    last = dotted.split(".")[-1]
    if call is None:
        return False
    if last == "inference_mode":
        arg = _first_arg(call, "mode")
        return arg is None or _literal(arg, True)
    if last in ("set_grad_enabled", "_set_grad_enabled"):
        return _literal(_first_arg(call, "mode"), False)
    return False


def _first_arg(call, keyword):
    """The first positional argument of ``call``, or its ``keyword`` argument, or None."""
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _literal(node, value):
    """Is ``node`` the constant ``value`` (False also matches 0, True matches 1)?"""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (bool, int))
        and bool(node.value) is value
    )
