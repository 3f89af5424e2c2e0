"""Does a Canvas bulk download go into submitted/ under each student's Canvas user id?

Canvas names each file of its *Download Submissions* zip
``<sortable name>_[LATE_]<user id>_<attachment id>_<file name>`` and adds
``-1``, ``-2`` to a file name the student had uploaded before.  The test makes
such a zip and runs nbgrader's own ``zip_collect`` with the course's
configuration, as an instructor would.  (The grades going back to Canvas are
tested in ``test_export.py``, on a graded gradebook.)
"""

import zipfile

import nbformat

from byhand_grader.nbgrader_plugins.canvas import CANVAS_FILENAME
from byhand_grader.nbgrader_run import nbgrader

from ..repo import copy_course

#: file in Canvas's zip -> where zip_collect must put it (None: nowhere)
DOWNLOAD = {
    "smithjane_12345_6789012_partb.ipynb": "12345/partb/partb.ipynb",
    "jonesann_LATE_23456_6789013_partb-1.ipynb": "23456/partb/partb.ipynb",
    # the same notebook uploaded twice in one submission: the later upload counts
    "brownbo_34567_6789014_partb.ipynb": None,
    "brownbo_34567_6789020_partb-1.ipynb": "34567/partb/partb.ipynb",
    # a file that is not a notebook, and a notebook Canvas did not name
    "smithjane_12345_6789015_notes.txt": None,
    "partb.ipynb": None,
}


def _download(course):
    """Canvas's zip in downloaded/partb/archive/, each notebook marked with its file name."""
    archive = course.root / "downloaded" / "partb" / "archive"
    archive.mkdir(parents=True)
    release = nbformat.read(course.release_notebook("partb"), as_version=4)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
        for name in DOWNLOAD:
            if name.endswith(".ipynb"):
                release.metadata["canvas_file"] = name
                z.writestr(name, nbformat.writes(release))
            else:
                z.writestr(name, "my notes\n")


def _collected(course):
    return {
        str(p.relative_to(course.submitted)): p for p in course.submitted.rglob("*") if p.is_file()
    }


def test_zip_collect_takes_a_canvas_download(tmp_path):
    """Is each notebook under its Canvas user id, the later of two uploads, nothing else?"""
    course = copy_course(tmp_path / "course")
    _download(course)
    nbgrader(course, "zip_collect", "partb")
    collected = _collected(course)
    expected = {dest: name for name, dest in DOWNLOAD.items() if dest}
    assert sorted(collected) == sorted(expected)
    for dest, name in expected.items():
        nb = nbformat.read(collected[dest], as_version=4)
        assert nb.metadata["canvas_file"] == name, dest
    # Canvas's names carry no submission time, so nbgrader records none
    assert not any(p.name == "timestamp.txt" for p in course.submitted.rglob("*"))


def test_nbgrader_alone_stops_at_a_notebook_uploaded_twice(tmp_path):
    """Is the later-upload rule needed: does nbgrader's own collector stop at the pair?"""
    course = copy_course(tmp_path / "course")
    _download(course)
    proc = nbgrader(
        course,
        "zip_collect",
        "partb",
        "--ZipCollectApp.collector_plugin=nbgrader.plugins.zipcollect.FileNameCollectorPlugin",
        "--FileNameCollectorPlugin.named_regexp=" + CANVAS_FILENAME,
        check=False,
    )
    assert proc.returncode != 0
    assert "Duplicate submission file" in proc.stdout + proc.stderr
