"""Part B, as the grader sees it (``byhand_grader.assignment`` says what each field does)."""

from byhand_grader.assignment import Assignment, Problem

ASSIGNMENT = Assignment(
    name="partb",
    problems=(
        Problem("P1", "logistic neuron gradients", ("p1_logistic_grads_match_autograd",)),
        Problem("P2", "the update rule", ("p2_sgd_update_steps_against_gradient",)),
        Problem("P3", "tanh neuron gradients", ("p3_tanh_grads_match_autograd",)),
        Problem(
            "P4",
            "backprop through the XOR network",
            ("p4_xor_forward_values", "p4_xor_grads_match_autograd", "p4_xor_learns"),
        ),
        Problem("P5", "what the XOR network learned", manual_cells=("p5_explanation",)),
    ),
    setup_cells=("setup_imports", "setup_seed"),
    call_kinds=("forward", "grads", "update", "train", "explain"),
    by_hand=("forward", "grads", "update", "train"),
    curves_under="p4_xor_learns",
    explain_before="p5_explanation",
    scenarios="sample_scenarios",
)
