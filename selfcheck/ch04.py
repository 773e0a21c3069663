"""Checkers for the exercises of chapter 04, the mathematics of backpropagation."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, close, compare


@checker(4)
def check_ex4(best_central_step):
    """best_central_step(eps, f_value, f_third) -> the h that minimises the central-difference error model."""
    rng = np.random.default_rng(404)
    for _ in range(6):
        eps = 10.0 ** rng.uniform(-17, -6)
        f_value, f_third = rng.uniform(0.2, 5.0, 2) * rng.choice([-1.0, 1.0], 2)
        got = as_number(
            call(best_central_step, eps, f_value, f_third, name="best_central_step"), "best_central_step(...)"
        )
        ratio = abs(f_value) / abs(f_third)
        expected = (3 * eps * ratio) ** (1 / 3)  # where E'(h) = h |f'''| / 3 - eps |f| / h**2 is zero
        if close(got, np.sqrt(eps * ratio), rtol=1e-3) or close(got, np.sqrt(eps), rtol=1e-3):
            raise Wrong(
                "a square root is the forward difference's step: the central difference's truncation error "
                "shrinks like h**2, so the balance gives a cube root."
            )
        if close(got, (eps * ratio) ** (1 / 3), rtol=1e-3) or close(
            got, (6 * eps * ratio) ** (1 / 3), rtol=1e-3
        ):
            raise Wrong(
                "the power is right but the constant is not: solve dE/dh = 0 again, "
                "with dE/dh = h |f'''| / 3 - eps |f| / h**2."
            )
        if not np.isfinite(got) or got <= 0:
            raise Wrong("a step must be a positive number: use the absolute values |f| and |f'''|.")
        if not close(got, expected, rtol=1e-6, atol=0.0):
            raise Wrong(
                "best_central_step does not minimise E(h) for some eps, f and f''' "
                "(the model uses the absolute values |f| and |f'''|)."
            )
    return "best_central_step minimises the error model for 6 random eps, f and f'''."


def _tanh_net(rng, n_rows=12):
    """A 2-8-8-1 tanh network with random weights and a batch: (params, X, Y, mlp model)."""
    model = mlp.Sequential(
        mlp.Dense(2, 8, rng=rng), mlp.Tanh(), mlp.Dense(8, 8, rng=rng), mlp.Tanh(), mlp.Dense(8, 1, rng=rng)
    )
    for p in model.parameters():  # random biases too, so a forgotten bias term shows
        p.value[...] = rng.normal(0.0, 0.8, p.value.shape)
    X, Y = rng.standard_normal((n_rows, 2)), rng.standard_normal((n_rows, 1))
    return [p.value.copy() for p in model.parameters()], X, Y, model


@checker(5)
def check_ex5(tanh_net_gradients):
    rng = np.random.default_rng(405)
    names = ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    for n_rows in (12, 7):
        params, X, Y, model = _tanh_net(rng, n_rows)
        got = call(tanh_net_gradients, params, X, Y, name="tanh_net_gradients")
        if not isinstance(got, (list, tuple)) or len(got) != 6:
            raise Wrong(
                "tanh_net_gradients should return a list of six arrays: [dW1, db1, dW2, db2, dW3, db3]."
            )
        loss = mlp.MSELoss()
        model.zero_grad()
        loss(model(X), Y)
        model.backward(loss.backward())
        for name, g, p in zip(names, got, model.parameters()):
            g = as_array(g, name)
            if close(g, n_rows * p.grad):
                raise Wrong(
                    f"{name} is {n_rows} times too large, the number of rows: the loss is a mean, "
                    "so the output error is 2 (Y_hat - Y) / N."
                )
            if close(g, n_rows * p.grad / 2) or close(g, p.grad / 2):
                raise Wrong(
                    f"{name} is off by a constant factor: the derivative of the mean of (Y_hat - Y)**2 "
                    "is 2 (Y_hat - Y) / N."
                )
            compare(name, g, p.grad, rtol=1e-6, atol=1e-10)
    return "all six gradients match mlp (and so central differences) on two random networks and batches."
