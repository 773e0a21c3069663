"""Bad input that used to get through: each case gets a clear error naming the function
or layer and the offending value or shape, or the right answer.

(Shapes of inputs, labels and non-finite data: test_errors.py; optimizer arguments:
test_optimizers.py.)
"""

import re

import numpy as np
import pytest

import mlp

# ---------------------------------------------------------------- divergence, whatever the loss


def diverging_setup(loss_name):
    """A one-layer model, its loss, inputs of size 1e4 and targets: one full-batch SGD step
    at lr = 1e306 overflows the weights to inf while the loss of that step is finite."""
    rng = np.random.default_rng(0)
    X, labels = mlp.data.noisy_xor(32, rng=1)
    X = 1e4 * X
    column = labels.reshape(-1, 1).astype(np.float64)
    dense = mlp.Dense(2, 2 if loss_name == "CrossEntropyLoss" else 1, rng=rng)
    dense.W.value *= 1e-6  # outputs near 0: a Sigmoid is not saturated, its gradient is not 0
    if loss_name == "BCELoss":
        return mlp.Sequential(dense, mlp.Sigmoid()), mlp.BCELoss(), X, column
    loss = getattr(mlp, loss_name)()
    return mlp.Sequential(dense), loss, X, labels if loss_name == "CrossEntropyLoss" else column


LOSS_NAMES = ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_fit_stops_with_floating_point_error_when_a_step_leaves_non_finite_weights(loss_name):
    model, loss, X, y = diverging_setup(loss_name)
    optimizer = mlp.SGD(model.parameters(), lr=1e306)
    with pytest.raises(
        FloatingPointError, match=r"non-finite value after epoch 1; the training diverged"
    ) as info:
        mlp.fit(model, loss, optimizer, X, y, epochs=1)
    assert "lower learning rate" in str(info.value)
    assert "clip_grad_norm" in str(info.value)


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_fit_stops_at_the_first_non_finite_batch_loss_naming_the_epoch(loss_name):
    model, loss, X, y = diverging_setup(loss_name)
    optimizer = mlp.SGD(model.parameters(), lr=1e306)
    # two batches: the first step overflows the weights, the second batch's loss is not finite
    with pytest.raises(
        FloatingPointError, match=r"the training loss became (nan|inf) at epoch 1; the training"
    ):
        mlp.fit(model, loss, optimizer, X, y, epochs=3, batch_size=16)


class LossWithInfiniteGradient(mlp.MSELoss):
    """A finite value, but an infinite gradient in one entry."""

    def backward(self):
        grad = super().backward()
        grad[0, 0] = np.inf
        return grad


def test_fit_stops_on_a_non_finite_gradient_whatever_the_loss():
    model, _, X, y = diverging_setup("MSELoss")
    optimizer = mlp.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match=r"parameter 0.W has a non-finite gradient after epoch 1"):
        mlp.fit(model, LossWithInfiniteGradient(), optimizer, X, y, epochs=1)


# ---------------------------------------------------------------- integer arrays become floats


def test_leaky_relu_on_integers_keeps_its_fractional_slope():
    np.testing.assert_array_equal(mlp.LeakyReLU(0.1)(np.array([[-10, 3]])), [[-1.0, 3.0]])


def test_elu_gradient_on_integers_is_alpha_exp_x():
    elu = mlp.ELU(alpha=0.5)
    elu(np.array([[-1, 2]]))
    np.testing.assert_allclose(elu.backward(np.ones((1, 2))), [[0.5 * np.exp(-1), 1.0]], rtol=1e-15)


@pytest.mark.parametrize(
    "layer",
    [mlp.ReLU(), mlp.LeakyReLU(0.2), mlp.ELU(0.5), mlp.Sigmoid(), mlp.Tanh(), mlp.Softmax()],
    ids=repr,
)
def test_activation_turns_integer_input_into_float64(layer):
    x = np.array([[-2, 0, 3]])
    y = layer(x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, layer(x.astype(np.float64)))


def test_dropout_scales_integer_input_by_one_over_keep_rate():
    dropout = mlp.Dropout(0.75, rng=0)
    y = dropout(np.full((200, 5), 3))
    assert y.dtype == np.float64
    assert set(np.unique(y)) <= {0.0, 12.0}


@pytest.mark.parametrize("layer", [mlp.Dense(2, 2, rng=0), mlp.BatchNorm(2)], ids=["Dense", "BatchNorm"])
def test_dense_and_batchnorm_accept_integer_input_as_float(layer):
    x = np.array([[1, 2], [3, 5], [4, -1]])
    np.testing.assert_array_equal(layer(x), layer(x.astype(np.float64)))


@pytest.mark.parametrize("dtype", [np.int64, int, np.int32, bool])
@pytest.mark.parametrize(
    "make", [lambda d: mlp.Dense(3, 2, rng=0, dtype=d), lambda d: mlp.BatchNorm(3, dtype=d)]
)
def test_layers_refuse_a_non_float_dtype_for_their_parameters(make, dtype):
    with pytest.raises(TypeError, match=r"(Dense|BatchNorm): dtype must be a floating-point type"):
        make(dtype)


def test_layer_refuses_a_non_numeric_input():
    with pytest.raises(TypeError, match=re.escape("ReLU() expects a numeric array, got dtype <U1")):
        mlp.ReLU()(np.array([["a", "b"]]))


@pytest.mark.parametrize(
    ("loss", "y_pred", "y_true"),
    [
        (mlp.MSELoss(), np.array([[1], [2]]), np.array([[0], [4]])),
        (mlp.BCEWithLogitsLoss(), np.array([[1], [-2]]), np.array([[1], [0]])),
        (mlp.CrossEntropyLoss(), np.array([[1, 2], [3, -1]]), np.array([[0, 1], [1, 0]])),
    ],
    ids=repr,
)
def test_loss_of_integer_arrays_equals_the_loss_of_floats(loss, y_pred, y_true):
    expected = loss(y_pred.astype(np.float64), y_true.astype(np.float64))
    expected_grad = loss.backward()
    assert loss(y_pred, y_true) == expected
    grad = loss.backward()
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, expected_grad)


# ---------------------------------------------------------------- BCELoss takes probabilities


def test_bce_loss_refuses_logits_and_points_to_bce_with_logits():
    with pytest.raises(
        ValueError,
        match=r"BCELoss\(\): y_pred \(probabilities\) must lie in \[0, 1\], got values in \[-2, 3\]",
    ) as info:
        mlp.BCELoss()(np.array([[3.0], [-2.0]]), np.array([[1.0], [0.0]]))
    assert "BCEWithLogitsLoss" in str(info.value)


def test_bce_loss_refuses_targets_outside_zero_one():
    with pytest.raises(
        ValueError, match=re.escape("BCELoss(): y_true (targets) must lie in [0, 1], got values in [0, 2]")
    ):
        mlp.BCELoss()(np.array([[0.5], [0.5]]), np.array([[0.0], [2.0]]))


def test_bce_loss_accepts_the_ends_of_zero_one():
    assert np.isfinite(mlp.BCELoss()(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])))


# ---------------------------------------------------------------- empty batches and sets


@pytest.mark.parametrize(
    ("loss", "shape"),
    [
        (mlp.MSELoss(), (0, 1)),
        (mlp.BCELoss(), (0, 1)),
        (mlp.BCEWithLogitsLoss(), (0, 3)),
        (mlp.CrossEntropyLoss(), (0, 3)),
    ],
    ids=repr,
)
def test_loss_refuses_an_empty_batch(loss, shape):
    with pytest.raises(ValueError, match=re.escape(f"{loss}: got an empty batch")):
        loss(np.zeros(shape), np.zeros(shape))


def test_cross_entropy_refuses_an_empty_batch_of_labels():
    with pytest.raises(
        ValueError, match=re.escape("CrossEntropyLoss(): got an empty batch, logits of shape (0, 3)")
    ):
        mlp.CrossEntropyLoss()(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_accuracy_refuses_an_empty_set():
    model = mlp.Sequential(mlp.Dense(2, 3, rng=0))
    with pytest.raises(ValueError, match=re.escape("accuracy: got an empty set")):
        mlp.accuracy(model, np.zeros((0, 2)), np.zeros(0, dtype=int))


def test_fit_refuses_an_empty_training_set_and_names_fit():
    model = mlp.Sequential(mlp.Dense(2, 1, rng=0))
    with pytest.raises(
        ValueError, match=re.escape("fit: the training set is empty (inputs of shape (0, 2))")
    ):
        mlp.fit(
            model,
            mlp.MSELoss(),
            mlp.SGD(model.parameters(), lr=0.1),
            np.zeros((0, 2)),
            np.zeros((0, 1)),
            epochs=1,
        )


def test_fit_refuses_an_empty_validation_set():
    model = mlp.Sequential(mlp.Dense(2, 1, rng=0))
    X, y = np.ones((4, 2)), np.ones((4, 1))
    with pytest.raises(ValueError, match=re.escape("fit: the validation set is empty")):
        mlp.fit(
            model,
            mlp.MSELoss(),
            mlp.SGD(model.parameters(), lr=0.1),
            X,
            y,
            epochs=1,
            validation=(X[:0], y[:0]),
        )


@pytest.mark.parametrize(("val_fraction", "n_val"), [(0.9999, 1797), (1e-5, 0)])
def test_digits_refuses_a_val_fraction_that_leaves_a_set_empty(val_fraction, n_val):
    with pytest.raises(
        ValueError, match=re.escape(f"digits: val_fraction={val_fraction} gives {n_val} validation")
    ):
        mlp.data.digits(val_fraction=val_fraction)


def test_minibatches_refuse_empty_data():
    with pytest.raises(ValueError, match=re.escape("minibatches: X is empty (shape (0, 2))")):
        list(mlp.data.minibatches(np.zeros((0, 2)), np.zeros(0), 4))


# ---------------------------------------------------------------- fit's arguments


def regression(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 3))
    return mlp.Sequential(mlp.Dense(3, 1, rng=0)), X, X @ np.array([[1.0], [-2.0], [0.5]])


def test_fit_takes_an_int_seed_like_the_layers():
    histories = []
    for rng in (42, np.random.default_rng(42)):
        model, X, y = regression()
        histories.append(
            mlp.fit(
                model,
                mlp.MSELoss(),
                mlp.SGD(model.parameters(), lr=0.05),
                X,
                y,
                epochs=3,
                batch_size=4,
                rng=rng,
            ).loss
        )
    assert histories[0] == histories[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 2.5}, "fit: batch_size must be a positive int, got 2.5"),
        ({"batch_size": 0}, "fit: batch_size must be a positive int, got 0"),
        ({"epochs": 2.5}, "fit: epochs must be a positive int, got 2.5"),
        ({"epochs": True}, "fit: epochs must be a positive int, got True"),
        ({"verbose": -1}, "fit: verbose must be an int >= 0, got -1"),
    ],
)
def test_fit_refuses_a_count_that_is_not_a_positive_int(kwargs, message):
    model, X, y = regression()
    kwargs = {"epochs": 1, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        mlp.fit(model, mlp.MSELoss(), mlp.SGD(model.parameters(), lr=0.05), X, y, **kwargs)


def test_fit_refuses_a_random_state_as_rng():
    model, X, y = regression()
    with pytest.raises(TypeError, match="fit: rng must be a numpy Generator"):
        mlp.fit(
            model,
            mlp.MSELoss(),
            mlp.SGD(model.parameters(), lr=0.05),
            X,
            y,
            epochs=1,
            rng=np.random.RandomState(0),
        )


@pytest.mark.parametrize(
    ("X_val", "y_val", "message"),
    [
        (
            np.ones((5, 4)),
            np.ones((5, 1)),
            "fit: the validation set has inputs (5, 4) and targets (5, 1), but the training set has "
            "inputs (20, 3)",
        ),
        (np.ones((5, 3)), np.ones(5), "fit: the validation set has inputs (5, 3) and targets (5,)"),
    ],
    ids=["inputs", "targets"],
)
def test_fit_refuses_a_validation_set_of_the_wrong_shape_before_the_first_step(X_val, y_val, message):
    model, X, y = regression()
    before = model.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)):
        mlp.fit(
            model,
            mlp.MSELoss(),
            mlp.SGD(model.parameters(), lr=0.05),
            X,
            y,
            epochs=1,
            validation=(X_val, y_val),
        )
    for key, value in before.items():
        np.testing.assert_array_equal(model.state_dict()[key], value)


def test_fit_tries_the_validation_set_on_the_model_and_loss_before_the_first_step():
    # Shapes that agree with the training set but not with the loss: int labels in the
    # validation set are out of range for the model's 2 classes.
    rng = np.random.default_rng(0)
    model = mlp.Sequential(mlp.Dense(3, 2, rng=rng))
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    before = model.state_dict()
    with pytest.raises(
        ValueError, match=re.escape("CrossEntropyLoss(): labels must be in [0, 1] for 2 classes")
    ):
        mlp.fit(
            model,
            mlp.CrossEntropyLoss(),
            mlp.SGD(model.parameters(), lr=0.1),
            X,
            y,
            epochs=1,
            validation=(X[:3], np.array([5, 0, 1])),
        )
    np.testing.assert_array_equal(model[0].W.value, before["0.W"])


def test_fit_refuses_an_optimizer_that_is_not_one():
    model, X, y = regression()
    with pytest.raises(TypeError, match="fit: optimizer has no step and zero_grad methods"):
        mlp.fit(model, mlp.MSELoss(), model.parameters(), X, y, epochs=1)


# ---------------------------------------------------------------- accuracy


def test_accuracy_refuses_one_hot_targets_of_the_wrong_width():
    model = mlp.Sequential(mlp.Dense(2, 3, rng=0))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "accuracy: one-hot targets of shape (2, 4) do not match the model's outputs of shape (2, 3)"
        ),
    ):
        mlp.accuracy(model, np.ones((2, 2)), mlp.data.one_hot(np.array([0, 3]), 4))


def test_accuracy_refuses_targets_of_another_length():
    model = mlp.Sequential(mlp.Dense(2, 3, rng=0))
    with pytest.raises(ValueError, match=re.escape("accuracy: 2 rows of outputs but 3 targets")):
        mlp.accuracy(model, np.ones((2, 2)), np.array([0, 1, 2]))
