"""Central-difference gradient checks of every layer, every loss and whole models.

A layer is reduced to a scalar by a random projection, f(x) = sum(layer(x) * G), with
a random upstream gradient G; never G = ones, which makes BatchNorm's true input
gradient identically zero. A loss is a scalar already. Everything runs in float64.
Expected relative errors: <= 1e-7 for layers, losses and nets, <= 1e-8
for BatchNorm.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlp
from mlp.core import batch_sum

TOL = 1e-7
BATCHNORM_TOL = 1e-8
KINK_MARGIN = 0.1  # ReLU, LeakyReLU and ELU are not differentiable at 0: stay this far from it
# The step for layer checks. mlp's default, 1e-6, balances truncation against rounding
# for an f of size ~1; a projection sums N * D outputs, each rounded, so its rounding
# error is larger. Measured over 4,000 random BatchNorm cases: worst error 3e-8 at 1e-6
# (a one-feature layer whose beta gradient, sum_i G_i, happened to be ~0), 5e-10 at 1e-4;
# the truncation error of the smooth layers stays below 4e-9 at 1e-4.
LAYER_STEP = 1e-4

# derandomize: the same examples on every run, so a rare near-zero one-entry gradient
# (see LAYER_STEP) can never make CI flaky; no example database to replay or keep.
property_settings = settings(max_examples=25, deadline=None, database=None, derandomize=True)
batch_sizes = st.integers(8, 20)
feature_counts = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


# -- helpers ---------------------------------------------------------------------------


def layer_input(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """(n, d) inputs 3 * randn + 2, with entries closer than KINK_MARGIN to 0 redrawn."""
    x = 3 * rng.standard_normal((n, d)) + 2
    near_kink = np.abs(x) < KINK_MARGIN
    while near_kink.any():
        x[near_kink] = 3 * rng.standard_normal(near_kink.sum()) + 2
        near_kink = np.abs(x) < KINK_MARGIN
    return x


def layer_gradient_errors(
    layer: mlp.Layer, x: np.ndarray, rng: np.random.Generator, *, training: bool = True
) -> dict[str, float]:
    """Relative errors of ``layer.backward`` against central differences of
    f(x) = sum(layer(x) * G), with G drawn from ``rng``: one entry per parameter, and "input".

    The layer's own random generators are reset before every forward pass, so a
    Dropout layer draws the same mask each time and f is a fixed function.
    """
    generators = [v for v in vars(layer).values() if isinstance(v, np.random.Generator)]
    states = [g.bit_generator.state for g in generators]

    def forward(x_: np.ndarray) -> np.ndarray:
        for g, state in zip(generators, states, strict=True):
            g.bit_generator.state = state
        return layer.forward(x_, training=training)

    y = forward(x)
    upstream = rng.standard_normal(y.shape)  # G

    def f(_=None) -> float:
        return float(np.sum(forward(x) * upstream))

    layer.zero_grad()
    grad_x = layer.backward(upstream)
    errors = {
        name: mlp.relative_error(p.grad, mlp.numerical_gradient(f, p.value, LAYER_STEP))
        for name, p in layer.named_parameters()
    }
    errors["input"] = mlp.relative_error(grad_x, mlp.numerical_gradient(f, x, LAYER_STEP))
    return errors


def loss_gradient_error(loss: mlp.Loss, y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Relative error of ``loss.backward()`` against central differences of the loss in y_pred."""
    loss.forward(y_pred, y_true)
    analytic = loss.backward()
    numerical = mlp.numerical_gradient(lambda z: loss.forward(z, y_true), y_pred)
    return mlp.relative_error(analytic, numerical)


# -- layers: each case is make(n_features, rng) -> layer, the training flag, the tolerance


def dense(init: str, bias: bool):
    return lambda d, rng: mlp.Dense(d, d + 2, rng=rng, init=init, bias=bias)


def batchnorm(d: int, rng: np.random.Generator) -> mlp.BatchNorm:
    """BatchNorm with random gamma and beta, and running statistics unlike those at the start."""
    layer = mlp.BatchNorm(d)
    layer.gamma.value[...] = rng.uniform(0.5, 2.0, d)
    layer.beta.value[...] = rng.standard_normal(d)
    layer.running_mean[...] = 2 + rng.standard_normal(d)
    layer.running_var[...] = rng.uniform(1.0, 9.0, d)
    return layer


def dropout(d: int, rng: np.random.Generator) -> mlp.Dropout:
    return mlp.Dropout(0.5, rng=rng.spawn(1)[0])


LAYER_CASES = [
    *(
        pytest.param(dense(init, bias), True, TOL, id=f"Dense-{init}-{'bias' if bias else 'no_bias'}")
        for init in ("xavier", "he", "uniform")
        for bias in (True, False)
    ),
    pytest.param(lambda d, rng: mlp.ReLU(), True, TOL, id="ReLU"),
    pytest.param(lambda d, rng: mlp.Sigmoid(), True, TOL, id="Sigmoid"),
    pytest.param(lambda d, rng: mlp.Tanh(), True, TOL, id="Tanh"),
    pytest.param(lambda d, rng: mlp.LeakyReLU(alpha=0.1), True, TOL, id="LeakyReLU"),
    pytest.param(lambda d, rng: mlp.ELU(alpha=0.7), True, TOL, id="ELU"),
    pytest.param(lambda d, rng: mlp.Softmax(), True, TOL, id="Softmax"),
    pytest.param(batchnorm, True, BATCHNORM_TOL, id="BatchNorm-training"),
    pytest.param(batchnorm, False, BATCHNORM_TOL, id="BatchNorm-evaluation"),
    pytest.param(dropout, True, TOL, id="Dropout-fixed_mask"),
]


@pytest.mark.parametrize(("make_layer", "training", "tol"), LAYER_CASES)
def test_layer_gradients_match_finite_differences(make_layer, training, tol, rng):
    layer = make_layer(5, rng)
    errors = layer_gradient_errors(layer, layer_input(rng, 10, 5), rng, training=training)
    assert max(errors.values()) <= tol, errors


@pytest.mark.parametrize(("make_layer", "training", "tol"), LAYER_CASES)
@property_settings
@given(n=batch_sizes, d=feature_counts, seed=seeds)
def test_layer_gradients_match_finite_differences_for_any_shape(make_layer, training, tol, n, d, seed):
    rng = np.random.default_rng(seed)
    layer = make_layer(d, rng)
    errors = layer_gradient_errors(layer, layer_input(rng, n, d), rng, training=training)
    assert max(errors.values()) <= tol, errors


# -- losses: each case is make(n, d, rng) -> (loss, y_pred, y_true) ----------------------


def mse_case(n, d, rng):
    return mlp.MSELoss(), 3 * rng.standard_normal((n, d)) + 2, rng.standard_normal((n, d))


def bce_case(n, d, rng):
    probabilities = rng.uniform(0.05, 0.95, (n, d))
    return mlp.BCELoss(), probabilities, rng.integers(0, 2, (n, d)).astype(np.float64)


def bce_with_logits_case(n, d, rng):
    targets = rng.uniform(0.0, 1.0, (n, d))  # soft targets too
    targets[0] = rng.integers(0, 2, d)
    return mlp.BCEWithLogitsLoss(), 3 * rng.standard_normal((n, d)), targets


def cross_entropy_labels_case(n, d, rng):
    n_classes = d + 1
    return mlp.CrossEntropyLoss(), 3 * rng.standard_normal((n, n_classes)), rng.integers(0, n_classes, n)


def cross_entropy_one_hot_case(n, d, rng):
    loss, logits, labels = cross_entropy_labels_case(n, d, rng)
    return loss, logits, mlp.data.one_hot(labels, logits.shape[1])


LOSS_CASES = [
    pytest.param(mse_case, id="MSELoss"),
    pytest.param(bce_case, id="BCELoss"),
    pytest.param(bce_with_logits_case, id="BCEWithLogitsLoss"),
    pytest.param(cross_entropy_labels_case, id="CrossEntropyLoss-labels"),
    pytest.param(cross_entropy_one_hot_case, id="CrossEntropyLoss-one_hot"),
]


@pytest.mark.parametrize("make_case", LOSS_CASES)
def test_loss_gradient_matches_finite_differences(make_case, rng):
    assert loss_gradient_error(*make_case(10, 4, rng)) <= TOL


@pytest.mark.parametrize("make_case", LOSS_CASES)
@property_settings
@given(n=batch_sizes, d=feature_counts, seed=seeds)
def test_loss_gradient_matches_finite_differences_for_any_shape(make_case, n, d, seed):
    assert loss_gradient_error(*make_case(n, d, np.random.default_rng(seed))) <= TOL


# -- whole models ------------------------------------------------------------------------


def small_network(rng: np.random.Generator) -> mlp.Sequential:
    """Dense -> BatchNorm -> Tanh -> Dropout -> Dense, with random gamma and beta.

    The first Dense has no bias: BatchNorm subtracts the batch mean, so that bias has a
    true gradient of exactly zero, which a relative error cannot check (it compares
    rounding noise with rounding noise).
    """
    model = mlp.Sequential(
        mlp.Dense(4, 6, rng=rng, bias=False),
        mlp.BatchNorm(6),
        mlp.Tanh(),
        mlp.Dropout(0.3, rng=rng.spawn(1)[0]),
        mlp.Dense(6, 3, rng=rng),
    )
    model[1].gamma.value[...] = rng.uniform(0.5, 2.0, 6)
    model[1].beta.value[...] = rng.standard_normal(6)
    return model


def test_network_gradients_match_finite_differences(rng):
    model = small_network(rng)
    x, labels = 3 * rng.standard_normal((12, 4)) + 2, rng.integers(0, 3, 12)
    errors = mlp.check_gradients(model, mlp.CrossEntropyLoss(), x, labels)
    assert set(errors) == {"0.W", "1.gamma", "1.beta", "4.W", "4.b", "input"}
    assert max(errors.values()) <= TOL, errors


def test_check_gradients_leaves_the_model_untouched(rng):
    model = small_network(rng)
    x, labels = 3 * rng.standard_normal((12, 4)) + 2, rng.integers(0, 3, 12)
    batchnorm, dropout_rng = model[1], model[3].rng
    values = [p.value.copy() for p in model.parameters()]
    grads = [p.grad.copy() for p in model.parameters()]
    running = (batchnorm.running_mean.copy(), batchnorm.running_var.copy())
    dropout_state = dropout_rng.bit_generator.state

    mlp.check_gradients(model, mlp.CrossEntropyLoss(), x, labels)

    assert all(np.array_equal(p.value, v) for p, v in zip(model.parameters(), values, strict=True))
    assert all(np.array_equal(p.grad, g) for p, g in zip(model.parameters(), grads, strict=True))
    assert np.array_equal(batchnorm.running_mean, running[0])
    assert np.array_equal(batchnorm.running_var, running[1])
    assert dropout_rng.bit_generator.state == dropout_state


def test_gradient_of_a_parameter_shared_by_two_layers_sums_over_both_paths(rng):
    first, second = mlp.Dense(4, 4, rng=rng), mlp.Dense(4, 4, rng=rng)
    second.W = first.W  # one Parameter reached along two paths
    model = mlp.Sequential(first, mlp.Tanh(), second)
    x, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 4))
    errors = mlp.check_gradients(model, mlp.MSELoss(), x, y)
    assert max(errors.values()) <= TOL, errors


# -- numerical_gradient and relative_error ---------------------------------------------


def test_numerical_gradient_is_exact_on_a_quadratic_even_with_a_large_step(rng):
    # Central differences have no truncation error on a quadratic, whatever the step.
    A, b = rng.standard_normal((6, 6)), rng.standard_normal(6)
    x = rng.standard_normal((2, 3))

    def f(x_):
        v = x_.ravel()
        return 0.5 * v @ A @ v + b @ v

    exact = (0.5 * (A + A.T) @ x.ravel() + b).reshape(x.shape)
    assert mlp.relative_error(mlp.numerical_gradient(f, x, eps=0.5), exact) <= 1e-13


def test_numerical_gradient_restores_x(rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    mlp.numerical_gradient(lambda x_: float(np.sum(np.sin(x_))), x)
    assert np.array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises(rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    calls = 0

    def f(x_):  # fails on the minus step of the second entry, while that entry is perturbed
        nonlocal calls
        calls += 1
        if calls == 4:
            raise ArithmeticError("f failed")
        return float(np.sum(x_**2))

    with pytest.raises(ArithmeticError, match="f failed"):
        mlp.numerical_gradient(f, x)
    assert np.array_equal(x, before)


def test_relative_error_is_zero_for_equal_arrays(rng):
    a = rng.standard_normal((3, 4))
    assert mlp.relative_error(a, a.copy()) == 0.0


def test_relative_error_is_zero_for_two_zero_arrays():
    assert mlp.relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_is_max_difference_over_max_scale():
    a, b = np.array([1.0, -2.0, 0.5]), np.array([1.0, -1.0, 0.0])
    assert mlp.relative_error(a, b) == pytest.approx(1.0 / 3.0)  # max|a-b| = 1, max(|a|+|b|) = 3


def test_relative_error_is_symmetric(rng):
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    assert mlp.relative_error(a, b) == mlp.relative_error(b, a)


def test_relative_error_raises_on_shape_mismatch_instead_of_broadcasting():
    with pytest.raises(ValueError, match="shapes differ"):
        mlp.relative_error(np.zeros(3), np.zeros((3, 1)))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(rows=st.integers(1, 40), cols=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_batch_sum_equals_the_sum_over_rows(rows, cols, seed):
    a = np.random.default_rng(seed).normal(size=(rows, cols)) * 10
    np.testing.assert_allclose(batch_sum(a), a.sum(axis=0), rtol=1e-12, atol=1e-12)
