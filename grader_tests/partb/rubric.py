"""Problem 5's rubric, as data (``byhand_grader.rubric`` says who reads it).

``docs/grading-partb.md`` shows these two tables; ``tests/course/test_rubric.py`` fails
when the page and this file differ, and checks each family's signs against solved runs of
a correct implementation (every solved run of a family in 3000 seeded runs has them;
``byhand luck`` measures the shares).
"""

from byhand_grader.rubric import Family, Item, Rubric

RUBRIC = Rubric(
    grade_id="p5_explanation",
    items=(
        Item(
            2,
            "quotes the learned parameters (rounded) and the seed they came from",
            check="parameters",
            short="seed and parameters",
        ),
        Item(
            3,
            "names what the hidden unit computes, from its activations on the four patterns "
            "(one of the families below, or a correct description of an unusual one)",
            check="family",
            short="hidden unit",
        ),
        Item(
            4,
            "for each of the four patterns, says which terms of "
            "`net_y = w0·x0 + w1·x1 + w2·h + b1` make the output on (`net_y > 0`) or off, "
            "consistent with the student's table (1 point per pattern)",
            check="patterns",
            short="patterns",
        ),
        Item(
            1,
            "says in one sentence why the hidden unit is needed: a single unit separates the "
            "patterns with one line, and XOR needs the extra feature the hidden unit provides",
            short="why",
        ),
    ),
    families=(
        Family(
            "NOR",
            (1, 0, 0, 0),
            "---+",
            "on by default (`b1 > 0`); at 00 the hidden unit fires and `w2·h` switches the "
            "output off; at 11 the two negative direct weights together switch it off, one "
            "alone does not",
        ),
        Family(
            "OR",
            (0, 1, 1, 1),
            "--+-",
            "off by default (`b1 < 0`); `w2·h` switches it on wherever an input is on; at 11 "
            "the two negative direct weights outweigh `w2·h`",
        ),
        Family(
            "x0 AND NOT x1",
            (0, 0, 1, 0),
            "-++-",
            "off by default; `w1` alone turns 01 on; at 10 `w2·h` outweighs the negative "
            "`w0`; at 11 `h ≈ 0` and `w0` cancels `w1`",
        ),
        Family("x1 AND NOT x0", (0, 1, 0, 0), "+-+-", "the mirror image of the row above"),
        Family(
            "x0 OR NOT x1",
            (1, 0, 1, 1),
            "+--+",
            "on by default; `w2·h` switches 00 off; at 01 `h ≈ 0` and `b1` outweighs `w1`; at "
            "10 `w0` restores what `w2·h` took; at 11 `w1` tips it off",
        ),
        Family("NOT x0 OR x1", (1, 1, 0, 1), "-+-+", "the mirror image of the row above"),
        Family(
            "AND",
            (0, 0, 0, 1),
            "++--",
            "the textbook solution: the direct weights and `b1` act as OR, and at 11 the AND "
            "unit's large negative `w2·h` vetoes the output",
        ),
        Family(
            "NAND",
            (1, 1, 1, 0),
            "+++-",
            "off by default; at 00 `w2·h` alone does not beat `b1`; at 01 and 10 `w2·h` plus "
            "one direct weight does; at 11 `h ≈ 0` and the two direct weights fall short",
        ),
    ),
)
