"""The checkers of chapter 01's exercises: each fails on its stub and on a planted mistake, and passes."""

import numpy as np
import pytest

import mlp
from selfcheck import ch01


def stub(*args): ...


# -- exercise 1: one step by hand ----------------------------------------------------------------

STEP = {
    "prediction": 0.9,
    "error": 0.36,
    "delta": 0.6,
    "weight_delta": 0.9,
    "new_weight": 0.42,
    "new_error": 0.1089,
    "factor": 0.55,
}


def test_ex1_stub_is_not_yet():
    verdict = ch01.check_ex1.verdict(dict.fromkeys(STEP, ...))
    assert not verdict and "still `...`" in verdict.message


@pytest.mark.parametrize(
    "key, wrong, diagnosis",
    [
        ("weight_delta", 0.6, "multiply it by the input"),
        ("new_weight", 0.24, "2 delta x"),
        ("factor", 0.3025, "error's ratio"),
    ],
)
def test_ex1_planted_mistakes_are_recognised(key, wrong, diagnosis):
    verdict = ch01.check_ex1.verdict({**STEP, key: wrong})
    assert not verdict and diagnosis in verdict.message


def test_ex1_solution_passes():
    assert ch01.check_ex1.verdict(STEP)


# -- exercise 2: the limits with the 2 kept -----------------------------------------------------------


def test_ex2_stub_is_not_yet():
    verdict = ch01.check_ex2.verdict(stub, stub, ...)
    assert not verdict and "returns None" in verdict.message


def test_ex2_delta_rule_limit_is_recognised():
    verdict = ch01.check_ex2.verdict(lambda x: 2 / x**2, lambda x: 1 / (2 * x**2), [0.02, 0.1])
    assert not verdict and "delta rule's limit" in verdict.message


def test_ex2_delta_rule_rates_are_recognised():
    verdict = ch01.check_ex2.verdict(lambda x: 1 / x**2, lambda x: 1 / (2 * x**2), [0.02, 0.1, 0.45])
    assert not verdict and "0.45 converges for the delta rule" in verdict.message


def test_ex2_solution_passes():
    assert ch01.check_ex2.verdict(lambda x: 1 / x**2, lambda x: 1 / (2 * x**2), [0.02, 0.1])


# -- exercise 3: three weights, predicted in advance --------------------------------------------------


def delta_factor(x, alpha):
    return 1 - alpha * (x @ x)


def test_ex3_stub_is_not_yet():
    verdict = ch01.check_ex3.verdict(stub, ..., ...)
    assert not verdict and "returns None" in verdict.message


def test_ex3_error_shrunk_by_the_delta_factor_is_recognised():
    verdict = ch01.check_ex3.verdict(delta_factor, 0.8**20 * 0.04, 1.0)
    assert not verdict and "the error is the delta squared" in verdict.message


def test_ex3_half_limit_is_recognised():
    verdict = ch01.check_ex3.verdict(delta_factor, 0.04 * 0.8**40, 0.5)
    assert not verdict and "half the limit" in verdict.message


def test_ex3_solution_passes():
    X, y = mlp.data.streetlights()
    x_row = X[0]
    error_after_20 = (delta_factor(x_row, 0.1) ** 20 * (x_row @ np.array([0.5, 0.48, -0.7]) - y[0])) ** 2
    assert ch01.check_ex3.verdict(delta_factor, error_after_20, 2 / (x_row @ x_row))


# -- exercise 4: the normalized delta rule ----------------------------------------------------------


def train(x, y, w, alpha, n_steps, normalize=False):
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    w = np.broadcast_to(np.asarray(w, dtype=np.float64), x.shape).copy()
    errors = []
    for _ in range(n_steps):
        delta = x @ w - y
        errors.append(delta**2)
        step = alpha * delta * x
        if normalize:
            step = step / (x @ x)
        w = w - step
    errors.append((x @ w - y) ** 2)
    return np.array(errors)


def test_ex4_stub_is_not_yet():
    verdict = ch01.check_ex4.verdict(stub)
    assert not verdict and "returns None" in verdict.message


def test_ex4_missing_last_error_is_recognised():
    verdict = ch01.check_ex4.verdict(lambda *args: train(*args)[:-1])
    assert not verdict and "after the last step" in verdict.message


def test_ex4_division_by_the_norm_is_recognised():
    def by_norm(x, y, w, alpha, n_steps, normalize=False):
        x_vec = np.atleast_1d(np.asarray(x, dtype=np.float64))
        if normalize:
            alpha = alpha / np.sqrt(x_vec @ x_vec)
        return train(x, y, w, alpha, n_steps)

    verdict = ch01.check_ex4.verdict(by_norm)
    assert not verdict and "divide by x . x" in verdict.message


def test_ex4_solution_passes():
    assert ch01.check_ex4.verdict(train)
