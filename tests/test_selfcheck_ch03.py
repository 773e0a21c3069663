"""The checkers of chapter 03's exercises: each fails on its stub and on a planted mistake, and passes."""

import numpy as np

from selfcheck import ch03

X = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[1], [1], [0], [0]], dtype=float)


def stub(*args): ...


def relu(z):
    return np.maximum(z, 0.0)


# -- exercise 1: a unit that is off ---------------------------------------------------------------


def dead_units(X, W1):
    return [j for j in range(W1.shape[1]) if np.all(X @ W1[:, j] <= 0)]


def test_ex1_stub_is_not_yet():
    assert "returns None" in ch03.check_ex1.verdict(stub).message


def test_ex1_strict_inequality_is_recognised():
    verdict = ch03.check_ex1.verdict(
        lambda X, W1: [j for j in range(W1.shape[1]) if np.all(X @ W1[:, j] < 0)]
    )
    assert not verdict and "z <= 0" in verdict.message


def test_ex1_solution_passes():
    assert ch03.check_ex1.verdict(dead_units)


# -- exercise 2: biases do not rescue a linear stack ------------------------------------------------


def test_ex2_stub_is_not_yet():
    assert "returns None" in ch03.check_ex2.verdict(stub).message


def test_ex2_forgotten_first_bias_is_recognised():
    verdict = ch03.check_ex2.verdict(lambda W1, b1, W2, b2: (W1 @ W2, b2))
    assert not verdict and "b1 @ W2" in verdict.message


def test_ex2_solution_passes():
    assert ch03.check_ex2.verdict(lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2 + b2))


# -- exercise 3: a network that cannot start learning ---------------------------------------------

UNITS_ON = np.array([[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_ex3_stub_is_not_yet():
    verdict = ch03.check_ex3.verdict(..., ..., ...)
    assert not verdict and "still `...`" in verdict.message


def test_ex3_transposed_table_is_recognised():
    verdict = ch03.check_ex3.verdict(UNITS_ON.T, 1.0, [0.0, -0.5, 0.0])
    assert not verdict and "transposed" in verdict.message


def test_ex3_flipped_sign_is_recognised():
    verdict = ch03.check_ex3.verdict(UNITS_ON, 1.0, [0.0, 0.5, 0.0])
    assert not verdict and "wrong sign" in verdict.message


def test_ex3_solution_passes():
    assert ch03.check_ex3.verdict(UNITS_ON, 1.0, [0.0, -0.5, 0.0])


# -- exercise 4: all four rows at once -------------------------------------------------------------


def batch_gradients(X, y, W1, W2):
    Z1 = X @ W1
    A1 = relu(Z1)
    delta2 = A1 @ W2 - y
    delta1 = (delta2 @ W2.T) * (Z1 > 0)
    return X.T @ delta1, A1.T @ delta2


def test_ex4_stub_is_not_yet():
    assert "returns None" in ch03.check_ex4.verdict(stub, ...).message


def test_ex4_mean_instead_of_sum_is_recognised():
    def mean(X, y, W1, W2):
        g1, g2 = batch_gradients(X, y, W1, W2)
        return g1 / len(X), g2 / len(X)

    verdict = ch03.check_ex4.verdict(mean, 2)
    assert not verdict and "divided by N" in verdict.message


def test_ex4_missing_relu_derivative_is_recognised():
    def no_mask(X, y, W1, W2):
        A1 = relu(X @ W1)
        delta2 = A1 @ W2 - y
        return X.T @ (delta2 @ W2.T), A1.T @ delta2

    verdict = ch03.check_ex4.verdict(no_mask, 2)
    assert not verdict and "relu'(Z1)" in verdict.message


def test_ex4_upside_down_factor_is_recognised():
    verdict = ch03.check_ex4.verdict(batch_gradients, 0.5)
    assert not verdict and "upside down" in verdict.message


def test_ex4_solution_passes():
    assert ch03.check_ex4.verdict(batch_gradients, 2)


# -- exercise 5: how often does training work? ------------------------------------------------------


def final_error(seed, n_hidden):
    return ch03._final_error(seed, n_hidden)


def test_ex5_stub_is_not_yet():
    assert "returns None" in ch03.check_ex5.verdict(stub, ...).message


def test_ex5_other_draw_order_is_recognised():
    def w2_first(seed, n_hidden):
        start = np.random.default_rng(seed)
        start.uniform(-1, 1, size=(n_hidden, 1))
        return final_error(seed + 1000, n_hidden)

    verdict = ch03.check_ex5.verdict(w2_first, {2: 8, 4: 26, 8: 49})
    assert not verdict and "draw W1, then W2" in verdict.message


def test_ex5_wrong_count_is_recognised():
    verdict = ch03.check_ex5.verdict(final_error, {2: 8, 4: 25, 8: 49})
    assert not verdict and "learned[4] is too small" in verdict.message


def test_ex5_solution_passes():
    # the counts of the loop over 50 seeds, computed here by the checker's vectorized reference (fast)
    learned = {h: int(np.sum(ch03._final_errors(h, range(50)) < 0.1)) for h in (2, 4, 8)}
    assert ch03.check_ex5.verdict(final_error, learned)
