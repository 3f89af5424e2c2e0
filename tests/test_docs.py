"""Does the documentation site build strictly, offline, and does its architecture page name every module?

The site is ``docs/`` with ``mkdocs.yml`` (MkDocs, the Material theme); ``make docs``
serves it.  ``mkdocs build --strict`` with the config's ``validation`` settings turns a
broken link, a missing anchor and a page left out of the navigation into failures; the
tests below also build copies broken each of those ways, to show the build catches them.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .repo import REPO

PACKAGES = ("byhand", "byhand_grader", "byhand_instructor")
ARCHITECTURE = REPO / "docs" / "architecture.md"


def _build(config, site):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config),
            "--site-dir",
            str(site),
        ],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built from this checkout with --strict."""
    folder = tmp_path_factory.mktemp("site")
    done = _build(REPO / "mkdocs.yml", folder)
    assert done.returncode == 0, done.stderr[-4000:]
    return folder


def test_site_builds_strictly(site):
    """Does `mkdocs build --strict` pass: every link and anchor resolves, every page is in the nav?"""
    assert (site / "index.html").exists()
    assert (site / "architecture" / "index.html").exists()


def test_site_loads_nothing_from_the_network(site):
    """Does every page load its styles, scripts and fonts from the site itself (offline)?"""
    remote = re.compile(r"""<(?:link|script|img)\b[^>]*\b(?:href|src)=["']?(?:https?:)?//""", re.I)
    loads = {
        page.relative_to(site).as_posix(): remote.findall(page.read_text(encoding="utf-8"))
        for page in site.rglob("*.html")
    }
    assert not {page: found for page, found in loads.items() if found}
    css = "".join(path.read_text(encoding="utf-8") for path in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


BREAKAGES = {
    "a broken link": ("index.md", "\n[gone](no-such-page.md)\n", "no-such-page.md"),
    "a broken anchor": ("index.md", "\n[gone](students.md#no-such-heading)\n", "no-such-heading"),
    "a page missing from the nav": ("orphan.md", "# Orphan\n", "orphan.md"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_strict_build_fails_on(breakage, tmp_path):
    """Would the strict build fail, naming the culprit, on a broken link, a broken anchor or a page left out of the nav?"""
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy2(REPO / "mkdocs.yml", copy / "mkdocs.yml")
    shutil.copytree(REPO / "docs", copy / "docs")
    page, text, culprit = BREAKAGES[breakage]
    with open(copy / "docs" / page, "a", encoding="utf-8") as f:
        f.write(text)
    done = _build(copy / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert culprit in done.stderr


def modules(root=REPO):
    """Every module of the three packages, as paths relative to ``root`` (no ``__init__``, ``__main__``)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if path.name not in ("__init__.py", "__main__.py") and "__pycache__" not in path.parts:
                found.append(path.relative_to(root))
    return found


def unnamed(page, paths):
    """The modules among ``paths`` that ``page`` names neither by path nor by dotted name."""

    def named(path):
        dotted = ".".join(path.with_suffix("").parts)
        return (
            path.as_posix() in page
            or re.search(rf"(?<![\w.]){re.escape(dotted)}(?![\w/]|\.\w)", page) is not None
        )

    return [path.as_posix() for path in paths if not named(path)]


def test_architecture_names_every_module():
    """Does the architecture page name every module of byhand, byhand_grader and byhand_instructor?"""
    missing = unnamed(ARCHITECTURE.read_text(encoding="utf-8"), modules())
    assert not missing, "docs/architecture.md has no line for: " + ", ".join(missing)


def test_docs_name_no_module_that_is_gone():
    """Does every module or package path the docs and the README name exist (no map of modules long gone)?"""
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    path = re.compile(r"`((?:%s)/[\w/]*?(?:\.py|/))`" % "|".join(PACKAGES))
    named = {
        (page.relative_to(REPO).as_posix(), found)
        for page in pages
        for found in path.findall(page.read_text(encoding="utf-8"))
    }
    assert any(page == "docs/architecture.md" for page, _ in named)
    gone = sorted(f"{found} ({page})" for page, found in named if not (REPO / found).exists())
    assert not gone, "the docs name what does not exist: " + ", ".join(gone)


def test_architecture_check_lists_a_module_left_out():
    """Would the check fail, naming it, for a module whose line is taken off the page?"""
    page = ARCHITECTURE.read_text(encoding="utf-8")
    without = "\n".join(line for line in page.splitlines() if "byhand/data.py" not in line)
    assert unnamed(without, [Path("byhand/data.py"), Path("byhand/neuron.py")]) == [
        "byhand/data.py"
    ]


def test_readme_links_to_pages_that_exist():
    """Does every relative link of the README (its first screen, read on GitHub too) reach a file?"""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert local
    assert not [link for link in local if not (REPO / link).exists()]


def test_limits_are_documented_with_their_defaults():
    """Does the Grade page name every grader limit with its default, as nbgrader_config.py does?"""
    from byhand_grader.limits import GraderLimits

    page = (REPO / "docs" / "instructors" / "grade.md").read_text(encoding="utf-8")
    config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    limits = GraderLimits()
    for name in GraderLimits.class_trait_names(config=True):
        default = getattr(limits, name)
        assert f"| `c.GraderLimits.{name}` | {default} |" in page, (name, default)
        assert re.search(
            rf"^# c\.GraderLimits\.{name} = {re.escape(str(default))}\s", config, re.M
        ), (name, default)
