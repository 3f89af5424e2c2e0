"""Do the packages, and the rooms inside the grader, depend one way only, with no circle?

``byhand`` is what students install, so it must import neither of the others;
the grader must not reach up into the instructor's tools.  Inside the grader,
what runs in the sandbox (``harness/``) imports only the given package and its
own modules, and what confines it (``sandbox/``) nothing of the grader outside
itself; the walk of one submission (intake, nbgrader, harness, judge, annotate,
record) never goes back up to the platforms or nbgrader's plugins that call it.
Read from the syntax tree of every module (imports inside functions count too),
and checked once more by importing every given module in a fresh interpreter.
"""

import ast
import subprocess
import sys

import pytest

from .repo import REPO

PACKAGES = ("byhand", "byhand_grader", "byhand_instructor")

#: The rooms: each package, and inside the grader the walk of one submission
#: (``byhand_grader``: its top-level modules) and the packages beside it.  A
#: module belongs to the longest room its name falls under.  Two modules of the
#: harness are rooms of their own, because the trusted side reads them: the wire
#: protocol (torch-free, for the runner) and the one registry of call kinds (for
#: the assignment's description, the judge and annotate).
GRADER_ROOMS = (
    "byhand_grader",
    "byhand_grader.harness",
    "byhand_grader.harness.protocol",
    "byhand_grader.harness.calls",
    "byhand_grader.sandbox",
    "byhand_grader.platforms",
    "byhand_grader.nbgrader_plugins",
)

#: Each room and the other rooms it may import (its own modules it always may).
RULES = {
    "byhand": set(),
    "byhand_grader.harness.protocol": set(),
    "byhand_grader.harness": {
        "byhand",
        "byhand_grader.harness.protocol",
        "byhand_grader.harness.calls",
    },
    "byhand_grader.harness.calls": {"byhand", "byhand_grader.harness"},
    "byhand_grader.sandbox": {"byhand"},
    "byhand_grader": {
        "byhand",
        "byhand_grader.harness.protocol",
        "byhand_grader.harness.calls",
        "byhand_grader.sandbox",
    },
    "byhand_grader.nbgrader_plugins": {"byhand", "byhand_grader"},
    "byhand_grader.platforms": {
        "byhand",
        "byhand_grader",
        "byhand_grader.harness.protocol",
        "byhand_grader.sandbox",
        "byhand_grader.nbgrader_plugins",
    },
    "byhand_instructor": {"byhand", *GRADER_ROOMS},
}
ROOMS = sorted(RULES, key=len, reverse=True)


def module_name(path, root=REPO):
    """``byhand_grader/harness/calls.py`` -> ``byhand_grader.harness.calls`` (a package: its folder)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(p): p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))
}


def room(name):
    """The room a module belongs to: the longest rule prefix it falls under."""
    return next(r for r in ROOMS if name == r or name.startswith(r + "."))


def resolve(name, known):
    """The first-party module an import of ``name`` loads: itself, or the nearest package above it."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imported_modules(path, known=None, root=REPO):
    """The first-party modules a module imports (``from x import y``: ``x.y`` where that is a module, else ``x``)."""
    known = MODULES if known is None else known
    me = module_name(path, root)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names |= {
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            }
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return {resolve(n, known) for n in names if n.split(".")[0] in PACKAGES} - {me, None}


def wrong_imports(name, imports):
    """The imports of module ``name`` that its room's rule does not allow."""
    mine = room(name)
    return sorted(m for m in imports if room(m) != mine and room(m) not in RULES[mine])


GRAPH = {name: imported_modules(path) for name, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_module_imports_only_below_itself(module):
    """Does this module import only rooms at or below its own?"""
    wrong = wrong_imports(module, GRAPH[module])
    assert not wrong, (
        f"{module} (room {room(module)}) imports {wrong}; that room may import "
        f"{sorted(RULES[room(module)])} and itself"
    )


def cycles(graph):
    """Every strongly connected component of more than one module (Tarjan), as sorted lists."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_two_modules_import_each_other():
    """Is the import graph free of circles (function-level imports included)?"""
    assert cycles(GRAPH) == [], "modules that import each other, directly or around a circle"


def test_cycle_check_can_fail():
    """Would a circle of two or three modules be found (the test can fail)?"""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_scan_sees_every_kind_of_import(tmp_path):
    """Would the scan and the rules catch a wrong import in any of its spellings (the test can fail)?"""
    harness = tmp_path / "byhand_grader" / "harness"
    (tmp_path / "byhand_grader" / "sandbox").mkdir(parents=True)
    harness.mkdir()
    known = {**MODULES}
    spellings = [
        "import byhand_grader.judge",
        "from byhand_instructor.cli import main",
        "def f():\n    from byhand_grader import judge",
        "import importlib\nimportlib.import_module('byhand_grader.judge')",
        "from ..sandbox import confinement",
        "from .. import runner",
    ]
    for n, code in enumerate(spellings):
        path = harness / f"probe_{n}.py"
        path.write_text(code + "\n")
        imports = imported_modules(path, known, tmp_path)
        assert wrong_imports(module_name(path, tmp_path), imports), (code, imports)
    path = tmp_path / "byhand_grader" / "sandbox" / "probe_ok.py"
    path.write_text("from . import slots\nimport torch\n")
    assert imported_modules(path, known, tmp_path) == {"byhand_grader.sandbox.slots"}
    assert not wrong_imports("byhand_grader.sandbox.probe_ok", {"byhand_grader.sandbox.slots"})


def test_given_modules_load_nothing_of_the_grader_or_the_instructor():
    """Importing every module of byhand in a fresh interpreter: is neither other package loaded?"""
    names = sorted(
        f"byhand.{p.stem}" for p in (REPO / "byhand").glob("*.py") if p.stem != "__init__"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n    importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        f"set({sorted(PACKAGES)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['byhand']"
