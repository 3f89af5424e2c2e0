"""Visible checks: a student's gradient beside autograd's, as numbers and as asserts.

The notebook prints ``compare_with_autograd`` so a student sees every component
next to its yardstick; grade cells call ``assert_grads_match``, whose message
names the parameter, the component and both values.
"""


from .autograd import autograd_grads
from .contract import check_param_dict

#: Hand-written float32 gradients agree with float64 autograd to about 1e-7;
#: 1e-5 leaves room for legitimate reorderings and still catches any real slip.
TOLERANCE = 1e-5


def compare_with_autograd(grads, forward, params, x, y):
    """Print ``grads(params, x, y)`` next to autograd's; return the largest difference."""
    mine = check_param_dict(grads(params, x, y), params, grads.__name__)
    ref = autograd_grads(forward, params, x, y)
    print(f"pattern x = {x.tolist()}, target y = {y.tolist()}")
    print(f"{'parameter':<12}{'yours':>14}{'autograd':>14}{'|difference|':>15}")
    worst = 0.0
    for name in params:
        for k, (a, b) in enumerate(zip(mine[name].double().flatten().tolist(),
                                        ref[name].flatten().tolist())):
            label = f"{name}[{k}]"
            worst = max(worst, abs(a - b))
            print(f"{label:<12}{a:>14.8f}{b:>14.8f}{abs(a - b):>15.2e}")
    verdict = "OK" if worst < TOLERANCE else "DIFFERENT: look at the rows above"
    print(f"largest |difference| = {worst:.2e}  (expect below {TOLERANCE:.0e})  {verdict}")
    return worst


def assert_grads_match(grads, forward, params, x, y, tol=TOLERANCE):
    """Raise ``AssertionError`` naming the first component that disagrees with autograd."""
    mine = check_param_dict(grads(params, x, y), params, grads.__name__)
    ref = autograd_grads(forward, params, x, y)
    for name in params:
        diff = (mine[name].double() - ref[name]).abs()
        if not bool((diff <= tol).all()):
            k = int(diff.argmax())
            raise AssertionError(
                f"{grads.__name__}: d E / d {name}[{k}] is {float(mine[name].flatten()[k]):.6g} "
                f"but autograd gives {float(ref[name].flatten()[k]):.6g} "
                f"at x = {x.tolist()}, y = {y.tolist()}.")


def show_outputs(yhat, Y, X):
    """Print each pattern's output beside its target, and the worst error."""
    print(f"{'x0':>3}{'x1':>4}{'target':>8}{'output':>9}{'error':>8}")
    for x, y, out in zip(X.tolist(), Y.flatten().tolist(), yhat.flatten().tolist()):
        print(f"{x[0]:>3.0f}{x[1]:>4.0f}{y:>8.0f}{out:>9.3f}{abs(out - y):>8.3f}")
    worst = float((yhat.flatten() - Y.flatten()).abs().max())
    print(f"worst |output - target| = {worst:.3f}")
    return worst
