"""Does the ``byhand`` command behave as its help and the documentation say?"""

import re

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
