"""Do the three packages depend one way only: byhand <- byhand_grader <- byhand_instructor?

``byhand`` is what students install, so it must import neither of the others;
the grader must not reach up into the instructor's tools.  Read from the
syntax tree of every module (imports inside functions count too), and checked
once more by importing every given module in a fresh interpreter.
"""

import ast
import subprocess
import sys

import pytest

from .repo import REPO

#: Each package and the first-party packages it may import.
ALLOWED = {
    "byhand": {"byhand"},
    "byhand_grader": {"byhand", "byhand_grader"},
    "byhand_instructor": {"byhand", "byhand_grader", "byhand_instructor"},
}
FIRST_PARTY = set(ALLOWED)


def imported_packages(path):
    """The top-level packages a module imports (relative imports are its own package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(path.parent.name if node.level else node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                in ("import_module", "__import__") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value.split(".")[0])
    return found & FIRST_PARTY


MODULES = sorted(p.relative_to(REPO) for package in ALLOWED for p in (REPO / package).glob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=str)
def test_module_imports_only_below_itself(module):
    """Does this module import only packages at or below its own role?"""
    package = module.parts[0]
    wrong = imported_packages(REPO / module) - ALLOWED[package]
    assert not wrong, f"{module} imports {sorted(wrong)}; {package} may import {sorted(ALLOWED[package])}"


def test_scan_sees_every_kind_of_import(tmp_path):
    """Would the scan catch a wrong import in any of its spellings (the test can fail)?"""
    folder = tmp_path / "byhand"
    folder.mkdir()
    spellings = ["import byhand_grader", "from byhand_instructor.cli import main",
                 "def f():\n    from byhand_grader import judge",
                 "import importlib\nimportlib.import_module('byhand_grader.harness')"]
    for n, code in enumerate(spellings):
        (folder / f"m{n}.py").write_text(code + "\n")
        assert imported_packages(folder / f"m{n}.py") - ALLOWED["byhand"], code
    (folder / "ok.py").write_text("from .data import X\nimport torch\n")
    assert imported_packages(folder / "ok.py") == {"byhand"}


def test_given_modules_load_nothing_of_the_grader_or_the_instructor():
    """Importing every module of byhand in a fresh interpreter: is neither other package loaded?"""
    names = sorted(f"byhand.{p.stem}" for p in (REPO / "byhand").glob("*.py") if p.stem != "__init__")
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            f"set({sorted(FIRST_PARTY)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['byhand']"
