"""Verb ``prairielearn``: build an assignment's PrairieLearn external grader, or try it locally.

``build_prairielearn`` writes a folder to merge into a PrairieLearn course
repository (https://prairielearn.readthedocs.io/en/latest/externalGrading/):

* ``serverFilesCourse/byhand-<a>/``: ``run.sh`` (the question's entrypoint),
  ``settings.json`` and the bundle of ``byhand_instructor.autograder_bundle``
  (``code/``, ``course/``: the hidden checks stay in the course repository,
  which students never see, and reach the grading container as
  ``/grade/serverFilesCourse/byhand-<a>/``);
* ``questions/byhand-<a>/``: ``info.json`` (external grading on, the image, the
  entrypoint, a timeout) and ``question.html`` (upload the notebook, show the results);
* ``image/``: ``Dockerfile`` and ``requirements.txt`` of the grading image: only the
  pinned dependencies and the sandbox, nothing of the course, so it may be public on
  Docker Hub (PrairieLearn pulls the image named in ``info.json`` from there).

``try_prairielearn`` runs the folder's ``run.sh`` on one notebook in a temporary
folder laid out like ``/grade``, with the current Python (the image is not built).
"""

import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from byhand_grader.platforms.prairielearn import CODE, COURSE, SETTINGS

from .autograder_bundle import install_lines, requirements_txt, VENV, write_code, write_course

RUN_SH = """\
#!/bin/sh
# PrairieLearn runs this as the question's entrypoint, with no arguments: ROOT is /grade and
# PYTHON the image's venv.  `byhand prairielearn --try` passes a temporary folder laid out
# like /grade, its own Python and the student whose hidden inputs to use (PrairieLearn's
# variant seed otherwise).
# usage: run.sh [ROOT [PYTHON [STUDENT]]]
set -e
here="$(cd "$(dirname "$0")" && pwd)"
root="${{1:-/grade}}"
python="${{2:-{venv}/bin/python}}"
cd "$here/{code}"
if [ -n "${{3:-}}" ]; then
  exec "$python" -m byhand_grader.platforms.prairielearn "$root" "$here" "$3"
fi
exec "$python" -m byhand_grader.platforms.prairielearn "$root" "$here"
"""

DOCKERFILE = """\
# The grading image of the byhand course's PrairieLearn questions: the sandbox and the pinned
# packages only (the course's files come in /grade/serverFilesCourse), so it may be public.
#   docker build -t {image} image/ && docker push {image}
FROM python:{python}-slim
COPY requirements.txt /tmp/byhand-requirements.txt
RUN {install}
"""

QUESTION_HTML = """\
<pl-question-panel>
  <p>Upload your completed <code>{notebook}</code>. The autograder runs your answers in a
  sandbox, checks them on inputs you have not seen, and shows each check's verdict below.
  {manual}</p>
</pl-question-panel>

<pl-file-upload file-names="{notebook}"></pl-file-upload>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""

#: Seconds PrairieLearn gives one grading job (its default is 30; its maximum 600).
TIMEOUT_S = 300


def folder_name(assignment):
    return f"byhand-{assignment}"


def default_folder(course, assignment):
    """``autograders/prairielearn-<a>/`` in the course directory (it holds the hidden checks)."""
    return course.root / "autograders" / f"prairielearn-{assignment}"


def build_prairielearn(
    course, assignment, out=None, image="byhand-grader:latest", require_sandbox=True
):
    """Write the PrairieLearn external grader of ``assignment`` into ``out``; return ``out``.

    ``image`` is the grading image ``info.json`` names (built from ``image/Dockerfile``
    and pushed where PrairieLearn can pull it).  ``require_sandbox=False`` lets the grader
    run student code with rlimits only where bubblewrap cannot confine it.
    """
    from byhand_grader.assignment import load_assignment

    out = Path(out) if out else default_folder(course, assignment)
    if out.exists():
        shutil.rmtree(out)
    name = folder_name(assignment)
    bundle = out / "serverFilesCourse" / name
    write_course(course, assignment, bundle / COURSE)
    write_code(bundle / CODE)
    (bundle / SETTINGS).write_text(
        json.dumps({"assignment": assignment, "require_sandbox": bool(require_sandbox)}, indent=2)
        + "\n",
        encoding="utf-8",
    )
    (bundle / "run.sh").write_text(RUN_SH.format(venv=VENV, code=CODE), encoding="utf-8")
    (bundle / "run.sh").chmod(0o755)

    desc = load_assignment(course, assignment)
    manual = [p for p in desc.problems if p.manual_cells]
    question = out / "questions" / name
    question.mkdir(parents=True)
    info = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"byhand/{assignment}")),
        "title": f"{assignment}: autograded notebook",
        "topic": "byhand",
        "type": "v3",
        "gradingMethod": "External",
        "singleVariant": True,
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "serverFilesCourse": [f"{name}/"],
            "entrypoint": f"/grade/serverFilesCourse/{name}/run.sh",
            "timeout": TIMEOUT_S,
        },
    }
    (question / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    note = (
        (
            " "
            + ", ".join(f"{p.column} ({p.title})" for p in manual)
            + " is graded by hand, after the deadline."
        )
        if manual
        else ""
    )
    (question / "question.html").write_text(
        QUESTION_HTML.format(notebook=f"{assignment}.ipynb", manual=note), encoding="utf-8"
    )

    (out / "image").mkdir()
    (out / "image" / "requirements.txt").write_text(requirements_txt(), encoding="utf-8")
    lines = install_lines("/tmp/byhand-requirements.txt", python="python", system_python=False)
    install = " \\\n && ".join(
        ["export DEBIAN_FRONTEND=noninteractive", *lines, "rm -rf /var/lib/apt/lists/*"]
    )
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    (out / "image" / "Dockerfile").write_text(
        DOCKERFILE.format(image=image, python=python, install=install), encoding="utf-8"
    )
    return out


@dataclass
class Trial:
    """What running a PrairieLearn grader on one notebook gave."""

    returncode: int
    results: dict  #: the results.json (always written)
    log: str  #: the job's stdout and stderr


def try_prairielearn(folder, notebook, student="student"):
    """Run the folder's ``run.sh`` on ``notebook`` in a temporary ``/grade`` layout."""
    bundles = sorted((Path(folder) / "serverFilesCourse").glob("byhand-*"))
    if len(bundles) != 1:
        raise FileNotFoundError(
            f"{folder} holds no single serverFilesCourse/byhand-<a>/ "
            "folder: build it with `byhand prairielearn ASSIGNMENT`"
        )
    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"{notebook} is not a file")
    with tempfile.TemporaryDirectory(prefix="byhand-prairielearn-try-") as tmp:
        root = Path(tmp)
        bundle = root / "serverFilesCourse" / bundles[0].name
        shutil.copytree(bundles[0], bundle)
        (root / "student").mkdir()
        shutil.copy2(notebook, root / "student" / notebook.name)
        (root / "data").mkdir()
        (root / "data" / "data.json").write_text(json.dumps({"variant_seed": 1}), encoding="utf-8")
        proc = subprocess.run(
            [str(bundle / "run.sh"), str(root), sys.executable, student],
            cwd=root,
            capture_output=True,
            text=True,
        )
        results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        return Trial(proc.returncode, results, proc.stdout + proc.stderr)
