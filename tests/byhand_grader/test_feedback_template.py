"""Is the course's feedback template nbgrader's own, but for "pending" points, local MathJax,
wrapped output lines and what axe-core asks for; and does a page it renders load no script
from the network?"""

import re
from pathlib import Path

import nbformat
import nbgrader
from nbconvert import HTMLExporter
from traitlets.config import Config

from byhand_grader.nbgrader_plugins.feedback import LocalMathJax, MATHJAX_FOLDER
from byhand_grader.nbgrader_plugins.templates import FEEDBACK_TEMPLATE, TEMPLATES

NBGRADER = (
    Path(nbgrader.__file__).parent
    / "server_extensions"
    / "formgrader"
    / "templates"
    / "feedback"
    / "index.html.j2"
)
OURS = TEMPLATES / FEEDBACK_TEMPLATE / "index.html.j2"
#: Where generate_feedback finds bootstrap.min.css (``GenerateFeedback.__init__``).
BOOTSTRAP = (
    Path(nbgrader.__file__).parent
    / "server_extensions"
    / "formgrader"
    / "static"
    / "node_modules"
    / "bootstrap"
    / "dist"
    / "css"
)
WRAP_CSS = re.compile(
    r"\n/\* byhand: verdicts .*?\*/\ndiv\.output_area pre, div\.output_text "
    r"pre \{\n.*?\}\n",
    re.S,
)
#: The accessibility CSS: from its comment to the end of the style sheet.
A11Y_CSS = re.compile(r"\n/\* byhand: axe-core's .*?\*/\n.*?(?=</style>)", re.S)


def test_template_differs_from_nbgraders_only_in_its_four_changes():
    """Undoing "pending", the local MathJax URL, the wrapping CSS and the accessibility changes
    (the page's language, link and code colours), is the template nbgrader's, byte for byte (an
    upgrade shows here)?"""
    ours = OURS.read_text()
    assert "pending" in ours and WRAP_CSS.search(ours) and A11Y_CSS.search(ours)
    ours = A11Y_CSS.sub("", ours).replace('<html lang="en">', "<html>", 1)
    undone = re.sub(
        r"\{\{ points\((cell\.metadata\.nbgrader\.score)\) \}\}",
        r"{{ \1 | float | round(2) }}",
        ours,
    )
    undone = re.sub(r"\{% if nb\.cells .*?, with points still pending\{% endif %\}", "", undone)
    undone = re.sub(
        r"\{#-.*?-#\}\n\{% macro points\(score\) -%\}.*?\{%- endmacro %\}\n",
        "",
        undone,
        count=1,
        flags=re.S,
    )
    undone = re.sub(
        r"\{\{ mathjax\(resources\.mathjax_url\) \}\}\n<!-- byhand: .*?</script>",
        "{{ mathjax() }}",
        undone,
        flags=re.S,
    )
    undone = WRAP_CSS.sub("", undone)
    assert undone == NBGRADER.read_text()


def test_course_config_uses_it():
    """Does nbgrader_config.py point generate_feedback at the template and the preprocessors?"""
    from ..repo import COURSE

    cfg = COURSE.config
    assert cfg.GenerateFeedback.HTMLExporter.template_name == FEEDBACK_TEMPLATE
    assert str(TEMPLATES) in cfg.GenerateFeedback.HTMLExporter.extra_template_basedirs
    # formgrader's own exporter keeps nbgrader's template (ours breaks its pages)
    assert "template_name" not in cfg.HTMLExporter
    preprocessors = cfg.GenerateFeedback.preprocessors
    assert "byhand_grader.nbgrader_plugins.feedback.MarkPending" in preprocessors
    assert "byhand_grader.nbgrader_plugins.feedback.LocalMathJax" in preprocessors


def _render(root, student="s1", assignment="partb"):
    """A feedback page for a notebook with maths and a long verdict, as generate_feedback
    renders it (the template, and LocalMathJax for the page's folder)."""
    cfg = Config(
        {
            "CourseDirectory": {"root": str(root)},
            "HTMLExporter": {
                "template_name": FEEDBACK_TEMPLATE,
                "extra_template_basedirs": [str(TEMPLATES)],
                "extra_template_paths": [str(BOOTSTRAP)],
            },
        }
    )
    verdict = "Autograder: 0 / 10 points\n  - " + "a long verdict line " * 30 + "\n"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("$E = (\\hat y - y)^2$", id="m"),
            nbformat.v4.new_code_cell(
                "pass",
                id="c",
                outputs=[nbformat.v4.new_output("stream", name="stdout", text=verdict)],
            ),
        ]
    )
    resources = {
        "nbgrader": {
            "notebook": "partb",
            "student": student,
            "assignment": assignment,
            "score": 0,
            "max_score": 10,
            "late_penalty": 0,
        }
    }
    exporter = HTMLExporter(config=cfg)
    exporter.register_preprocessor(LocalMathJax(config=cfg), enabled=True)
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


def test_page_loads_mathjax_from_beside_the_feedback_and_nothing_from_the_network(tmp_path):
    """Does every script the page loads come from the course's own feedback folder, with
    MathJax's files really there, one copy for every page?"""
    html = _render(tmp_path)
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", html)
    assert scripts and not [s for s in scripts if re.match(r"(https?:)?//", s)], scripts
    mathjax = next(s for s in scripts if "MathJax.js" in s)
    assert mathjax.startswith(f"../../{MATHJAX_FOLDER}/MathJax.js?config=")
    page = tmp_path / "feedback" / "s1" / "partb"
    assert (page / mathjax.split("?")[0]).resolve().is_file()
    config = mathjax.split("config=")[1].split(",")[0]
    assert (tmp_path / "feedback" / MATHJAX_FOLDER / "config" / f"{config}.js").is_file()
    _render(tmp_path, student="s2")
    assert len(list(tmp_path.rglob("MathJax.js"))) == 1


def test_long_output_lines_wrap(tmp_path):
    """Is the page's output text set to wrap (pre-wrap), not to run off the page?"""
    html = _render(tmp_path)
    rule = re.search(r"div\.output_area pre, div\.output_text pre \{(.*?)\}", html, re.S)
    assert rule and "white-space: pre-wrap" in rule.group(1)
