"""The speed-ups of issue 16 keep mlp's contracts.

Optimizers make every Parameter's value and grad views into flat buffers; replacing
an array, loading a state dict, deep copies and two optimizers must all still work.
Sequential can skip the input's gradient, but only when asked.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import mlp

OPTIMIZERS = [
    lambda ps: mlp.SGD(ps, lr=0.1),
    lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: mlp.Adagrad(ps, lr=0.1),
    lambda ps: mlp.RMSprop(ps, lr=0.01),
    lambda ps: mlp.Adam(ps, lr=0.01, weight_decay=0.01),
    lambda ps: mlp.AdamW(ps, lr=0.01),
]


def model_and_batch(seed=0):
    rng = np.random.default_rng(seed)
    model = mlp.Sequential(
        mlp.Dense(4, 6, rng=rng), mlp.BatchNorm(6), mlp.Tanh(), mlp.Dense(6, 3, rng=rng, bias=False)
    )
    return model, rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)


def train(model, optimizer, X, y, steps=3):
    loss = mlp.CrossEntropyLoss()
    for _ in range(steps):
        optimizer.zero_grad()
        loss(model(X), y)
        model.backward(loss.backward())
        optimizer.step()


def reference_step(make, params, grads):
    """The same optimizer on fresh copies of the parameters, one parameter per optimizer:
    no flat buffer is shared, so this is the per-parameter update of the chapters."""
    results = []
    for p, g in zip(params, grads):
        q = mlp.Parameter(p.value.copy())
        optimizer = make([q])
        q.grad += g
        optimizer.step()
        results.append(q.value)
    return results


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_flat_update_equals_the_update_of_each_parameter_alone(make):
    model, X, y = model_and_batch()
    params = model.parameters()
    optimizer = make(params)
    loss = mlp.CrossEntropyLoss()
    loss(model(X), y)
    model.backward(loss.backward())
    grads = [p.grad.copy() for p in params]
    expected = reference_step(make, params, grads)
    optimizer.step()
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.value, e)


def test_parameters_become_views_into_one_buffer_and_layers_see_updates():
    model, X, y = model_and_batch()
    optimizer = mlp.Adam(model.parameters(), lr=0.01)
    (flat,) = optimizer.flat
    for p in model.parameters():
        assert np.shares_memory(p.value, flat.value) and np.shares_memory(p.grad, flat.grad)
    before = model[0].W.value.copy()
    train(model, optimizer, X, y, steps=1)
    assert not np.array_equal(model[0].W.value, before)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_replacing_a_parameter_array_keeps_training_correct(make):
    model, X, y = model_and_batch()
    twin, _, _ = model_and_batch()
    optimizer, twin_optimizer = make(model.parameters()), make(twin.parameters())
    train(model, optimizer, X, y, steps=1)
    train(twin, twin_optimizer, X, y, steps=1)
    W = model[0].W
    W.value = W.value * 0.5  # replaced, not updated in place: no longer a view
    W.grad = np.zeros_like(W.value)
    twin[0].W.value *= 0.5
    train(model, optimizer, X, y, steps=2)
    train(twin, twin_optimizer, X, y, steps=2)
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.value, q.value)
    assert np.shares_memory(W.value, optimizer.flat[0].value)


def test_zero_grad_clears_a_replaced_gradient():
    model, _, _ = model_and_batch()
    optimizer = mlp.SGD(model.parameters(), lr=0.1)
    model[0].W.grad = np.ones_like(model[0].W.value)
    optimizer.zero_grad()
    assert not model[0].W.grad.any()


def test_load_state_dict_keeps_the_optimizer_connected():
    model, X, y = model_and_batch()
    optimizer = mlp.Adam(model.parameters(), lr=0.01)
    saved = model.state_dict()
    train(model, optimizer, X, y)
    model.load_state_dict(saved)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.value, saved[name])
        assert np.shares_memory(p.value, optimizer.flat[0].value)
    train(model, optimizer, X, y, steps=1)
    assert not np.array_equal(model[0].W.value, saved["0.W"])


def test_a_deep_copy_is_independent_of_the_original_optimizer():
    model, X, y = model_and_batch()
    optimizer = mlp.SGD(model.parameters(), lr=0.1)
    clone = copy.deepcopy(model)
    train(model, optimizer, X, y)
    assert not np.array_equal(clone[0].W.value, model[0].W.value)


def test_two_optimizers_on_disjoint_parameters_and_mixed_dtypes():
    rng = np.random.default_rng(0)
    model = mlp.Sequential(mlp.Dense(3, 4, rng=rng, dtype=np.float32), mlp.Tanh(), mlp.Dense(4, 2, rng=rng))
    weights = [model[0].W, model[2].W]
    biases = [model[0].b, model[2].b]
    sgd, adam = mlp.SGD(weights, lr=0.1), mlp.Adam(biases, lr=0.1)
    assert len(sgd.flat) == 2  # one buffer per dtype
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
    before = [p.value.copy() for p in model.parameters()]
    loss = mlp.CrossEntropyLoss()
    for _ in range(2):
        sgd.zero_grad()
        adam.zero_grad()
        loss(model(X), y)
        model.backward(loss.backward())
        sgd.step()
        adam.step()
    assert all(not np.array_equal(p.value, b) for p, b in zip(model.parameters(), before))
    assert model[0].W.value.dtype == np.float32 and model[2].W.value.dtype == np.float64


def test_a_parameter_listed_twice_is_updated_once():
    p = mlp.Parameter(np.ones(3))
    optimizer = mlp.SGD([p, p], lr=0.5)
    p.grad += 1.0
    optimizer.step()
    np.testing.assert_array_equal(p.value, 0.5)


def test_optimizer_state_per_parameter_is_a_view_of_the_flat_state():
    model, X, y = model_and_batch()
    optimizer = mlp.Adam(model.parameters(), lr=0.01)
    train(model, optimizer, X, y)
    for p, m in zip(optimizer.params, optimizer.m):
        assert m.shape == p.shape
        assert np.shares_memory(m, optimizer.m_flat[0])
    assert optimizer.m_flat[0].any()


def test_sequential_skips_the_input_gradient_only_when_asked():
    model, X, y = model_and_batch()
    loss = mlp.CrossEntropyLoss()
    loss(model(X), y)
    grad = loss.backward()
    model.zero_grad()
    grad_x = model.backward(grad)
    assert grad_x.shape == X.shape
    with_input = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    assert model.backward(grad, input_grad=False) is None
    for p, g in zip(model.parameters(), with_input):
        np.testing.assert_array_equal(p.grad, g)


def test_a_single_layer_still_returns_its_input_gradient():
    rng = np.random.default_rng(0)
    dense = mlp.Dense(3, 2, rng=rng)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    dense(x)
    np.testing.assert_allclose(dense.backward(g), g @ dense.W.value.T)


def test_check_gradients_still_checks_the_input():
    model, X, y = model_and_batch()
    errors = mlp.check_gradients(model, mlp.CrossEntropyLoss(), X, y)
    assert "input" in errors and errors["input"] < 1e-6


def test_fit_trains_with_the_input_gradient_skipped():
    model, X, y = model_and_batch()
    twin, _, _ = model_and_batch()
    history = mlp.fit(model, mlp.CrossEntropyLoss(), mlp.Adam(model.parameters(), lr=0.01), X, y, epochs=3)
    train(twin, mlp.Adam(twin.parameters(), lr=0.01), X, y, steps=3)
    assert len(history.loss) == 3
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.value, q.value)
