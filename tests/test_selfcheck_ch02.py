"""The checkers of chapter 02's exercises: each fails on its stub and on a planted mistake, and passes."""

import numpy as np
import pytest

import mlp
from selfcheck import ch02


def stub(*args): ...


# -- exercise 1: the first full-batch step ------------------------------------------------------


def test_ex1_stub_is_not_yet():
    assert "still `...`" in ch02.check_ex1.verdict(...).message


def test_ex1_summed_step_is_recognised():
    verdict = ch02.check_ex1.verdict(np.array([0.1, 0.3, 0.3]))
    assert not verdict and "do not add them up" in verdict.message


def test_ex1_solution_passes():
    assert ch02.check_ex1.verdict(0.1 * np.array([1 / 6, 1 / 2, 1 / 2]))


# -- exercise 3: a weight with no evidence ---------------------------------------------------------


def left_weight(t, w0, alpha, reg):
    return w0 * (1 - alpha * reg) ** t


def test_ex3_stub_is_not_yet():
    verdict = ch02.check_ex3.verdict(stub, ...)
    assert not verdict and "returns None" in verdict.message


def test_ex3_factor_two_is_recognised():
    verdict = ch02.check_ex3.verdict(lambda t, w0, a, r: w0 * (1 - 2 * a * r) ** t, 69)
    assert not verdict and "half-gradient units" in verdict.message


def test_ex3_rounding_down_is_recognised():
    verdict = ch02.check_ex3.verdict(left_weight, 68)
    assert not verdict and "round up" in verdict.message


def test_ex3_solution_passes():
    steps_to_half = int(np.ceil(np.log(0.5) / np.log(1 - 0.1 * 0.1)))
    assert ch02.check_ex3.verdict(left_weight, steps_to_half)


# -- exercise 4: shuffled mini-batches with weight decay ----------------------------------------------


def train_shuffled(X, y, weights, alpha, passes, batch_size, reg, rng):
    weights = weights.copy()
    for _ in range(passes):
        order = rng.permutation(len(X))
        X_order, y_order = X[order], y[order]
        for start in range(0, len(X), batch_size):
            X_batch, y_batch = X_order[start : start + batch_size], y_order[start : start + batch_size]
            weight_delta = (X_batch @ weights - y_batch)[:, None] * X_batch
            weights = weights - alpha * (weight_delta.mean(axis=0) + reg * weights)
    return weights


def mlp_settings(alpha, reg):
    return alpha / 2, 2 * reg


def test_ex4_stub_is_not_yet():
    verdict = ch02.check_ex4.verdict(stub, stub)
    assert not verdict and "returns None" in verdict.message


def test_ex4_one_order_for_all_passes_is_recognised():
    def once(X, y, weights, alpha, passes, batch_size, reg, rng):
        order = rng.permutation(len(X))
        return train_shuffled(X[order], y[order], weights, alpha, passes, batch_size, reg, FixedOrder())

    class FixedOrder:
        def permutation(self, n):
            return np.arange(n)

    verdict = ch02.check_ex4.verdict(once, mlp_settings)
    assert not verdict and "fresh rng.permutation" in verdict.message


def test_ex4_summed_batch_is_recognised():
    def summed(X, y, weights, alpha, passes, batch_size, reg, rng):
        return train_shuffled(X, y, weights, alpha * batch_size, passes, batch_size, reg / batch_size, rng)

    verdict = ch02.check_ex4.verdict(summed, mlp_settings)
    assert not verdict and "take their mean" in verdict.message


def test_ex4_forgotten_factor_two_in_lr_is_recognised():
    verdict = ch02.check_ex4.verdict(train_shuffled, lambda alpha, reg: (alpha, reg))
    assert not verdict and "factor" not in verdict.message and "twice too long" in verdict.message


def test_ex4_weight_decay_convention_is_recognised():
    verdict = ch02.check_ex4.verdict(train_shuffled, lambda alpha, reg: (alpha / 2, reg))
    assert not verdict and "half as hard" in verdict.message


def test_ex4_solution_passes():
    assert ch02.check_ex4.verdict(train_shuffled, mlp_settings)


# -- exercise 5: the largest stable learning rate ---------------------------------------------------


def largest_stable_rate(X):
    return 2 / np.linalg.eigvalsh(X.T @ X / len(X)).max()


def largest_stable_rate_summed(X):
    return largest_stable_rate(X) / len(X)


def test_ex5_stub_is_not_yet():
    verdict = ch02.check_ex5.verdict(stub, stub)
    assert not verdict and "returns None" in verdict.message


@pytest.mark.parametrize(
    "wrong, diagnosis",
    [
        (lambda X: 2 / np.linalg.eigvalsh(X.T @ X).max(), "without the 1/N"),
        (lambda X: 1 / np.linalg.eigvalsh(X.T @ X / len(X)).max(), "no factor 2"),
        (lambda X: 2 / np.linalg.eigvalsh(X.T @ X / len(X)).min(), "steepest direction"),
    ],
)
def test_ex5_planted_mistakes_are_recognised(wrong, diagnosis):
    verdict = ch02.check_ex5.verdict(wrong, largest_stable_rate_summed)
    assert not verdict and diagnosis in verdict.message


def test_ex5_summed_limit_equal_to_averaged_is_recognised():
    verdict = ch02.check_ex5.verdict(largest_stable_rate, largest_stable_rate)
    assert not verdict and "N times the mean" in verdict.message


def test_ex5_solution_passes():
    assert ch02.check_ex5.verdict(largest_stable_rate, largest_stable_rate_summed)


def test_pass_messages_print_no_numbers_of_the_answer():
    X, _ = mlp.data.streetlights()
    message = ch02.check_ex5.verdict(largest_stable_rate, largest_stable_rate_summed).message
    assert f"{largest_stable_rate(X):.2f}" not in message
