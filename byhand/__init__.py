"""byhand: the code students are given in 'gradient descent and backpropagation by hand'.

What the notebooks import: the data, the neurons and the XOR network's start,
the training loop (which never calls ``backward``), the autograd comparisons
and visible checks with the catalogues' hints (``hints.py``, generated), the plots, the Problem 5 explainer, the rates measured by
``byhand luck``, and the extension's batched engine.  It imports neither the
grader (``byhand_grader``) nor the instructor's tools (``byhand_instructor``)
and holds no answer: the closed-form gradients students write live only in
the solution regions of ``source/`` and in the grader's hidden tests.  It is
what students install (``make student-package`` builds its wheel), with
torch, numpy and matplotlib and nothing else.
"""

__version__ = "0.1.0"
