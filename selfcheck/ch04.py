"""Checkers for the exercises of chapter 04, the mathematics of backpropagation."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, close, compare, compare_number, given


@checker(1)
def check_ex1(tanh_slope, sigmoid_slope_max, tanh_slope_max, z_at_max):
    rng = np.random.default_rng(401)
    z = rng.uniform(-3, 3, 12)
    a = np.tanh(z)
    got = as_array(call(tanh_slope, a.copy(), name="tanh_slope"), "tanh_slope(a)")
    numeric = mlp.numerical_gradient(lambda v: np.tanh(v).sum(), z.copy())
    if close(got, 1 - np.tanh(a) ** 2, rtol=1e-5):
        raise Wrong(
            "tanh_slope applies tanh to its argument again: it is given the output a = tanh(z) already."
        )
    if close(got, a * (1 - a), rtol=1e-5):
        raise Wrong("that is the sigmoid's slope a (1 - a): tanh's is written with a**2.")
    compare("tanh_slope(a)", got, numeric, rtol=1e-6, atol=1e-9)
    s_max = as_number(given(sigmoid_slope_max, "sigmoid_slope_max"), "sigmoid_slope_max")
    if np.isclose(s_max, 0.5):
        raise Wrong("sigmoid_slope_max is sigmoid(0) itself, the value; the slope there is a (1 - a).")
    grid = np.linspace(-10, 10, 20001)  # the slopes on a fine grid, to compare the maxima with
    sigma = 1 / (1 + np.exp(-grid))
    compare_number("sigmoid_slope_max", s_max, np.max(sigma * (1 - sigma)), rtol=1e-6)
    compare_number(
        "tanh_slope_max",
        as_number(given(tanh_slope_max, "tanh_slope_max"), "tanh_slope_max"),
        np.max(1 - np.tanh(grid) ** 2),
        rtol=1e-6,
    )
    where = as_number(given(z_at_max, "z_at_max"), "z_at_max")
    compare_number("z_at_max", where, grid[np.argmax(sigma * (1 - sigma))], atol=1e-9)
    return (
        "tanh_slope matches central differences at 12 random points; both maxima and their place are right."
    )


@checker(2)
def check_ex2(dz_dt_circle, dz_dt_diagonal, dz_dt_assigned):
    rng = np.random.default_rng(402)
    for t in rng.uniform(0.3, 3.0, 4):
        circle = mlp.numerical_gradient(lambda v: np.sum(np.cos(v) ** 2 + np.sin(v) ** 2), np.array([t]))[0]
        diagonal = mlp.numerical_gradient(lambda v: np.sum(v**2 + v**2), np.array([t]))[0]
        compare_number("dz_dt_circle(t)", call(dz_dt_circle, t, name="dz_dt_circle"), circle, atol=1e-6)
        got = as_number(call(dz_dt_diagonal, t, name="dz_dt_diagonal"), "dz_dt_diagonal(t)")
        if np.isclose(got, diagonal / 2):
            raise Wrong("dz_dt_diagonal keeps one path only: t reaches z through x and through y, add both.")
        compare_number("dz_dt_diagonal(t)", got, diagonal, rtol=1e-6)
        assigned = as_number(call(dz_dt_assigned, t, name="dz_dt_assigned"), "dz_dt_assigned(t)")
        if np.isclose(assigned, diagonal):
            raise Wrong(
                "dz_dt_assigned is the true derivative: assigning keeps only the last path's contribution."
            )
        compare_number("dz_dt_assigned(t)", assigned, diagonal / 2, rtol=1e-6)
    return "all three derivatives are right at 4 random values of t."


def _true_shapes(N, widths, rng):
    """The shapes of the deltas and gradients of a real 3-layer network of these widths, computed."""
    A = rng.standard_normal((N, widths[0]))
    Ws = [rng.standard_normal((widths[i], widths[i + 1])) for i in range(3)]
    activations, shapes = [A], {}
    for W in Ws:
        activations.append(np.tanh(activations[-1] @ W))
    delta = activations[-1] - 1.0
    for layer in (3, 2, 1):
        shapes[f"delta{layer}"] = delta.shape
        shapes[f"dW{layer}"] = (activations[layer - 1].T @ delta).shape
        shapes[f"db{layer}"] = delta.sum(axis=0).shape
        delta = (delta @ Ws[layer - 1].T) * (1 - activations[layer - 1] ** 2)
    return shapes


@checker(3)
def check_ex3(gradient_shapes):
    rng = np.random.default_rng(403)
    for _ in range(3):
        N, *widths = (int(v) for v in rng.choice(np.arange(2, 12), 5, replace=False))
        got = call(gradient_shapes, N, *widths, name="gradient_shapes")
        if not isinstance(got, dict):
            raise Wrong("gradient_shapes should return a dictionary from names to shape tuples.")
        expected = _true_shapes(N, widths, rng)
        for name, shape in expected.items():
            if name not in got:
                raise Wrong(f"the dictionary has no entry {name!r}.")
            mine = tuple(int(v) for v in np.atleast_1d(got[name]))
            if mine != shape:
                hint = ""
                if name.startswith("dW") and mine == shape[::-1]:
                    hint = " It is transposed: a gradient has the shape of its parameter, (n_in, n_out)."
                elif name.startswith("db"):
                    hint = " A bias gradient sums delta over the rows: one number per unit, like the bias."
                raise Wrong(f"{name} should not be {mine} for N={N}, widths {widths}.{hint}")
    return "every shape is right for 3 random sets of widths."


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
