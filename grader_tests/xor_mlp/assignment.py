"""The xor_mlp extension, as the grader sees it (``byhand_grader.assignment`` says what each field does)."""

from byhand_grader.assignment import Assignment, Problem

ASSIGNMENT = Assignment(
    name="xor_mlp",
    problems=(
        Problem(
            "mlp_build",
            "build_mlp: the network and its start",
            ("mlp_build_shapes", "mlp_build_init"),
        ),
        Problem(
            "mlp_train",
            "train_full_batch: losses and steps",
            ("mlp_train_losses", "mlp_train_updates"),
        ),
        Problem("mlp_noise", "noise_std: the annealed noise schedule", ("mlp_noise_schedule",)),
    ),
    setup_cells=("setup_imports", "setup_seed"),
    call_kinds=("build_mlp", "train_full_batch", "noise_std"),
)
