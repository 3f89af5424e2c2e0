"""Does the ``byhand`` command behave as its help and the documentation say?"""

import re
import subprocess
import sys

import pytest

from byhand_instructor.cli import build_parser, main

from ..repo import REPO

VERBS = (
    "release",
    "solutions",
    "grade",
    "report",
    "sample-class",
    "luck",
    "setup-sandbox",
    "student-package",
    "gradescope",
    "prairielearn",
    "all",
)


def _help(argv, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "90")
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(argv)
    assert stop.value.code == 0
    return capsys.readouterr().out


LIGHT = """
import sys
from byhand_instructor.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(sorted({"torch", "matplotlib"} & set(sys.modules)))
"""


@pytest.mark.parametrize(
    "argv, heavy",
    [
        (["--help"], "[]"),
        (["release", "--help"], "[]"),
        (["report", "--help"], "[]"),
        (["luck", "--help"], "['matplotlib', 'torch']"),
        (["gradescope", "--help"], "['matplotlib', 'torch']"),
        (["--debug", "gradescope", "--help"], "['matplotlib', 'torch']"),
    ],
)
def test_only_the_chosen_verbs_options_are_built(argv, heavy):
    """Does a command build only its own verb's options, so that one whose options need
    torch (luck's defaults, gradescope's visibilities) costs nothing to the others, and
    does that verb still get them all?"""
    out = subprocess.run(
        [sys.executable, "-c", LIGHT, *argv], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == heavy
    if "luck" in argv:
        from byhand_grader.simulate import XOR_EPOCHS

        assert "--xor-epochs XOR_EPOCHS" in out and f"(default {XOR_EPOCHS})" in out
    if "gradescope" in argv:
        assert "{visible,after_due_date,after_published,hidden}" in out


def test_luck_help_lists_its_options(capsys, monkeypatch):
    """Does `byhand luck --help` work (the notebook and the CLI's help point to it)?"""
    text = _help(["luck", "--help"], capsys, monkeypatch)
    for option in ("--runs", "--seed-start", "--xor-epochs", "--json", "--course", "--debug"):
        assert option in text


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_takes_course_and_debug(verb, capsys, monkeypatch):
    """Does every verb take --course DIR and --debug?"""
    text = _help([verb, "--help"], capsys, monkeypatch)
    assert "--course DIR" in text and "--debug" in text


def test_error_is_one_sentence_and_debug_shows_the_traceback(tmp_path, capsys):
    """Without --debug a failure is a sentence and exit 1; with it, the exception itself."""
    argv = ["release", "--course", str(tmp_path), "nosuch"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and "--debug" in err
    with pytest.raises(FileNotFoundError):
        main(argv + ["--debug"])


def test_commands_page_shows_the_real_help(capsys, monkeypatch):
    """Is the Commands page's `byhand --help` block what the command prints?"""
    text = _help(["--help"], capsys, monkeypatch)
    page = (REPO / "docs" / "instructors" / "commands.md").read_text(encoding="utf-8")
    block = re.search(r"# Commands\n.*?```\n(.*?)```", page, re.S).group(1)
    assert block == text, "update docs/instructors/commands.md with `COLUMNS=90 byhand --help`"
