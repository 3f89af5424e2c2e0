"""Does ``byhand setup-sandbox`` leave the code the sandbox reads compiled?"""

import importlib.util
import os
import shutil

from byhand_grader.sandbox.exposed import CODE
from byhand_instructor.setup_sandbox import compile_code


def test_compile_code_writes_the_bytecode_of_every_module(tmp_path):
    """Is there a current .pyc beside each module of a copy of the given package and the
    grader (the code a sandboxed process may read but never write)?"""
    copies = [tmp_path / folder.name for folder in CODE]
    for folder, copy in zip(CODE, copies):
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert compile_code(copies)
    modules = [p for copy in copies for p in copy.rglob("*.py")]
    assert len(modules) > 40
    for module in modules:
        cached = importlib.util.cache_from_source(str(module))
        assert os.path.isfile(cached), module
        assert os.path.getmtime(cached) >= os.path.getmtime(module)


def test_compile_code_says_when_a_module_cannot_be_compiled(tmp_path):
    """Does it answer False, not raise, for a module that does not compile?"""
    (tmp_path / "broken.py").write_text("def f(:\n")
    assert compile_code([tmp_path]) is False
