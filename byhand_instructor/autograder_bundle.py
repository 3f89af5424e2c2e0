"""What every platform's autograder carries: the grading code, one assignment's course, the pins.

A Gradescope zip and a PrairieLearn ``serverFilesCourse`` folder hold the same
three things, written here:

* ``code/``: the packages ``byhand`` (what the student's notebook imports) and
  ``byhand_grader`` (intake, sandbox, harness, judge), copied from where the
  running ones are, so the platform grades with exactly this version;
* ``course/``: one assignment of the course as the grader reads it: its
  ``nbgrader_config.py``, its release notebook (twice: as ``release/`` and as the
  ``source/`` notebook the grader checks grade cells against, so the bundle holds no
  solution), its ``grader_tests/<a>/`` (the hidden checks; not the sample-class
  scenarios, which quote the solutions) and a ``gradebook.db`` holding only the
  assignment's definitions (cells, checksums, points) copied from the course's gradebook;
* the pinned Python dependencies of grading, the versions installed now (which
  ``tests/test_environment.py`` keeps equal to ``requirements.txt``), torch from
  PyTorch's CPU wheel index, and the shell lines that install them with pip into
  ``VENV``, with the sandbox from apt: bubblewrap, and libseccomp for the container
  tier that confines student code where the platform's container refuses namespaces.

Nothing in it depends on the day it was built: zip entries carry a fixed time.
"""

import shutil
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import byhand
import byhand_grader
from byhand_grader import record
from byhand_grader.assignment import read_source
from byhand_grader.course import Course

from .student_package import pinned

#: What grading imports (byhand's three, nbgrader's and the judge's): pinned in the bundle.
GRADER_DEPENDENCIES = (
    "torch",
    "numpy",
    "matplotlib",
    "nbgrader",
    "nbclient",
    "nbconvert",
    "nbformat",
    # pinned below the versions that pull rfc3987-syntax (requirements.txt says why)
    "jsonschema",
    "pytest",
    "pyseccomp",
)
#: PyTorch's index of CPU-only wheels: a small torch, not the multi-GB CUDA build PyPI's is.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: Where the platform's image keeps the grader's Python.
VENV = "/opt/byhand/venv"
#: 2026-01-01 00:00: the time of every zip entry.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def requirements_txt():
    """The pinned dependencies of grading, one per line, torch first."""
    head = (
        "# The grader's dependencies, pinned to the versions the course was tested with.\n"
        f"# torch comes from PyTorch's CPU wheel index ({TORCH_CPU_INDEX}), installed first.\n"
    )
    return head + "".join(f"{pinned(name)}\n" for name in GRADER_DEPENDENCIES)


def install_lines(requirements, python="python3", system_python=True):
    """Shell lines that install the sandbox and the pinned packages into ``VENV`` (as root).

    ``system_python``: the image's Python comes from apt too (Gradescope's Ubuntu);
    otherwise the image has its own (``python:3.x`` images).
    """
    packages = (
        "python3 python3-venv " if system_python else ""
    ) + "bubblewrap util-linux libseccomp2"
    return [
        "apt-get update",
        f"apt-get install -y --no-install-recommends {packages}",
        f"{python} --version",
        f"{python} -m venv {VENV}",
        f"{VENV}/bin/pip install --no-cache-dir {pinned('torch')} --index-url {TORCH_CPU_INDEX}",
        f"{VENV}/bin/pip install --no-cache-dir -r {requirements}",
    ]


def check_config_uploadable(course):
    """Refuse a ``nbgrader_config.py`` whose gradebook URL holds a password: it would be uploaded."""
    url = course.config.get("CourseDirectory", {}).get("db_url") or ""
    if url and urlsplit(str(url)).password:
        raise ValueError(
            "nbgrader_config.py's CourseDirectory.db_url holds a password, and the "
            "autograder bundle carries nbgrader_config.py to the platform: keep the "
            "password out of the URL (for PostgreSQL, in ~/.pgpass or PGPASSFILE)"
        )


def write_code(dest):
    """Copy the running ``byhand`` and ``byhand_grader`` packages into ``dest``."""
    for package in (byhand, byhand_grader):
        folder = Path(package.__file__).resolve().parent
        shutil.copytree(
            folder, Path(dest) / folder.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )


def write_course(course, assignment, dest):
    """Write what grading one assignment reads into ``dest`` (a new course directory)."""
    check_config_uploadable(course)
    desc, _ = read_source(course, assignment)  # the description matches the notebook
    record.check_ready(course.db_url, [assignment])
    dest = Path(dest)
    release = course.release_notebook(assignment)
    if not release.is_file():
        raise FileNotFoundError(
            f"release/{assignment} is missing: run `byhand release {assignment}` first"
        )
    for folder in ("release", "source"):
        (dest / folder / assignment).mkdir(parents=True)
        shutil.copy2(release, dest / folder / assignment / release.name)
    shutil.copy2(course.root / "nbgrader_config.py", dest / "nbgrader_config.py")
    left_out = {"__pycache__", "*.pyc"} | ({f"{desc.scenarios}.py"} if desc.scenarios else set())
    shutil.copytree(
        course.assignment_tests(assignment),
        dest / "grader_tests" / assignment,
        ignore=shutil.ignore_patterns(*left_out),
    )
    record.copy_assignments(course.db_url, f"sqlite:///{dest / 'gradebook.db'}", [assignment])
    read_source(Course(dest), assignment)  # the copy's notebook matches its description too
    return dest


def write_zip(folder, out, executable=()):
    """Zip ``folder``'s files (sorted, fixed times) into ``out``; ``executable`` names get mode 755."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(folder)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return out


def extract_zip(zip_path, dest):
    """Unpack a zip as Gradescope does, keeping the executable bit of its scripts."""
    dest = Path(dest)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                Path(target).chmod(mode)
    return dest
