"""Chapter 04's checkers: each fails on its stub and on a planted mistake, and passes the solution."""

import numpy as np

from selfcheck import ch04


def best_central_step(eps, f_value, f_third):
    return (3 * eps * abs(f_value) / abs(f_third)) ** (1 / 3)


def tanh_net_gradients(params, X, Y):
    W1, b1, W2, b2, W3, b3 = params
    A1 = np.tanh(X @ W1 + b1)
    A2 = np.tanh(A1 @ W2 + b2)
    Y_hat = A2 @ W3 + b3
    delta3 = 2 * (Y_hat - Y) / Y.size
    delta2 = (delta3 @ W3.T) * (1 - A2**2)
    delta1 = (delta2 @ W2.T) * (1 - A1**2)
    return [
        X.T @ delta1,
        delta1.sum(axis=0),
        A1.T @ delta2,
        delta2.sum(axis=0),
        A2.T @ delta3,
        delta3.sum(axis=0),
    ]


def test_ex1_slopes_and_maxima():
    def stub(a): ...

    assert "not yet" in str(ch04.check_ex1.verdict(stub, 0.25, 1.0, 0.0))
    tanh_again = ch04.check_ex1.verdict(lambda a: 1 - np.tanh(a) ** 2, 0.25, 1.0, 0.0)
    assert not tanh_again and "output" in tanh_again.message
    value_not_slope = ch04.check_ex1.verdict(lambda a: 1 - a**2, 0.5, 1.0, 0.0)
    assert not value_not_slope and "slope" in value_not_slope.message
    assert not ch04.check_ex1.verdict(lambda a: 1 - a**2, 0.25, 1.0, 1.0)
    assert ch04.check_ex1.verdict(lambda a: 1 - a**2, 0.25, 1.0, 0.0)


def test_ex2_sums_over_paths():
    def stub(t): ...

    assert "not yet" in str(ch04.check_ex2.verdict(stub, stub, stub))
    one_path = ch04.check_ex2.verdict(lambda t: 0.0, lambda t: 2 * t, lambda t: 2 * t)
    assert not one_path and "one path" in one_path.message
    true_for_assigned = ch04.check_ex2.verdict(lambda t: 0.0, lambda t: 4 * t, lambda t: 4 * t)
    assert not true_for_assigned and "last path" in true_for_assigned.message
    assert ch04.check_ex2.verdict(lambda t: 0.0, lambda t: 4 * t, lambda t: 2 * t)


def gradient_shapes(N, n0, n1, n2, n3, transposed=False):
    widths = [n0, n1, n2, n3]
    shapes = {}
    for layer in (1, 2, 3):
        shapes[f"delta{layer}"] = (N, widths[layer])
        shapes[f"dW{layer}"] = (
            (widths[layer], widths[layer - 1]) if transposed else (widths[layer - 1], widths[layer])
        )
        shapes[f"db{layer}"] = (widths[layer],)
    return shapes


def test_ex3_shapes():
    def stub(N, n0, n1, n2, n3): ...

    assert "not yet" in str(ch04.check_ex3.verdict(stub))
    transposed = ch04.check_ex3.verdict(lambda *a: gradient_shapes(*a, transposed=True))
    assert not transposed and "transposed" in transposed.message
    assert ch04.check_ex3.verdict(gradient_shapes)


def test_ex4_stub_wrong_and_right():
    def stub(eps, f_value, f_third): ...

    assert "not yet" in str(ch04.check_ex4.verdict(stub))
    forward_step = ch04.check_ex4.verdict(lambda eps, f, f3: np.sqrt(eps * abs(f) / abs(f3)))
    assert not forward_step and "cube root" in forward_step.message
    no_three = ch04.check_ex4.verdict(lambda eps, f, f3: (eps * abs(f) / abs(f3)) ** (1 / 3))
    assert not no_three and "constant" in no_three.message
    no_abs = ch04.check_ex4.verdict(lambda eps, f, f3: (3 * eps * f / f3) ** (1 / 3))
    assert not no_abs
    assert ch04.check_ex4.verdict(best_central_step)


def test_ex5_stub_wrong_and_right():
    def stub(params, X, Y): ...

    assert "not yet" in str(ch04.check_ex5.verdict(stub))

    def without_one_over_n(params, X, Y):
        return [g * len(X) for g in tanh_net_gradients(params, X, Y)]

    verdict = ch04.check_ex5.verdict(without_one_over_n)
    assert not verdict and "mean" in verdict.message

    def sigmoid_slope(params, X, Y):  # the wrong activation derivative in the first layer
        grads = tanh_net_gradients(params, X, Y)
        return [0.5 * grads[0], *grads[1:]]

    assert not ch04.check_ex5.verdict(sigmoid_slope)
    assert ch04.check_ex5.verdict(tanh_net_gradients)
