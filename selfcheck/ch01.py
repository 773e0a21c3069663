"""Checkers for the exercises of chapter 01, delta learning with one weight."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, compare, compare_number, given

_STEP_KEYS = ("prediction", "error", "delta", "weight_delta", "new_weight", "new_error", "factor")


@checker(1)
def check_ex1(step_by_hand):
    if not isinstance(step_by_hand, dict):
        raise Wrong("`step_by_hand` should be the dictionary of the starter cell.")
    missing = [key for key in _STEP_KEYS if key not in step_by_hand]
    if missing:
        raise Wrong(f"`step_by_hand` has no entry {missing[0]!r}: keep the keys of the starter cell.")
    got = {key: as_number(given(step_by_hand[key], key), key) for key in _STEP_KEYS}
    x, y, w, alpha = 1.5, 0.3, 0.6, 0.2
    prediction = x * w
    delta = prediction - y
    new_weight = w - alpha * delta * x
    expected = {
        "prediction": prediction,
        "error": delta**2,
        "delta": delta,
        "weight_delta": delta * x,
        "new_weight": new_weight,
        "new_error": (x * new_weight - y) ** 2,
        "factor": (new_weight - y / x) / (w - y / x),
    }
    if np.isclose(got["error"], abs(delta)):
        raise Wrong("`error` is the size of the miss: square it.")
    if np.isclose(got["weight_delta"], delta):
        raise Wrong("`weight_delta` is the delta alone: multiply it by the input (the chapter's pitfall).")
    if np.isclose(got["new_weight"], w - alpha * 2 * delta * x):
        raise Wrong("`new_weight` took the step 2 delta x: the delta rule steps by alpha times delta x.")
    if np.isclose(got["new_weight"], w + alpha * delta * x):
        raise Wrong("`new_weight` moved the wrong way: the update subtracts alpha times the weight delta.")
    if np.isclose(got["factor"], expected["factor"] ** 2):
        raise Wrong("`factor` is the error's ratio; the question asks how the distance to w* shrinks.")
    for key in _STEP_KEYS:
        compare_number(key, got[key], expected[key], rtol=1e-3, atol=1e-6)
    return "all seven numbers are right."


@checker(2)
def check_ex2(largest_stable_rate_E, one_step_rate_E, converging_rates):
    rng = np.random.default_rng(102)
    for x in np.concatenate([[2.0], rng.uniform(0.2, 5, size=4) * rng.choice([-1, 1], size=4)]):
        limit = as_number(
            call(largest_stable_rate_E, x, name="largest_stable_rate_E"), "largest_stable_rate_E(x)"
        )
        if np.isclose(limit, 2 / x**2):
            raise Wrong(
                "largest_stable_rate_E is the delta rule's limit 2/x^2: "
                "with the 2 kept, steps are twice as long."
            )
        if not np.isclose(limit, 1 / x**2, rtol=1e-6):
            raise Wrong(
                f"largest_stable_rate_E({x:.3g}) is {'too large' if limit > 1 / x**2 else 'too small'}."
            )
        one = as_number(call(one_step_rate_E, x, name="one_step_rate_E"), "one_step_rate_E(x)")
        if np.isclose(one, 1 / x**2):
            raise Wrong(
                "one_step_rate_E is the limit, where the factor is -1: one step lands where the factor is 0."
            )
        if np.isclose(one, 1 / x**2 / 4) or np.isclose(one, 1 / x**2 * 2):
            raise Wrong("one_step_rate_E is off by a factor 2: set 1 - 2 alpha x^2 to zero.")
        if not np.isclose(one, 1 / (2 * x**2), rtol=1e-6):
            raise Wrong(
                f"one_step_rate_E({x:.3g}) is {'too large' if one > 1 / (2 * x**2) else 'too small'}."
            )
    chosen = sorted(
        float(r)
        for r in np.atleast_1d(as_array(given(converging_rates, "converging_rates"), "converging_rates"))
    )
    candidates = [0.02, 0.1, 0.45, 0.55]
    if any(not np.isclose(r, candidates).any() for r in chosen):
        raise Wrong("converging_rates should list some of the figure's rates 0.02, 0.1, 0.45 and 0.55.")
    expected = [r for r in candidates if abs(1 - 2 * r * 4) < 1]
    if chosen == [0.02, 0.1, 0.45]:
        raise Wrong(
            "0.45 converges for the delta rule, but with the 2 kept its factor 1 - 8 alpha is below -1."
        )
    if chosen != expected:
        raise Wrong("converging_rates is not right: compute 1 - 2 alpha x^2 for each rate at x = 2.")
    return "both formulas hold at 5 inputs, and the converging rates are right."


def _row_error_after(x_row, goal, w, alpha, n_steps):
    for _ in range(n_steps):
        w = w - alpha * (x_row @ w - goal) * x_row
    return (x_row @ w - goal) ** 2


@checker(3)
def check_ex3(delta_factor, error_after_20, alpha_max_row):
    rng = np.random.default_rng(103)
    for _ in range(5):
        x_row = rng.uniform(-1.5, 1.5, size=int(rng.integers(1, 5)))
        w, goal, alpha = rng.uniform(-1, 1, size=x_row.size), rng.uniform(-1, 1), rng.uniform(0.05, 0.4)
        got = as_number(call(delta_factor, x_row, alpha, name="delta_factor"), "delta_factor(x, alpha)")
        delta_0 = x_row @ w - goal
        delta_1 = x_row @ (w - alpha * delta_0 * x_row) - goal
        if np.isclose(got, (delta_1 / delta_0) ** 2):
            raise Wrong(
                "delta_factor is the factor of the error (its square): the delta shrinks by its root."
            )
        if np.isclose(got, 1 - alpha * np.abs(x_row).sum()):
            raise Wrong("delta_factor uses the sum of |x_i|: the dot product x . x is the sum of squares.")
        if not np.isclose(got, delta_1 / delta_0, rtol=1e-6):
            raise Wrong("delta_factor(x, alpha) differs from the ratio of two successive deltas of the rule.")
    X, y = mlp.data.streetlights()
    x_row, goal, w_start = X[0], y[0], np.array([0.5, 0.48, -0.7])
    error = as_number(given(error_after_20, "error_after_20"), "error_after_20")
    expected = _row_error_after(x_row, goal, w_start, 0.1, 20)
    factor = 1 - 0.1 * (x_row @ x_row)
    if np.isclose(error, factor**20 * (x_row @ w_start - goal) ** 2, rtol=1e-3):
        raise Wrong("error_after_20 shrinks the error by the delta's factor: the error is the delta squared.")
    compare_number("error_after_20", error, expected, rtol=1e-2)
    limit = as_number(given(alpha_max_row, "alpha_max_row"), "alpha_max_row")
    if np.isclose(limit, 1 / (x_row @ x_row)):
        raise Wrong("alpha_max_row is half the limit: the factor 1 - alpha x.x must stay above -1, not 0.")
    compare_number("alpha_max_row", limit, 2 / (x_row @ x_row), rtol=1e-3)
    return "delta_factor matches the rule on 5 random rows, and both numbers are right."


def _train_reference(x, y, w, alpha, n_steps, normalize=False, forget_x=False):
    """The errors of n_steps of the delta rule; forget_x plants the chapter's pitfall (no factor x)."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    w = np.broadcast_to(np.asarray(w, dtype=np.float64), x.shape).copy()
    errors = []
    for _ in range(n_steps):
        delta = x @ w - y
        errors.append(delta**2)
        step = alpha * delta * (1.0 if forget_x else x)
        if normalize:
            step = step / (x @ x)
        w = w - step
    errors.append((x @ w - y) ** 2)
    return np.array(errors)


@checker(4)
def check_ex4(train):
    rng = np.random.default_rng(104)
    cases = [(x, 0.4 * x, 0.5) for x in (0.1, 1.0, 10.0)]
    for size in (3, 5):
        cases.append((rng.uniform(-2, 2, size=size), rng.uniform(-1, 1), rng.uniform(-1, 1, size=size)))
    for x, y, w in cases:
        shape = "a number" if np.ndim(x) == 0 else f"{np.size(x)} inputs"
        for normalize in (False, True):
            alpha = 0.5 if normalize else 0.01
            got = as_array(
                call(train, x, y, w, alpha, 10, normalize, name="train"), f"train(..., normalize={normalize})"
            )
            expected = _train_reference(x, y, w, alpha, 10, normalize)
            if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-6, atol=1e-12):
                continue
            if got.shape == (10,) and np.allclose(got, expected[:-1]):
                raise Wrong("train returns 10 errors for 10 steps: add the error after the last step too.")
            if normalize and got.shape == expected.shape:
                x_vec = np.atleast_1d(x)
                by_norm = _train_reference(x, y, w, alpha * np.sqrt(x_vec @ x_vec) / (x_vec @ x_vec), 10)
                if np.allclose(got, by_norm):
                    raise Wrong("the normalized rule divides by |x|: divide by x . x, the squared size.")
            forgot_x = _train_reference(x, y, w, alpha, 10, normalize, forget_x=True)
            if got.shape == expected.shape and np.allclose(got, forgot_x):
                raise Wrong("train steps by alpha * delta: multiply by the input x (the chapter's pitfall).")
            compare(
                f"train(x, ...) with {shape}, normalize={normalize}", got, expected, rtol=1e-6, atol=1e-12
            )
    return "train matches the rules for numbers and arrays, plain and normalized."
