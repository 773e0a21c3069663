"""Forward values and conventions, which a gradient check cannot see.

A gradient check compares backward with the forward pass it belongs to: a wrong
forward whose backward matches it passes (a swapped LeakyReLU slope, a dropout
without its 1/(1-p), a wrong init scale, a running variance without N/(N-1)).
So, as micrograd pairs "forward pass went well" with "backward pass went well",
these tests pin forward values at known points, with non-default parameters.
"""

import math

import numpy as np
import pytest

import mlp

# ---------------------------------------------------------------- activations at known points

E = math.e


@pytest.mark.parametrize(
    ("layer", "x", "y", "dy_dx"),
    [
        (mlp.ReLU(), [-1.0, 0.0, 2.0], [0.0, 0.0, 2.0], [0.0, 0.0, 1.0]),  # ReLU'(0) = 0, as PyTorch
        (mlp.LeakyReLU(alpha=0.2), [-2.0, 0.0, 3.0], [-0.4, 0.0, 3.0], [0.2, 0.2, 1.0]),
        (mlp.LeakyReLU(), [-100.0, 5.0], [-1.0, 5.0], [0.01, 1.0]),
        (mlp.ELU(alpha=0.5), [-1.0, 0.0, 2.0], [0.5 * (1 / E - 1), 0.0, 2.0], [0.5 / E, 0.5, 1.0]),
        (mlp.ELU(), [-2.0, 1.0], [1 / E**2 - 1, 1.0], [1 / E**2, 1.0]),
        (mlp.Sigmoid(), [0.0, math.log(3.0), -math.log(3.0)], [0.5, 0.75, 0.25], [0.25, 0.1875, 0.1875]),
        (mlp.Tanh(), [0.0, math.log(2.0), -math.log(2.0)], [0.0, 0.6, -0.6], [1.0, 0.64, 0.64]),
    ],
    ids=lambda v: repr(v) if isinstance(v, mlp.Layer) else "",
)
def test_activation_forward_and_derivative_at_known_points(layer, x, y, dy_dx):
    x = np.array([x])
    np.testing.assert_allclose(layer(x), [y], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(layer.backward(np.ones_like(x)), [dy_dx], rtol=1e-14, atol=1e-15)


def test_relu_derivative_at_exactly_zero_is_zero():
    relu = mlp.ReLU()
    relu(np.zeros((2, 3)))
    np.testing.assert_array_equal(relu.backward(np.full((2, 3), 7.0)), np.zeros((2, 3)))


def test_softmax_at_known_logits():
    z = np.array([[0.0, math.log(2.0), math.log(5.0)], [10.0, 10.0, 10.0]])
    np.testing.assert_allclose(mlp.Softmax()(z), [[1 / 8, 2 / 8, 5 / 8], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-14)


def test_softmax_backward_at_known_point():
    # p = (1/4, 3/4), g = (1, 0): dL/dz = p * (g - p.g) = (1/4 * 3/4, 3/4 * -1/4)
    softmax = mlp.Softmax()
    softmax(np.array([[0.0, math.log(3.0)]]))
    np.testing.assert_allclose(softmax.backward(np.array([[1.0, 0.0]])), [[3 / 16, -3 / 16]], rtol=1e-14)


def test_losses_at_known_points():
    assert mlp.MSELoss()(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]])) == pytest.approx(2.5, rel=1e-15)
    assert mlp.BCELoss()(np.array([[0.75]]), np.array([[1.0]])) == pytest.approx(-math.log(0.75), rel=1e-14)
    logits = np.array([[0.0, math.log(3.0)]])  # p = (1/4, 3/4)
    assert mlp.CrossEntropyLoss()(logits, np.array([0])) == pytest.approx(math.log(4.0), rel=1e-14)


def test_dense_forward_is_x_times_w_plus_b():
    dense = mlp.Dense(2, 3, rng=0)
    dense.W.value[...] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    dense.b.value[...] = [0.5, -0.5, 1.0]
    np.testing.assert_array_equal(dense(np.array([[1.0, -1.0]])), [[-2.5, -3.5, -2.0]])


# ---------------------------------------------------------------- batch normalization


def test_batchnorm_running_statistics_after_two_known_batches():
    bn = mlp.BatchNorm(2, momentum=0.2)
    bn(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]]))  # mean (3, 6); unbiased var (4, 16)
    np.testing.assert_allclose(bn.running_mean, [0.8 * 0 + 0.2 * 3, 0.8 * 0 + 0.2 * 6], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var, [0.8 * 1 + 0.2 * 4, 0.8 * 1 + 0.2 * 16], rtol=1e-15)
    bn(np.array([[0.0, 0.0], [2.0, 2.0]]))  # mean (1, 1); unbiased var (2, 2)
    np.testing.assert_allclose(bn.running_mean, [0.8 * 0.6 + 0.2, 0.8 * 1.2 + 0.2], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var, [0.8 * 1.6 + 0.4, 0.8 * 4.0 + 0.4], rtol=1e-15)


def test_batchnorm_running_statistics_do_not_move_in_evaluation():
    bn = mlp.BatchNorm(2, momentum=0.2)
    bn(np.array([[1.0, 2.0], [3.0, 6.0]]), training=False)
    np.testing.assert_array_equal(bn.running_mean, [0.0, 0.0])
    np.testing.assert_array_equal(bn.running_var, [1.0, 1.0])


def test_batchnorm_training_output_uses_the_biased_batch_variance():
    bn = mlp.BatchNorm(1, eps=1e-5)
    bn.gamma.value[...] = 2.0
    bn.beta.value[...] = 0.5
    x = np.array([[1.0], [3.0]])  # mean 2, biased var 1
    np.testing.assert_allclose(bn(x), 2.0 * (x - 2.0) / math.sqrt(1.0 + 1e-5) + 0.5, rtol=1e-14)


def test_batchnorm_evaluation_output_uses_the_running_statistics():
    bn = mlp.BatchNorm(2, momentum=0.2, eps=1e-3)
    bn.gamma.value[...] = [2.0, 0.5]
    bn.beta.value[...] = [1.0, -1.0]
    bn(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]]))  # running mean (0.6, 1.2), var (1.6, 4.0)
    x = np.array([[1.0, 1.0]])
    expected = [[2.0 * 0.4 / math.sqrt(1.601) + 1.0, 0.5 * -0.2 / math.sqrt(4.001) - 1.0]]
    np.testing.assert_allclose(bn(x, training=False), expected, rtol=1e-14)


# ---------------------------------------------------------------- dropout


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_keeps_each_unit_with_probability_one_minus_p_scaled_by_its_inverse(p):
    n = 200_000
    y = mlp.Dropout(p, rng=1)(np.ones((n // 100, 100)))
    kept = y != 0
    assert np.all(y[kept] == pytest.approx(1 / (1 - p), rel=1e-15))
    sigma = math.sqrt(p * (1 - p) / n)
    assert abs(kept.mean() - (1 - p)) < 5 * sigma
    assert abs(y.mean() - 1.0) < 5 * sigma / (1 - p)  # inverted dropout keeps the expectation


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_backward_uses_the_same_scaled_mask(p):
    dropout = mlp.Dropout(p, rng=2)
    y = dropout(np.ones((50, 40)))
    np.testing.assert_array_equal(dropout.backward(np.ones((50, 40))), y)


def test_dropout_is_the_identity_in_evaluation():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(mlp.Dropout(0.7, rng=0)(x, training=False), x)


# ---------------------------------------------------------------- initialization spread

N_IN, N_OUT = 400, 600  # 240,000 draws: the sample std is within about 0.3% of the true one


@pytest.mark.parametrize(
    ("init", "std"),
    [
        ("xavier", math.sqrt(2 / (N_IN + N_OUT))),
        ("he", math.sqrt(2 / N_IN)),
        ("uniform", 1 / math.sqrt(N_IN) / math.sqrt(3)),  # U(-a, a) has std a / sqrt(3)
    ],
)
def test_dense_initial_weights_have_the_spread_of_their_formula(init, std):
    W = mlp.Dense(N_IN, N_OUT, rng=0, init=init).W.value
    assert W.std() == pytest.approx(std, rel=0.01)
    assert abs(W.mean()) < 0.01 * std


@pytest.mark.parametrize("name", ["xavier", "he"])
def test_normal_initializers_are_gaussian(name):
    W = getattr(mlp.init, name)(N_IN, N_OUT, rng=np.random.default_rng(0))
    within_one_std = np.mean(np.abs(W) < W.std())
    assert within_one_std == pytest.approx(0.6827, abs=0.005)


def test_uniform_initializer_fills_minus_to_plus_one_over_sqrt_n_in():
    W = mlp.init.uniform(N_IN, N_OUT, rng=np.random.default_rng(0))
    limit = 1 / math.sqrt(N_IN)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.999 * limit
    assert np.mean(np.abs(W) < limit / 2) == pytest.approx(0.5, abs=0.005)


def test_bias_starts_at_zero():
    np.testing.assert_array_equal(mlp.Dense(3, 4, rng=0).b.value, np.zeros(4))
