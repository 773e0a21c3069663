"""Models in float32: dtype kept end to end; gradient checks still run in float64."""

import numpy as np

import mlp


def float32_model(rng):
    return mlp.Sequential(
        mlp.Dense(4, 8, rng=rng, bias=False, dtype=np.float32),
        mlp.BatchNorm(8, dtype=np.float32),
        mlp.Sigmoid(),
        mlp.Dense(8, 3, rng=rng, dtype=np.float32),
    )


def test_float32_model_keeps_float32_through_a_training_step(rng):
    model = float32_model(rng)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    labels = rng.integers(0, 3, size=16)
    loss = mlp.CrossEntropyLoss()
    optimizer = mlp.Adam(model.parameters(), lr=0.01)
    out = model.forward(x)
    loss.forward(out, labels)
    grad_x = model.backward(loss.backward())
    optimizer.step()
    assert out.dtype == np.float32
    assert grad_x.dtype == np.float32
    assert all(p.value.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())


def test_float32_model_matches_float64_to_single_precision(rng):
    model32 = float32_model(np.random.default_rng(1))
    model64 = float32_model(np.random.default_rng(1))
    for p in model64.parameters():
        p.value = p.value.astype(np.float64)
        p.grad = np.zeros_like(p.value)
    x = rng.normal(size=(16, 4))
    np.testing.assert_allclose(
        model32.forward(x.astype(np.float32)), model64.forward(x), rtol=1e-4, atol=1e-5
    )


def test_check_gradients_on_a_float32_model_runs_in_float64(rng):
    model = float32_model(rng)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    errors = mlp.check_gradients(model, mlp.CrossEntropyLoss(), x, rng.integers(0, 3, size=16))
    assert max(errors.values()) < 1e-7
    assert model[0].W.value.dtype == np.float32  # the model itself is left as it was
