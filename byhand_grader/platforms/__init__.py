"""One submission graded elsewhere: on its own (``single``), on Gradescope, on PrairieLearn.

``single.grade_notebook`` grades one notebook as ``byhand grade`` would, in a throwaway
class folder; ``gradescope`` and ``prairielearn`` are what the platforms' autograders
run (``python -m byhand_grader.platforms.gradescope``, ``...platforms.prairielearn``)
and write the results file each platform reads.
"""
