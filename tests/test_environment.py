"""Do requirements.txt and environment.yml pin the same packages at the same versions?"""

import re

from .repo import REPO


def _pins(lines):
    pins = {}
    for line in lines:
        m = re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_equals_requirements():
    """Would a conda user get exactly the versions a pip user gets?"""
    req = _pins((REPO / "requirements.txt").read_text().splitlines())
    env = _pins((REPO / "environment.yml").read_text().splitlines())
    assert req, "no pins found in requirements.txt"
    assert req == env


def test_torch_is_pinned_to_the_cpu_friendly_release():
    """Is torch pinned (an unpinned torch pulls a multi-GB CUDA build)?"""
    assert _pins((REPO / "requirements.txt").read_text().splitlines())["torch"] == "2.13.0"


def test_installed_versions_are_the_pinned_ones():
    """Does this environment run the versions the pack pins?"""
    from importlib.metadata import version

    for name, pinned in _pins((REPO / "requirements.txt").read_text().splitlines()).items():
        assert version(name).split("+")[0] == pinned, name
