"""Canvas: submissions in from its bulk download, grades out as a CSV its gradebook imports.

**In.**  Canvas's *Download Submissions* zip holds one file per uploaded
file, named ``<sortable name>_[LATE_]<user id>_<attachment id>_<file name>``:
``smithjane_12345_6789012_partb.ipynb``, or for a late one uploaded again
under the same name ``smithjane_LATE_12345_6789012_partb-1.ipynb`` (Canvas
adds ``-1``, ``-2`` to a file name the student had already uploaded).
``nbgrader zip_collect <a>`` reads ``downloaded/<a>/archive/*.zip`` and, with
``CanvasCollector`` (``nbgrader_config.py`` selects it), collects each
notebook into ``submitted/<user id>/<a>/<file name without -N>``: the
nbgrader student id is the Canvas user id, the roster (``nbgrader db student
add`` or ``import``) carries the names.  Canvas's file names carry no
submission time: nbgrader records none, and lateness stays Canvas's business.
Files other than notebooks are skipped.  When one student's download holds
the same notebook twice (``partb.ipynb`` and ``partb-1.ipynb``), the later
upload (the larger attachment id) is collected: nbgrader alone stops the whole
collection at such a pair, since it has no timestamps to compare.

**Out.**  ``nbgrader export --exporter byhand_grader.nbgrader_plugins.canvas.CanvasExport
--to canvas.csv`` writes Canvas's gradebook-import columns (``Student``,
``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``), a ``Points Possible``
row, and one column per assignment headed ``<name> (<Canvas assignment id>)``
(``CanvasExport.assignment_ids``), by which Canvas matches it.  A score
that is not final is not written: a submission whose Problem 5 nobody has
graded by hand yet, and a missing one, leave the cell empty, so an import can
never record the autograded part as the whole grade; the command lists who
was left out and why.
"""

import csv
import os
import re

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import Dict, Unicode

from .export import OutcomesExport, pending_problems, points

#: a file of Canvas's bulk download, as nbgrader's collector sees it (the whole path)
CANVAS_FILENAME = (
    r".*/(?P<canvas_name>[^/_]*)_(?:LATE_)?(?P<student_id>[0-9]+)_"
    r"(?P<attachment_id>[0-9]+)_(?P<file_id>[^/]+?)(?:-[0-9]+)?\.ipynb$"
)

#: the columns that say who a row is, in Canvas's gradebook export and import
STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


class CanvasCollector(FileNameCollectorPlugin):
    """``zip_collect`` for Canvas's bulk download: ``CANVAS_FILENAME``, the later of two uploads."""

    named_regexp = Unicode(
        CANVAS_FILENAME,
        help="Canvas's bulk-download file names: student_id is the Canvas user id, file_id "
        "the uploaded file's name without Canvas's -N suffix",
    ).tag(config=True)

    def collect(self, submitted_file):
        found = super().collect(submitted_file)
        if not found or not found.get("attachment_id"):  # a pattern without the upload's id
            return found
        folder = os.path.dirname(submitted_file)
        for name in os.listdir(folder):
            other = re.match(self.named_regexp, os.path.join(folder, name))
            if (
                other
                and other["student_id"] == found["student_id"]
                and other["file_id"] == found["file_id"]
                and int(other["attachment_id"]) > int(found["attachment_id"])
            ):
                self.log.warning(
                    "Skipped %s: %s is a later upload of the same file", submitted_file, name
                )
                return None
        return found


class CanvasExport(OutcomesExport):
    """A CSV Canvas's gradebook imports; only final scores are written (see the module)."""

    assignment_ids = Dict(
        help="Canvas assignment id per nbgrader assignment, e.g. {'partb': '12345'}: "
        "the column is headed 'partb (12345)', which Canvas matches to its "
        "assignment"
    ).tag(config=True)

    def header(self, assignment):
        canvas_id = self.assignment_ids.get(assignment)
        if canvas_id is None:
            self.log.warning(
                "no Canvas assignment id for %r (CanvasExport.assignment_ids): "
                "its column is headed by the name alone, which Canvas matches "
                "by name or offers to create as a new assignment",
                assignment,
            )
            return assignment
        return f"{assignment} ({canvas_id})"

    def export(self, gradebook):
        dest = self.to or "canvas.csv"
        root = self.parent.coursedir.root
        rows, names, possible, held_back = {}, [], {}, []
        for o in self.chosen(gradebook):
            a, s = o.assignment, o.student
            if a.name not in names:
                names.append(a.name)
                possible[a.name] = a.max_score
            row = rows.setdefault(
                s.id,
                {
                    "Student": ", ".join(n for n in (s.last_name, s.first_name) if n),
                    "ID": s.id,
                    "SIS User ID": s.lms_user_id or "",
                    "SIS Login ID": "",
                    "Section": "",
                },
            )
            if o.status == "graded":
                row[a.name] = points(o.score)
            else:
                row[a.name] = ""
                why = (
                    "no submission"
                    if o.status == "missing"
                    else f"{', '.join(pending_problems(root, o))} still to be graded by hand "
                    f"({points(o.score)} of {points(a.max_score)} so far)"
                )
                held_back.append(f"{s.id}/{a.name}: {why}")
        headers = {a: self.header(a) for a in names}
        self.log.info("Exporting Canvas gradebook CSV to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow([*STUDENT_COLUMNS, *(headers[a] for a in names)])
            out.writerow(["Points Possible", "", "", "", "", *(points(possible[a]) for a in names)])
            for sid in sorted(rows):
                row = rows[sid]
                out.writerow([*(row[c] for c in STUDENT_COLUMNS), *(row[a] for a in names)])
        if held_back:
            self.log.warning(
                "left empty in %s, not final (%d): %s", dest, len(held_back), "; ".join(held_back)
            )
