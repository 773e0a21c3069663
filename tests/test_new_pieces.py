"""Forward values of the pieces chapters used to write by hand: BCEWithLogitsLoss and
state_dict / load_state_dict. (AdamW and clip_grad_norm: test_optimizers.py; their
gradients: test_gradients.py; agreement with PyTorch: tests/oracle.)"""

import re
import warnings

import numpy as np
import pytest

import mlp

# ---------------------------------------------------------------- BCEWithLogitsLoss


def bce_of_sigmoid(z, y):
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_bce_with_logits_equals_bce_of_the_sigmoid_at_moderate_logits(rng):
    z, y = 3 * rng.standard_normal((6, 2)), rng.uniform(0, 1, (6, 2))
    assert mlp.BCEWithLogitsLoss()(z, y) == pytest.approx(bce_of_sigmoid(z, y), rel=1e-12)


def test_bce_with_logits_known_values():
    # z = 0: log 2 whatever y; z = 2, y = 1: log(1 + e^-2); z = -3, y = 1: 3 + log(1 + e^-3)
    loss = mlp.BCEWithLogitsLoss()
    assert loss(np.array([[0.0]]), np.array([[0.3]])) == pytest.approx(np.log(2), rel=1e-15)
    assert loss(np.array([[2.0]]), np.array([[1.0]])) == pytest.approx(np.log1p(np.exp(-2)), rel=1e-15)
    assert loss(np.array([[-3.0]]), np.array([[1.0]])) == pytest.approx(3 + np.log1p(np.exp(-3)), rel=1e-15)


@pytest.mark.parametrize("magnitude", [40.0, 800.0, 1e5])
def test_bce_with_logits_is_exact_and_silent_for_huge_logits(magnitude):
    loss = mlp.BCEWithLogitsLoss()
    z = np.array([[magnitude], [-magnitude], [magnitude], [-magnitude]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])  # right, right, wrong, wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(z, y)
        grad = loss.backward()
    assert value == pytest.approx(2 * magnitude / 4, rel=1e-12)  # the wrong ones cost |z| each
    np.testing.assert_allclose(grad, [[0.0], [0.0], [0.25], [-0.25]], atol=1e-15)


def test_bce_with_logits_gives_a_confidently_wrong_unit_the_full_gradient():
    # A Sigmoid rounded to 0 then BCELoss: the sigmoid's derivative is 0, so no signal.
    z, y = np.array([[-40.0]]), np.array([[1.0]])
    loss = mlp.BCEWithLogitsLoss()
    loss(z, y)
    assert loss.backward()[0, 0] == pytest.approx(-1.0, rel=1e-12)
    sigmoid, bce = mlp.Sigmoid(), mlp.BCELoss()
    bce(sigmoid(z), y)
    assert abs(sigmoid.backward(bce.backward())[0, 0]) < 1e-5


def test_bce_with_logits_gradient_is_sigmoid_minus_target_over_m(rng):
    z, y = rng.standard_normal((5, 3)), rng.uniform(0, 1, (5, 3))
    loss = mlp.BCEWithLogitsLoss()
    loss(z, y)
    np.testing.assert_allclose(loss.backward(), (1 / (1 + np.exp(-z)) - y) / 15, rtol=1e-12)


def test_bce_with_logits_rejects_targets_outside_zero_one():
    with pytest.raises(
        ValueError, match=re.escape("BCEWithLogitsLoss(): y_true (targets) must lie in [0, 1]")
    ):
        mlp.BCEWithLogitsLoss()(np.zeros((2, 1)), np.array([[0.0], [2.0]]))


# ---------------------------------------------------------------- state_dict


def model_with_batchnorm(seed=0):
    rng = np.random.default_rng(seed)
    return mlp.Sequential(
        mlp.Dense(3, 4, rng=rng),
        mlp.ReLU(),
        mlp.BatchNorm(4),
        mlp.Dropout(0.2, rng=rng),
        mlp.Dense(4, 2, rng=rng, bias=False),
    )


def trained(model, seed=1):
    """A few SGD steps so parameters and running statistics differ from their start."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((16, 3)), rng.integers(0, 2, 16)
    mlp.fit(model, mlp.CrossEntropyLoss(), mlp.SGD(model.parameters(), lr=0.1), X, y, epochs=3, batch_size=4)
    return model


def test_state_dict_keys_are_layer_index_and_name():
    assert list(model_with_batchnorm().state_dict()) == [
        "0.W",
        "0.b",
        "2.gamma",
        "2.beta",
        "4.W",
        "2.running_mean",
        "2.running_var",
    ]


def test_state_dict_values_are_copies():
    model = model_with_batchnorm()
    state = model.state_dict()
    state["0.W"][...] = 0.0
    state["2.running_var"][...] = 0.0
    assert np.any(model[0].W.value != 0.0)
    np.testing.assert_array_equal(model[2].running_var, np.ones(4))


def test_state_dict_holds_the_running_statistics():
    model = trained(model_with_batchnorm())
    np.testing.assert_array_equal(model.state_dict()["2.running_mean"], model[2].running_mean)
    assert np.any(model[2].running_mean != 0.0)


def test_single_layer_state_dict_has_unprefixed_names():
    bn = mlp.BatchNorm(2)
    assert sorted(bn.state_dict()) == ["beta", "gamma", "running_mean", "running_var"]


def test_savez_and_load_state_dict_round_trip_predictions(tmp_path, rng):
    source = trained(model_with_batchnorm(seed=0))
    path = tmp_path / "model.npz"
    np.savez(path, **source.state_dict())
    target = model_with_batchnorm(seed=5)  # other initial weights
    X = rng.standard_normal((7, 3))
    assert not np.allclose(mlp.predict(target, X), mlp.predict(source, X))
    with np.load(path) as saved:
        target.load_state_dict(dict(saved))
    np.testing.assert_array_equal(mlp.predict(target, X), mlp.predict(source, X))
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key], value)


def test_load_state_dict_keeps_the_parameter_boxes_so_the_optimizer_stays_connected():
    model = model_with_batchnorm()
    boxes = model.parameters()
    optimizer = mlp.SGD(model.parameters(), lr=0.1)
    model.load_state_dict(trained(model_with_batchnorm(seed=3)).state_dict())
    assert all(a is b for a, b in zip(model.parameters(), boxes))
    assert optimizer.params[0] is model[0].W


def test_load_state_dict_names_a_missing_and_an_unexpected_key():
    model = model_with_batchnorm()
    state = model.state_dict()
    del state["2.running_var"]
    state["9.W"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing \['2.running_var'\], unexpected \['9.W'\]"):
        model.load_state_dict(state)


def test_load_state_dict_names_the_key_and_both_shapes_and_changes_nothing():
    model = model_with_batchnorm()
    before = model.state_dict()
    state = model.state_dict()
    state["0.b"] = np.ones(4)  # would be loaded first if the check came late
    state["4.W"] = np.zeros((2, 4))
    message = "Sequential.load_state_dict: '4.W' has shape (2, 4) in the state dict but (4, 2) in the model"
    with pytest.raises(ValueError, match=re.escape(message)):
        model.load_state_dict(state)
    for key, value in before.items():
        np.testing.assert_array_equal(model.state_dict()[key], value)


def test_load_state_dict_keeps_the_model_dtype(rng):
    model = mlp.Sequential(mlp.Dense(2, 2, rng=rng, dtype=np.float32))
    model.load_state_dict({"0.W": np.ones((2, 2)), "0.b": np.zeros(2, dtype=np.int64)})
    assert model[0].W.value.dtype == np.float32
    np.testing.assert_array_equal(model[0].W.value, np.ones((2, 2)))


def test_load_state_dict_refuses_something_that_is_not_a_dict():
    with pytest.raises(
        TypeError, match=re.escape("Sequential.load_state_dict: expects a dict of arrays, got list")
    ):
        model_with_batchnorm().load_state_dict([np.zeros(3)])
