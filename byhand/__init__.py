"""byhand: gradient descent and backpropagation by hand, with PyTorch.

The package holds the code students are *given* (data, training-loop
scaffolding, autograd comparisons, plotting, the Problem 5 explainer) and the
instructor's tooling (building, releasing, grading).  It never holds the
closed-form gradients students write: those live only in the solution regions
of ``source/``.
"""

__version__ = "0.1.0"
