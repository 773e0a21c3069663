"""Bad input gets a clear error naming the layer and the shapes; large inputs stay finite.

The suite runs with warnings turned into errors (pyproject.toml); the numerics tests
also say so explicitly, so they keep their meaning when run on their own.
"""

import contextlib
import math
import re
import warnings

import numpy as np
import pytest

import mlp
from mlp.activations import log_softmax


def gen():
    return np.random.default_rng(0)


# ---------------------------------------------------------------- shapes of inputs


def test_dense_wrong_feature_count_names_layer_and_shapes():
    dense = mlp.Dense(64, 32, rng=gen())
    message = "Dense(64 -> 32) expects inputs with 64 features, got shape (3, 63)"
    with pytest.raises(ValueError, match=re.escape(message)):
        dense.forward(np.zeros((3, 63)))


def test_batchnorm_wrong_feature_count_names_layer_and_shapes():
    bn = mlp.BatchNorm(4)
    with pytest.raises(
        ValueError, match=re.escape("BatchNorm(4) expects inputs with 4 features, got shape (3, 5)")
    ):
        bn.forward(np.zeros((3, 5)))


def test_wrong_feature_count_inside_sequential_names_the_layer():
    model = mlp.Sequential(mlp.Dense(3, 5, rng=gen()), mlp.ReLU(), mlp.Dense(4, 2, rng=gen()))
    with pytest.raises(
        ValueError, match=re.escape("Dense(4 -> 2) expects inputs with 4 features, got shape (2, 5)")
    ):
        model.forward(np.zeros((2, 3)))


@pytest.mark.parametrize(
    ("layer", "name"),
    [(mlp.Dense(3, 2, rng=gen()), "Dense(3 -> 2)"), (mlp.BatchNorm(3), "BatchNorm(3)")],
    ids=["dense", "batchnorm"],
)
def test_one_dimensional_input_asks_for_a_batch(layer, name):
    expected = (
        f"{name} expects a 2-D batch of shape (N, 3), got shape (3,); "
        "for a single example use x.reshape(1, -1)"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        layer.forward(np.zeros(3))


def test_three_dimensional_input_to_dense_is_rejected():
    with pytest.raises(ValueError, match=re.escape("got shape (2, 3, 4)")):
        mlp.Dense(4, 2, rng=gen()).forward(np.zeros((2, 3, 4)))


def test_batchnorm_rejects_a_batch_of_one_in_training():
    with pytest.raises(ValueError, match=r"BatchNorm\(3\) needs at least 2 examples per batch.*\(1, 3\)"):
        mlp.BatchNorm(3).forward(np.zeros((1, 3)), training=True)


# ---------------------------------------------------------------- losses


def test_cross_entropy_label_too_large():
    with pytest.raises(ValueError, match=re.escape("labels must be in [0, 3] for 4 classes, got [0, 4]")):
        mlp.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0, 1, 4]))


def test_cross_entropy_negative_label():
    with pytest.raises(ValueError, match=re.escape("labels must be in [0, 3] for 4 classes, got [-1, 2]")):
        mlp.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0, -1, 2]))


def test_cross_entropy_float_labels_suggest_astype_int():
    with pytest.raises(
        ValueError, match=r"labels must be integers, got dtype float64; convert with y\.astype\(int\)"
    ):
        mlp.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0.0, 1.0, 2.0]))


def test_cross_entropy_fractional_labels_are_rejected():
    with pytest.raises(ValueError, match=r"labels must be integers, got dtype float64$"):
        mlp.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0.5, 1.0, 2.0]))


def test_cross_entropy_wrong_number_of_labels():
    with pytest.raises(ValueError, match="3 rows of logits but 2 labels"):
        mlp.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0, 1]))


def test_cross_entropy_one_hot_of_wrong_width():
    message = "CrossEntropyLoss(): y_pred has shape (3, 4) but y_true has shape (3, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        mlp.CrossEntropyLoss()(np.zeros((3, 4)), np.eye(5)[[0, 1, 2]])


def test_cross_entropy_one_dimensional_logits():
    with pytest.raises(ValueError, match=re.escape("expects logits of shape (N, C), got shape (4,)")):
        mlp.CrossEntropyLoss()(np.zeros(4), np.array([1]))


@pytest.mark.parametrize("loss", [mlp.MSELoss(), mlp.BCELoss()], ids=repr)
def test_loss_rejects_mismatched_shapes_instead_of_broadcasting(loss):
    message = f"{loss}: y_pred has shape (3, 2) but y_true has shape (2, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        loss(np.full((3, 2), 0.5), np.zeros((2, 3)))


@pytest.mark.parametrize("loss", [mlp.MSELoss(), mlp.BCELoss()], ids=repr)
def test_loss_column_versus_flat_targets_suggests_reshape(loss):
    # (N, 1) - (N,) would silently broadcast to (N, N)
    with pytest.raises(ValueError, match=re.escape("reshape the targets with y_true.reshape(-1, 1)")):
        loss(np.full((3, 1), 0.5), np.zeros(3))


# ---------------------------------------------------------------- backward


def every_layer():
    return [
        mlp.Dense(3, 3, rng=gen()),
        mlp.ReLU(),
        mlp.Sigmoid(),
        mlp.Tanh(),
        mlp.LeakyReLU(),
        mlp.ELU(),
        mlp.Softmax(),
        mlp.BatchNorm(3),
        mlp.Dropout(0.5, rng=gen()),
        mlp.Sequential(mlp.Dense(3, 3, rng=gen()), mlp.Tanh()),
    ]


LAYER_IDS = [type(layer).__name__ for layer in every_layer()]


@pytest.mark.parametrize("layer", every_layer(), ids=LAYER_IDS)
def test_layer_backward_before_forward_raises_runtime_error(layer):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize("loss", [mlp.MSELoss(), mlp.BCELoss(), mlp.CrossEntropyLoss()], ids=repr)
def test_loss_backward_before_forward_raises_runtime_error(loss):
    with pytest.raises(RuntimeError, match=re.escape(f"{loss}: backward() called before forward()")):
        loss.backward()


@pytest.mark.parametrize("layer", every_layer(), ids=LAYER_IDS)
def test_layer_backward_rejects_gradient_of_wrong_shape(layer):
    layer.forward(gen().standard_normal((4, 3)), training=True)
    message = "backward() got a gradient of shape (4, 2), but the last forward() returned shape (4, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.backward(np.ones((4, 2)))


# ---------------------------------------------------------------- constructors


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_probability_outside_zero_one(p):
    with pytest.raises(ValueError, match=re.escape(f"Dropout: p must be in [0, 1), got {p}")):
        mlp.Dropout(p, rng=gen())


@pytest.mark.parametrize("rng", [None, np.random.RandomState(0)], ids=["None", "RandomState"])
def test_dense_requires_a_generator(rng):
    with pytest.raises(TypeError, match="Dense: rng must be a numpy Generator"):
        mlp.Dense(2, 2, rng=rng)


@pytest.mark.parametrize("rng", [None, np.random.RandomState(0)], ids=["None", "RandomState"])
def test_dropout_requires_a_generator(rng):
    with pytest.raises(TypeError, match="Dropout: rng must be a numpy Generator"):
        mlp.Dropout(0.5, rng=rng)


def test_dense_rng_is_keyword_only_and_required():
    with pytest.raises(TypeError, match="rng"):
        mlp.Dense(2, 2)


# ---------------------------------------------------------------- fit


def linear_regression_setup(lr=0.1):
    model = mlp.Sequential(mlp.Dense(2, 1, rng=gen()))
    X = np.random.default_rng(1).standard_normal((20, 2))
    y = X @ np.array([[1.0], [2.0]])
    return model, mlp.MSELoss(), mlp.SGD(model.parameters(), lr=lr), X, y


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["inputs", "targets"])
def test_fit_rejects_non_finite_training_data(where, bad):
    model, loss, opt, X, y = linear_regression_setup()
    (X if where == "inputs" else y)[3, 0] = bad
    with pytest.raises(ValueError, match=f"fit: training {where} contain NaN or inf"):
        mlp.fit(model, loss, opt, X, y, epochs=1)


def test_fit_rejects_non_finite_validation_data():
    model, loss, opt, X, y = linear_regression_setup()
    X_val = X.copy()
    X_val[0, 1] = np.nan
    with pytest.raises(ValueError, match="fit: validation inputs contain NaN or inf"):
        mlp.fit(model, loss, opt, X, y, epochs=1, validation=(X_val, y))


def test_fit_with_huge_learning_rate_raises_floating_point_error_naming_the_epoch():
    model, loss, opt, X, y = linear_regression_setup(lr=10.0)
    with pytest.raises(
        FloatingPointError, match=r"loss became (inf|nan) at epoch \d+; the training diverged. Try a lower"
    ):
        mlp.fit(model, loss, opt, X, y, epochs=1000)


def test_fit_rejects_mismatched_row_counts():
    model, loss, opt, X, y = linear_regression_setup()
    with pytest.raises(ValueError, match="fit: training inputs have 20 rows but the targets have 19"):
        mlp.fit(model, loss, opt, X, y[:19], epochs=1)


# ---------------------------------------------------------------- numerics of large inputs

LARGE = [1e3, 1e5, -1e5]


@contextlib.contextmanager
def no_warnings():
    """Any warning (numpy's RuntimeWarning on overflow, divide or invalid) becomes an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def assert_finite(*arrays):
    for a in arrays:
        assert np.all(np.isfinite(a)), a


@pytest.mark.parametrize("magnitude", LARGE)
def test_sigmoid_is_finite_and_saturates_for_large_inputs(magnitude):
    x = np.array([[magnitude, -magnitude, 0.0]])
    sigmoid = mlp.Sigmoid()
    with no_warnings():
        y = sigmoid.forward(x)
        grad = sigmoid.backward(np.ones_like(x))
    assert_finite(y, grad)
    np.testing.assert_allclose(y, [[magnitude > 0, magnitude < 0, 0.5]], atol=1e-300)


@pytest.mark.parametrize("x", [-30.0, -100.0, -700.0])
def test_sigmoid_keeps_relative_accuracy_for_negative_inputs(x):
    # 1 - sigmoid(-x) would lose every digit here; 1 / (1 + e^{-x}) in floats is exact to a few ulps
    expected = 1.0 / (1.0 + math.exp(-x))
    with no_warnings():
        y = mlp.Sigmoid().forward(np.array([x]))[0]
    assert abs(y - expected) <= 1e-14 * expected


@pytest.mark.parametrize("magnitude", LARGE)
def test_softmax_is_finite_for_large_logits(magnitude):
    z = np.array([[magnitude, 0.0, -magnitude], [magnitude, magnitude, -magnitude]])
    softmax = mlp.Softmax()
    with no_warnings():
        p = softmax.forward(z)
        grad = softmax.backward(np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]))
    assert_finite(p, grad)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # exp(-2000) is 0 in float64: the largest logits share everything
    np.testing.assert_array_equal(p[1], [0.5, 0.5, 0.0] if magnitude > 0 else [0.0, 0.0, 1.0])


@pytest.mark.parametrize("magnitude", LARGE)
def test_bce_on_saturated_sigmoid_outputs_is_finite(magnitude):
    logits = np.array([[magnitude], [-magnitude], [magnitude], [-magnitude]])
    targets = np.array([[1.0], [0.0], [0.0], [1.0]])  # two right, two confidently wrong
    sigmoid, loss = mlp.Sigmoid(), mlp.BCELoss()
    with no_warnings():
        value = loss(sigmoid.forward(logits), targets)
        grad_p = loss.backward()
        grad_logits = sigmoid.backward(grad_p)
    assert_finite(value, grad_p, grad_logits)
    assert value > 0


@pytest.mark.parametrize("magnitude", LARGE)
def test_cross_entropy_is_exact_and_finite_for_large_logits(magnitude):
    z = np.array([[magnitude, -magnitude], [magnitude, -magnitude]])
    labels = np.array([0, 1])
    loss = mlp.CrossEntropyLoss()
    with no_warnings():
        value = loss(z, labels)
        grad = loss.backward()
    assert_finite(value, grad)
    # log-sum-exp: -log p = max(z) - z_y for so large a gap; the wrong row costs 2|m|, averaged over 2 rows
    assert value == pytest.approx(abs(magnitude))
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-12)


@pytest.mark.parametrize("magnitude", LARGE)
def test_cross_entropy_with_one_hot_targets_is_finite_for_large_logits(magnitude):
    z = np.array([[magnitude, 0.0, -magnitude]])
    loss = mlp.CrossEntropyLoss()
    with no_warnings():
        value = loss(z, np.array([[0.0, 0.0, 1.0]]))
        grad = loss.backward()
    assert_finite(value, grad)
    # log-sum-exp is max(z) = |m| (the other exponentials vanish); the target logit is -m
    assert value == pytest.approx(abs(magnitude) + magnitude)


@pytest.mark.parametrize("magnitude", LARGE)
def test_log_softmax_is_finite_and_never_takes_log_zero(magnitude):
    z = np.array([[magnitude, 0.0, -magnitude]])
    with no_warnings():
        log_p = log_softmax(z)
    assert_finite(log_p)
    # log sum exp(z) = max(z) = |m|: the other terms are exp(<= -1e3) = 0 in float64
    np.testing.assert_allclose(log_p, z - abs(magnitude), rtol=1e-12)


def test_sequential_rejects_the_same_layer_object_twice(rng):
    dense = mlp.Dense(3, 3, rng=rng)
    with pytest.raises(ValueError, match=r"item 2 is the same Dense\(3 -> 3\) object as item 0"):
        mlp.Sequential(dense, mlp.ReLU(), dense)
