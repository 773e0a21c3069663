"""Checkers for the exercises of chapter 02, learning a whole dataset."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, close, compare, given


def _full_batch_step(X, y, weights, alpha, reg=0.0, sum_=False):
    """One step of the chapter's update (ch02-l2-update) with the whole batch (sum_: the pitfall)."""
    weight_delta = (X @ weights - y)[:, None] * X
    reduced = weight_delta.sum(axis=0) if sum_ else weight_delta.mean(axis=0)
    return weights - alpha * (reduced + reg * weights)


def _shuffled(X, y, weights, alpha, passes, batch_size, reg, rng, sum_=False):
    """Reference for exercise 4: mini-batches of a fresh permutation on every pass."""
    weights = np.array(weights, dtype=np.float64)
    for _ in range(passes):
        order = rng.permutation(len(X))
        X_order, y_order = X[order], y[order]
        for start in range(0, len(X), batch_size):
            X_batch, y_batch = X_order[start : start + batch_size], y_order[start : start + batch_size]
            weights = _full_batch_step(X_batch, y_batch, weights, alpha, reg, sum_)
    return weights


@checker(1)
def check_ex1(w_one_step):
    X, y = mlp.data.streetlights()
    w = as_array(given(w_one_step, "w_one_step"), "w_one_step")
    expected = _full_batch_step(X, y, np.zeros(3), 0.1)
    if close(w, -expected):
        raise Wrong("every sign is flipped: the step goes against the weight_delta, w - alpha * average.")
    if close(w, len(X) * expected):
        raise Wrong("the step is 6 times too long: average the six weight_deltas, do not add them up.")
    if close(w, 2 * expected):
        raise Wrong(
            "the step is twice too long: the update uses the average weight_delta, "
            "not the gradient of the MSE."
        )
    if close(w, len(X) / np.sum(y) * expected):
        raise Wrong("divide by all six rows, not only by the walk rows: the stop rows count with a zero.")
    compare("w_one_step", w, expected, rtol=1e-3, atol=1e-4)
    return "those are the weights after one full-batch step from zero."


@checker(3)
def check_ex3(left_weight, steps_to_half):
    rng = np.random.default_rng(203)
    X, y = mlp.data.streetlights()
    rows = X[[1, 2]], y[[1, 2]]
    for _ in range(5):
        alpha, reg = rng.uniform(0.02, 0.3), rng.uniform(0.01, 0.5)
        w = np.array([rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)])
        w0, t = float(w[0]), int(rng.integers(1, 60))
        for _ in range(t):
            w = _full_batch_step(*rows, w, alpha, reg)
        got = as_number(call(left_weight, t, w0, alpha, reg, name="left_weight"), "left_weight(t, ...)")
        if np.isclose(got, w0 * (1 - 2 * alpha * reg) ** t, rtol=1e-6):
            raise Wrong(
                "left_weight shrinks by 1 - 2 alpha reg per step: the update (ch02-l2-update) is in "
                "half-gradient units, where the penalty adds reg * w, not 2 reg * w."
            )
        if np.isclose(got, w0 * (1 - alpha * reg * t), rtol=1e-6):
            raise Wrong("left_weight falls by a fixed amount per step; each step multiplies it by a factor.")
        if not np.isclose(got, w[0], rtol=1e-6, atol=1e-12):
            raise Wrong(
                f"left_weight(t={t}, ...) differs from the left weight that train() reaches after t steps "
                "on rows 011 and 001."
            )
    steps = as_number(given(steps_to_half, "steps_to_half"), "steps_to_half")
    factor = 1 - 0.1 * 0.1
    needed = int(np.ceil(np.log(0.5) / np.log(factor)))
    if steps == needed - 1:
        raise Wrong("after that many steps the left weight is still just above half: round up, not down.")
    if steps != needed:
        raise Wrong(
            "steps_to_half is "
            + ("too large." if steps > needed else "too small.")
            + " It is the smallest whole t with (1 - alpha reg)^t <= 1/2."
        )
    return "left_weight matches train() at 5 random settings, and steps_to_half is right."


@checker(4)
def check_ex4(train_shuffled, mlp_settings):
    X, y = mlp.data.streetlights()
    w_start = np.array([0.5, 0.48, -0.7])
    for seed, (alpha, passes, batch_size, reg) in zip(
        (7, 11, 13), ((0.1, 50, 2, 0.01), (0.05, 20, 3, 0.1), (0.2, 10, 1, 0.0))
    ):
        got = call(
            train_shuffled,
            X,
            y,
            w_start.copy(),
            alpha,
            passes,
            batch_size,
            reg,
            np.random.default_rng(seed),
            name="train_shuffled",
        )
        got = as_array(got, "train_shuffled(...)")
        expected = _shuffled(X, y, w_start, alpha, passes, batch_size, reg, np.random.default_rng(seed))
        if got.shape == expected.shape and not close(got, expected, rtol=1e-7):
            stored = _stored_order(X, y, w_start, alpha, passes, batch_size, reg)
            once = _shuffled_once(X, y, w_start, alpha, passes, batch_size, reg, np.random.default_rng(seed))
            if close(got, stored, rtol=1e-7):
                raise Wrong(
                    "train_shuffled visits the rows in their stored order: draw a permutation per pass."
                )
            if close(got, once, rtol=1e-7):
                raise Wrong(
                    "train_shuffled draws one order and reuses it: draw a fresh rng.permutation per pass."
                )
            summed = _shuffled(
                X, y, w_start, alpha, passes, batch_size, reg, np.random.default_rng(seed), sum_=True
            )
            if close(got, summed, rtol=1e-7):
                raise Wrong("train_shuffled sums the weight_deltas of a batch: take their mean.")
            if reg and close(
                got,
                _shuffled(X, y, w_start, alpha, passes, batch_size, 2 * reg, np.random.default_rng(seed)),
                rtol=1e-7,
            ):
                raise Wrong("the penalty pulls twice too hard: in the chapter's units the step adds reg * w.")
        compare(f"train_shuffled(..., batch_size={batch_size}, reg={reg})", got, expected, rtol=1e-7)
    for alpha, reg in ((0.1, 0.01), (0.3, 0.05)):
        settings = call(mlp_settings, alpha, reg, name="mlp_settings")
        values = as_array(settings, "mlp_settings(alpha, reg)")
        if values.shape != (2,):
            raise Wrong("mlp_settings should return two numbers: (lr, weight_decay).")
        lr, weight_decay = values
        if np.isclose(lr, alpha):
            raise Wrong(
                "lr = alpha takes steps twice too long: MSELoss's gradient is twice the average weight_delta."
            )
        if np.isclose(weight_decay, reg):
            raise Wrong(
                "weight_decay = reg pulls half as hard as the chapter's penalty: with lr = alpha / 2, "
                "the pull lr * weight_decay * w must equal alpha * reg * w."
            )
        model = mlp.Dense(3, 1, rng=np.random.default_rng(0), bias=False)
        model.W.value[:] = w_start[:, None]
        optimizer = mlp.SGD(model.parameters(), lr=float(lr), weight_decay=float(weight_decay))
        mlp.fit(
            model,
            mlp.MSELoss(),
            optimizer,
            X,
            y[:, None],
            epochs=20,
            batch_size=2,
            rng=np.random.default_rng(5),
        )
        expected = _shuffled(X, y, w_start, alpha, 20, 2, reg, np.random.default_rng(5))
        if not close(model.W.value[:, 0], expected, rtol=1e-7):
            raise Wrong(f"mlp.fit with mlp_settings({alpha}, {reg}) does not take the chapter's steps.")
    return (
        "train_shuffled matches the reference on 3 settings, "
        "and mlp.fit with your settings takes the same steps."
    )


def _stored_order(X, y, weights, alpha, passes, batch_size, reg):
    weights = np.array(weights, dtype=np.float64)
    for _ in range(passes):
        for start in range(0, len(X), batch_size):
            weights = _full_batch_step(
                X[start : start + batch_size], y[start : start + batch_size], weights, alpha, reg
            )
    return weights


def _shuffled_once(X, y, weights, alpha, passes, batch_size, reg, rng):
    order = rng.permutation(len(X))
    return _stored_order(X[order], y[order], weights, alpha, passes, batch_size, reg)


@checker(5)
def check_ex5(largest_stable_rate, largest_stable_rate_summed):
    rng = np.random.default_rng(205)
    X_street, _ = mlp.data.streetlights()
    inputs = [X_street] + [rng.uniform(-1, 1, size=(n, d)) for n, d in ((8, 3), (20, 4), (50, 2))]
    for X in inputs:
        n = len(X)
        mu = np.linalg.eigvalsh(X.T @ X / n)
        got = as_number(call(largest_stable_rate, X, name="largest_stable_rate"), "largest_stable_rate(X)")
        if np.isclose(got, 2 / (n * mu.max())):
            raise Wrong(
                "largest_stable_rate uses X.T @ X without the 1/N: that is the limit for summed deltas."
            )
        if np.isclose(got, 1 / mu.max()):
            raise Wrong("largest_stable_rate is half the limit: the average weight_delta has no factor 2.")
        if np.isclose(got, 2 / mu.min()):
            raise Wrong(
                "largest_stable_rate uses the smallest eigenvalue: the steepest direction sets the limit."
            )
        if not np.isclose(got, 2 / mu.max(), rtol=1e-6):
            raise Wrong(
                f"largest_stable_rate is {'too large' if got > 2 / mu.max() else 'too small'} "
                f"for a {X.shape} X."
            )
        summed = as_number(
            call(largest_stable_rate_summed, X, name="largest_stable_rate_summed"),
            "largest_stable_rate_summed(X)",
        )
        if np.isclose(summed, 2 / mu.max()):
            raise Wrong(
                "largest_stable_rate_summed equals the averaged limit: a sum of N rows is N times the mean."
            )
        if not np.isclose(summed, 2 / (n * mu.max()), rtol=1e-6):
            raise Wrong(
                "largest_stable_rate_summed is "
                + ("too large." if summed > 2 / (n * mu.max()) else "too small.")
            )
    return "both limits are right for the streetlights and 3 random datasets."
