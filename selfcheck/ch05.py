"""Checkers for the exercises of chapter 05, a sigmoid MLP on XOR."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, close, compare, compare_number, given

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = {"first": np.array([0.0, 0.85, 1.0, 0.0]), "second": np.array([0.96, 0.63, 0.75, 0.45])}


def _entropy(y):
    y = np.asarray(y, dtype=np.float64)
    inner = np.clip(y, 1e-300, 1.0)
    outer = np.clip(1 - y, 1e-300, 1.0)
    return -(y * np.log(inner) + (1 - y) * np.log(outer))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@checker(1)
def check_ex1(floor_first, floor_second):
    for name, value in [("floor_first", floor_first), ("floor_second", floor_second)]:
        got = as_number(given(value, name), name)
        targets = TARGETS[name.split("_")[1]]
        expected = _entropy(targets).mean()
        if np.isclose(got, expected / np.log(2), rtol=2e-3):
            raise Wrong(f"`{name}` is in bits: the loss uses the natural logarithm, log = ln.")
        if np.isclose(got, 4 * expected, rtol=2e-3):
            raise Wrong(f"`{name}` is the sum of the four entropies: the loss is a mean, so divide by 4.")
        compare_number(name, got, expected, rtol=2e-3)
    return "both floors are right to four decimals."


@checker(2)
def check_ex2(reported_error, effective_rate):
    rng = np.random.default_rng(502)
    for n in (2, 4, 7, 50, 300):
        g = rng.standard_normal(6)
        reference = mlp.relative_error(n * g, g)  # what mlp reports for a gradient n times too large
        got = as_number(call(reported_error, n, name="reported_error"), f"reported_error({n})")
        if np.isclose(got, (n - 1) / n):
            raise Wrong("reported_error(N) divides by N|g|: the denominator is |a| + |b| = (N + 1)|g|.")
        compare_number(f"reported_error({n})", got, reference, rtol=1e-9)
    rate = as_number(given(effective_rate, "effective_rate"), "effective_rate")
    if np.isclose(rate, 1e-3 / 50):
        raise Wrong(
            "effective_rate is divided by 50: a gradient 50 times too large makes every step 50 times longer."
        )
    compare_number("effective_rate", rate, 50 * 1e-3, rtol=1e-6)
    return "reported_error(N) matches mlp.relative_error for 5 batch sizes, and the effective rate is right."


@checker(3)
def check_ex3(delta2_mse):
    rng = np.random.default_rng(503)
    for n_rows in (5, 12, 30):
        Z = 2.0 * rng.standard_normal((n_rows, 2))
        Y = mlp.data.one_hot(rng.integers(0, 2, n_rows), 2)
        sigmoid, mse = mlp.Sigmoid(), mlp.MSELoss()
        A2 = sigmoid(Z)
        mse(A2, Y)
        expected = sigmoid.backward(mse.backward())  # dL/dZ2 through mlp's MSELoss and Sigmoid
        got = as_array(call(delta2_mse, A2, Y, name="delta2_mse"), "delta2_mse(A2, Y)")
        if close(got, 2 * (A2 - Y) / Y.size):
            raise Wrong("that is dL/dA2: multiply by the sigmoid's slope A2 (1 - A2) to get dL/dZ2.")
        if close(got, 2 * expected):
            raise Wrong(
                "delta2_mse is twice too large: MSELoss averages over all 2N entries, Y.size, not N rows."
            )
        if close(got, expected / 2):
            raise Wrong("delta2_mse is half the gradient: the derivative of (a - y)**2 is 2 (a - y).")
        if close(got, n_rows * expected) or close(got, 2 * n_rows * expected):
            raise Wrong("delta2_mse is missing the 1/(2N) of the mean.")
        compare("delta2_mse(A2, Y)", got, expected)
    return "delta2_mse matches mlp's MSELoss and Sigmoid backward on 3 random batches."


def _train_without_biases(params, lr, epochs):
    """Full-batch descent on the BCE of the 2-4-1 network with the biases held at zero."""
    W1, W2 = params[0].copy(), params[2].copy()
    Y = TARGETS["first"][:, None]
    for _ in range(epochs):
        A1 = _sigmoid(X4 @ W1)
        A2 = _sigmoid(A1 @ W2)
        delta2 = (A2 - Y) / len(X4)
        delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
        W2 -= lr * (A1.T @ delta2)
        W1 -= lr * (X4.T @ delta1)
    return W1, W2


@checker(4)
def check_ex4(train_without_biases):
    rng = np.random.default_rng(504)
    Y = TARGETS["first"][:, None]
    start = [rng.standard_normal((2, 4)), np.zeros(4), rng.standard_normal((4, 1)), np.zeros(1)]
    epochs, lr = 300, 0.4
    got = call(
        train_without_biases, [p.copy() for p in start], X4, Y, lr, epochs, name="train_without_biases"
    )
    if not isinstance(got, (list, tuple)) or len(got) != 4:
        raise Wrong("train_without_biases should return the four trained parameters [W1, b1, W2, b2].")
    W1, b1, W2, b2 = (as_array(p, name) for p, name in zip(got, ["W1", "b1", "W2", "b2"]))
    if np.any(b1 != 0) or np.any(b2 != 0):
        raise Wrong("the biases moved: set their gradients to zero (or skip their update) in every step.")
    W1_ref, W2_ref = _train_without_biases(start, lr, epochs)
    if close(W1, start[0]) and close(W2, start[2]):
        raise Wrong("the weights did not move: return the trained parameters, not the starting ones.")
    compare(f"W1 after {epochs} epochs", W1, W1_ref, rtol=1e-6, atol=1e-9)
    compare(f"W2 after {epochs} epochs", W2, W2_ref, rtol=1e-6, atol=1e-9)
    return f"from a fresh start, {epochs} epochs at rate {lr} give the reference weights; the biases stay 0."


def _largest_stable_rate(make_net, X, Y, h, rates=(0.5, 1, 2, 4, 8, 16), epochs=50):
    stable = []
    for lr in rates:
        net = make_net(h)
        history = mlp.fit(net, mlp.BCELoss(), mlp.SGD(net.parameters(), lr=lr), X, Y, epochs=epochs)
        if np.all(np.diff(history.loss) <= 1e-3):
            stable.append(lr)
    return max(stable)


@checker(5)
def check_ex5(largest_stable_rate, make_net, X, Y):
    for h in (3, 30):
        got = as_number(call(largest_stable_rate, h, name="largest_stable_rate"), f"largest_stable_rate({h})")
        expected = _largest_stable_rate(make_net, X, Y, h)
        if got == 2 * expected:
            raise Wrong(
                f"largest_stable_rate({h}) is the first unstable rate of the grid: "
                "return the largest stable one."
            )
        compare_number(f"largest_stable_rate({h})", got, expected, rtol=1e-9)
    return "largest_stable_rate agrees with the rule (no rise above 1e-3 in 50 epochs) for widths 3 and 30."
