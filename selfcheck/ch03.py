"""Checkers for the exercises of chapter 03, two layers and ReLU."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, close, compare, given

# The exercise's table: the exclusive-or street of chapter 03, rows 101, 011, 001, 111.
_X = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]], dtype=float)
_Y = np.array([[1], [1], [0], [0]], dtype=float)


def _relu(z):
    return np.maximum(z, 0.0)


def _half_loss(W1, W2, X, Y):
    return 0.5 * float(np.sum((_relu(X @ W1) @ W2 - Y) ** 2))


def _batch_gradients(X, Y, W1, W2, mask=True):
    Z1 = X @ W1
    A1 = _relu(Z1)
    delta2 = A1 @ W2 - Y
    delta1 = (delta2 @ W2.T) * ((Z1 > 0) if mask else 1.0)
    return X.T @ delta1, A1.T @ delta2


@checker(1)
def check_ex1(dead_units):
    rng = np.random.default_rng(301)
    for trial in range(6):
        W1 = rng.uniform(-1, 1, size=(3, 6))
        W1[:, trial % 6] = [-0.5, -0.5, 0.0]  # off for every row, with a zero sum on row 001
        Z = _X @ W1
        expected = [j for j in range(W1.shape[1]) if np.all(Z[:, j] <= 0)]
        got = call(dead_units, _X, W1, name="dead_units")
        try:
            got = sorted(int(j) for j in np.atleast_1d(np.asarray(got)))
        except (TypeError, ValueError):
            raise Wrong("dead_units should return a list of unit indices (0-based).") from None
        strict = [j for j in range(W1.shape[1]) if np.all(Z[:, j] < 0)]
        any_off = [j for j in range(W1.shape[1]) if np.any(Z[:, j] <= 0)]
        if got == [j + 1 for j in expected] and got != expected:
            raise Wrong("the indices are counted from 1: numpy counts columns from 0.")
        if got == strict and got != expected:
            raise Wrong("a weighted sum of exactly 0 also switches a unit off: relu'(0) = 0, so use z <= 0.")
        if got == any_off and got != expected:
            raise Wrong(
                "dead_units lists units that are off for *some* row: a dead unit is off for every row."
            )
        if got != expected:
            raise Wrong(f"dead_units is wrong for a random W1 (trial {trial + 1}): test every column's sums.")
    return "dead_units finds the dead units of 6 random layers."


@checker(2)
def check_ex2(collapse):
    rng = np.random.default_rng(302)
    for n_in, n_hidden, n_out in ((3, 4, 1), (5, 2, 3)):
        W1, b1 = rng.standard_normal((n_in, n_hidden)), rng.standard_normal(n_hidden)
        W2, b2 = rng.standard_normal((n_hidden, n_out)), rng.standard_normal(n_out)
        X = rng.standard_normal((7, n_in))
        result = call(collapse, W1.copy(), b1.copy(), W2.copy(), b2.copy(), name="collapse")
        if not isinstance(result, tuple) or len(result) != 2:
            raise Wrong("collapse should return the pair (W, b).")
        W, b = as_array(result[0], "W"), as_array(result[1], "b")
        compare("W", W, W1 @ W2)
        if close(b, b2):
            raise Wrong("b is only the second bias: the first bias also passes through W2, as b1 @ W2.")
        if close(b, b1 @ W2):
            raise Wrong("b is missing the second bias b2.")
        compare("b", b.reshape(-1), b1 @ W2 + b2)
        compare("X @ W + b", X @ W + b.reshape(-1), (X @ W1 + b1) @ W2 + b2)
    return "collapse gives the same predictions as the two-layer stack, for two random stacks."


_W1_STUCK = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0], [-0.5, 0.5, -1.5]])
_W2_STUCK = np.array([[2.0], [0.0], [0.0]])


@checker(3)
def check_ex3(units_on, E_stuck, grad_W2_after_nudge):
    on = as_array(given(units_on, "units_on"), "units_on")
    expected_on = (_X @ _W1_STUCK > 0).astype(float)
    compare("units_on (one row per example, one column per unit)", on, expected_on)
    E = as_number(given(E_stuck, "E_stuck"), "E_stuck")
    expected_E = float(np.sum((_relu(_X @ _W1_STUCK) @ _W2_STUCK - _Y) ** 2))
    if np.isclose(E, expected_E / 2):
        raise Wrong("E_stuck is half of E: E adds the squared errors, without the 1/2 of the loss L.")
    if not np.isclose(E, expected_E):
        raise Wrong(f"E_stuck is {'too large' if E > expected_E else 'too small'}.")
    W1_nudged = _W1_STUCK.copy()
    W1_nudged[2, 1] = 1.5
    _, grad_W2 = _batch_gradients(_X, _Y, W1_nudged, _W2_STUCK)
    got = as_array(given(grad_W2_after_nudge, "grad_W2_after_nudge"), "grad_W2_after_nudge").reshape(-1)
    if close(got, -grad_W2.ravel()):
        raise Wrong(
            "grad_W2_after_nudge has the wrong sign: the gradient is A1.T @ delta2, delta2 = y_hat - y."
        )
    compare("grad_W2_after_nudge (as a row of 3)", got, grad_W2.ravel())
    return "the units that are on, E and the gradient after the nudge are all right."


@checker(4)
def check_ex4(batch_gradients, mlp_factor):
    rng = np.random.default_rng(304)
    for n_hidden in (4, 6):
        W1 = rng.uniform(-1, 1, size=(3, n_hidden))
        W2 = rng.uniform(-1, 1, size=(n_hidden, 1))
        result = call(batch_gradients, _X, _Y, W1, W2, name="batch_gradients")
        if not isinstance(result, tuple) or len(result) != 2:
            raise Wrong("batch_gradients should return the pair (grad_W1, grad_W2).")
        g1, g2 = as_array(result[0], "grad_W1"), as_array(result[1], "grad_W2")
        n1 = mlp.numerical_gradient(lambda W, W2=W2: _half_loss(W, W2, _X, _Y), W1.copy())
        n2 = mlp.numerical_gradient(lambda W, W1=W1: _half_loss(W1, W, _X, _Y), W2.copy())
        if close(g1, n1 / len(_X), rtol=1e-5, atol=1e-8) or close(g2, n2 / len(_X), rtol=1e-5, atol=1e-8):
            raise Wrong("the gradients are divided by N = 4: the exercise sums the four rows' losses.")
        no_mask, _ = _batch_gradients(_X, _Y, W1, W2, mask=False)
        if close(g1, no_mask):
            raise Wrong("grad_W1 forgets the ReLU derivative: multiply delta2 @ W2.T by relu'(Z1).")
        compare(f"grad_W1 ({n_hidden} hidden units)", g1, n1, rtol=1e-5, atol=1e-8)
        compare(f"grad_W2 ({n_hidden} hidden units)", g2, n2, rtol=1e-5, atol=1e-8)
    factor = as_number(given(mlp_factor, "mlp_factor"), "mlp_factor")
    W1, W2 = rng.uniform(-1, 1, size=(3, 4)), rng.uniform(-1, 1, size=(4, 1))
    model = mlp.Sequential(
        mlp.Dense(3, 4, rng=rng, bias=False), mlp.ReLU(), mlp.Dense(4, 1, rng=rng, bias=False)
    )
    model[0].W.value[...] = W1
    model[2].W.value[...] = W2
    loss = mlp.MSELoss()
    loss(model(_X), _Y)
    model.backward(loss.backward())
    ours, _ = _batch_gradients(_X, _Y, W1, W2)
    expected = float(np.sum(ours * model[0].W.grad) / np.sum(model[0].W.grad ** 2))
    if np.isclose(factor, 1 / expected):
        raise Wrong("mlp_factor is upside down: it is (our gradient) / (mlp's gradient).")
    if not np.isclose(factor, expected, rtol=1e-3):
        raise Wrong(
            f"mlp_factor is {'too large' if factor > expected else 'too small'}: MSELoss is a mean with a 2."
        )
    return "both gradients match central differences, and the factor to mlp is right."


def _final_error(seed, n_hidden, alpha=0.2, iterations=60):
    start = np.random.default_rng(seed)
    W1 = start.uniform(-1, 1, size=(3, n_hidden))
    W2 = start.uniform(-1, 1, size=(n_hidden, 1))
    for _ in range(iterations):
        error = 0.0
        for k in range(len(_X)):
            x_k, y_k = _X[k : k + 1], _Y[k : k + 1]
            Z1 = x_k @ W1
            A1 = _relu(Z1)
            y_hat = A1 @ W2
            error += float(np.sum((y_hat - y_k) ** 2))
            delta2 = y_hat - y_k
            delta1 = (delta2 @ W2.T) * (Z1 > 0)
            W2 = W2 - alpha * A1.T @ delta2
            W1 = W1 - alpha * x_k.T @ delta1
    return error


def _final_errors(n_hidden, seeds, alpha=0.2, iterations=60):
    """_final_error for many seeds at once, all runs trained side by side (stacked on axis 0)."""
    starts = [np.random.default_rng(seed) for seed in seeds]
    W1, W2 = [], []
    for start in starts:
        W1.append(start.uniform(-1, 1, size=(3, n_hidden)))
        W2.append(start.uniform(-1, 1, size=(n_hidden, 1)))
    W1, W2 = np.stack(W1), np.stack(W2)  # (S, 3, h), (S, h, 1)
    for _ in range(iterations):
        error = np.zeros(len(seeds))
        for k in range(len(_X)):
            x_k, y_k = _X[k : k + 1], _Y[k : k + 1]  # (1, 3), (1, 1)
            Z1 = x_k @ W1  # (S, 1, h)
            A1 = _relu(Z1)
            y_hat = A1 @ W2  # (S, 1, 1)
            delta2 = y_hat - y_k
            error += delta2[:, 0, 0] ** 2
            delta1 = (delta2 @ W2.transpose(0, 2, 1)) * (Z1 > 0)
            W2 = W2 - alpha * A1.transpose(0, 2, 1) @ delta2
            W1 = W1 - alpha * x_k.T @ delta1
    return error


@checker(5)
def check_ex5(final_error, learned):
    for seed, n_hidden in ((0, 4), (3, 2), (7, 8), (11, 4)):
        got = as_number(call(final_error, seed, n_hidden, name="final_error"), "final_error(seed, n_hidden)")
        expected = _final_error(seed, n_hidden)
        if not np.isclose(got, expected, rtol=1e-6, atol=1e-12):
            raise Wrong(
                f"final_error({seed}, {n_hidden}) differs from the chapter's training: draw W1, then W2, "
                "from np.random.default_rng(seed), and return the running E of iteration 60."
            )
    if not isinstance(learned, dict) or sorted(learned) != [2, 4, 8]:
        raise Wrong("`learned` should be a dictionary {2: ..., 4: ..., 8: ...} of counts out of 50.")
    for n_hidden in (2, 4, 8):
        count = as_number(given(learned[n_hidden], f"learned[{n_hidden}]"), f"learned[{n_hidden}]")
        expected = int(np.sum(_final_errors(n_hidden, range(50)) < 0.1))
        if count != expected:
            raise Wrong(f"learned[{n_hidden}] is {'too large' if count > expected else 'too small'}.")
    return "final_error matches the chapter's training, and the three counts are right."
