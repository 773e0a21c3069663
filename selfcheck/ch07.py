"""Checkers for the exercises of chapter 07, batch normalization."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, call, checker, close, compare

EPS = 1e-5


def _batch(rng, n, d):
    """A non-degenerate test batch: every feature shifted and scaled differently."""
    return rng.uniform(-3, 3, size=d) + rng.uniform(0.5, 4, size=d) * rng.standard_normal((n, d))


def _normalize(x, axis, eps=EPS):
    mu = x.mean(axis=axis, keepdims=True)
    s = np.sqrt(x.var(axis=axis, keepdims=True) + eps)
    return (x - mu) / s, s


def _compact_dx(ghat, xhat, s, axis):
    """(ch07-dx) along ``axis``: ghat = gamma * g, xhat and s from the forward pass."""
    n = ghat.shape[axis]
    return (
        n * ghat - ghat.sum(axis=axis, keepdims=True) - xhat * (ghat * xhat).sum(axis=axis, keepdims=True)
    ) / (n * s)


def _pair(result, name, count):
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise Wrong(f"`{name}` should return {count} arrays, as a tuple.")
    return result


@checker(2)
def check_ex2(grad_gamma_beta):
    rng = np.random.default_rng(702)
    for n, d in ((16, 5), (9, 3)):
        xhat, _ = _normalize(_batch(rng, n, d), axis=0)
        g = rng.standard_normal((n, d))
        result = _pair(call(grad_gamma_beta, g, xhat, name="grad_gamma_beta"), "grad_gamma_beta", 2)
        dgamma = as_array(result[0], "dL/dgamma")
        dbeta = as_array(result[1], "dL/dbeta")
        expected_gamma, expected_beta = (g * xhat).sum(axis=0), g.sum(axis=0)
        if close(dgamma, expected_beta) and close(dbeta, expected_gamma):
            raise Wrong("the two gradients are swapped: gamma multiplies xhat, beta is added.")
        if close(dgamma, g * xhat) or close(dbeta, g):
            raise Wrong(
                "one gradient has one row per example: gamma and beta are shared, so sum over the batch."
            )
        if close(dgamma, expected_gamma / n) or close(dbeta, expected_beta / n):
            raise Wrong(
                "a gradient is N times too small: the paths add up, so sum over the batch, not the mean."
            )
        compare("dL/dgamma", dgamma, expected_gamma)
        compare("dL/dbeta", dbeta, expected_beta)
    return "dL/dgamma and dL/dbeta are right on two random batches."


@checker(3)
def check_ex3(batchnorm_eval_backward):
    rng = np.random.default_rng(703)
    n, d = 12, 4
    layer = mlp.BatchNorm(d, momentum=0.3)
    for _ in range(5):
        layer(_batch(rng, n, d), training=True)
    layer.gamma.value[...] = rng.uniform(0.5, 2.0, size=d)
    layer.beta.value[...] = rng.standard_normal(d)
    x, g = _batch(rng, n, d), rng.standard_normal((n, d))
    layer.zero_grad()
    layer(x, training=False)
    expected = layer.backward(g)
    gamma, running_var = layer.gamma.value.copy(), layer.running_var.copy()
    got = as_array(
        call(batchnorm_eval_backward, g, gamma, running_var, layer.eps, name="batchnorm_eval_backward"),
        "batchnorm_eval_backward(g, gamma, running_var, eps)",
    )
    if close(got, g / np.sqrt(running_var + layer.eps)):
        raise Wrong("the factor gamma is missing: dL/dxhat = gamma * dL/dy.")
    if close(got, gamma * g / (running_var + layer.eps)):
        raise Wrong("divide by the standard deviation sqrt(running_var + eps), not by the variance.")
    if close(got, gamma * (g - g.mean(axis=0)) / np.sqrt(running_var + layer.eps)):
        raise Wrong(
            "that subtracts the batch mean of the gradient, a path through the batch mean: in evaluation "
            "mode the mean and variance are fixed running statistics, so there is no such path."
        )
    compare("batchnorm_eval_backward(...)", got, expected)
    numeric = mlp.numerical_gradient(lambda v: np.sum(g * layer(v, training=False)), x.copy())
    if mlp.relative_error(got, numeric) > 1e-7:
        raise Wrong("the gradient differs from central differences of the evaluation-mode layer.")
    return "batchnorm_eval_backward matches mlp.BatchNorm in evaluation mode and central differences."


def _layernorm_reference(x, gamma, beta):
    xhat, s = _normalize(x, axis=1)
    return gamma * xhat + beta, xhat, s


@checker(4)
def check_ex4(layernorm_forward, layernorm_backward):
    rng = np.random.default_rng(704)
    n, d = 6, 5
    x = rng.uniform(-3, 3, size=(n, 1)) + rng.uniform(0.5, 4, size=(n, 1)) * rng.standard_normal((n, d))
    gamma, beta, g = rng.uniform(0.5, 2.0, size=d), rng.standard_normal(d), rng.standard_normal((n, d))
    expected_y, xhat, s = _layernorm_reference(x, gamma, beta)
    result = _pair(call(layernorm_forward, x, gamma, beta, name="layernorm_forward"), "layernorm_forward", 2)
    y, cache = as_array(result[0], "layernorm_forward(...)[0]"), result[1]
    batch_normalized = gamma * _normalize(x, axis=0)[0] + beta
    if close(y, batch_normalized):
        raise Wrong(
            "layernorm_forward normalizes each feature over the batch (axis 0): use each row, axis=1."
        )
    compare("layernorm_forward(x, gamma, beta)[0]", y, expected_y)
    grads = _pair(
        call(layernorm_backward, g, cache, gamma, name="layernorm_backward"), "layernorm_backward", 3
    )
    dx, dgamma, dbeta = (as_array(v, f"dL/d{k}") for v, k in zip(grads, ("x", "gamma", "beta")))
    if dgamma.shape == (n,) or dbeta.shape == (n,):
        raise Wrong(
            "dL/dgamma and dL/dbeta have one entry per example: they are per feature, sum over axis 0."
        )
    compare("dL/dgamma", dgamma, (g * xhat).sum(axis=0))
    compare("dL/dbeta", dbeta, g.sum(axis=0))
    if close(dx, gamma * g / s):
        raise Wrong("dL/dx treats the row mean and standard deviation as constants: add their paths.")
    if close(dx, _compact_dx(gamma * g, _normalize(x, axis=0)[0], _normalize(x, axis=0)[1], axis=0)):
        raise Wrong(
            "dL/dx sums over the batch (axis 0): for layer normalization the sums run along each row."
        )
    numeric = mlp.numerical_gradient(lambda v: np.sum(g * _layernorm_reference(v, gamma, beta)[0]), x.copy())
    compare("dL/dx", dx, numeric, rtol=1e-5, atol=1e-7)
    return (
        "layernorm_forward and the three gradients of layernorm_backward "
        "match a reference and central differences."
    )


def _bn2d_reference(x4, gamma, beta):
    c = x4.shape[1]
    mu = x4.mean(axis=(0, 2, 3), keepdims=True)
    s = np.sqrt(x4.var(axis=(0, 2, 3), keepdims=True) + EPS)
    xhat = (x4 - mu) / s
    return gamma.reshape(1, c, 1, 1) * xhat + beta.reshape(1, c, 1, 1)


@checker(5)
def check_ex5(batchnorm2d_forward, batchnorm2d_backward):
    rng = np.random.default_rng(705)
    shape = (3, 2, 4, 3)
    x4 = rng.uniform(-3, 3, size=(1, 2, 1, 1)) + rng.uniform(0.5, 4, size=(1, 2, 1, 1)) * rng.standard_normal(
        shape
    )
    gamma, beta, g4 = rng.uniform(0.5, 2.0, size=2), rng.standard_normal(2), rng.standard_normal(shape)
    result = _pair(
        call(batchnorm2d_forward, x4, gamma, beta, name="batchnorm2d_forward"), "batchnorm2d_forward", 2
    )
    y4, cache = as_array(result[0], "batchnorm2d_forward(...)[0]"), result[1]
    if y4.shape != shape:
        raise Wrong(f"the output has shape {y4.shape}, expected the input's shape {shape}.")
    expected = _bn2d_reference(x4, gamma, beta)
    wrongly_grouped = (x4.reshape(-1, 2) - x4.reshape(-1, 2).mean(axis=0)) / np.sqrt(
        x4.reshape(-1, 2).var(axis=0) + EPS
    )
    if close(y4, (gamma * wrongly_grouped + beta).reshape(shape)):
        raise Wrong(
            "reshape(-1, C) without moving the channel axis last mixes the channels: transpose first."
        )
    per_pixel = (x4 - x4.mean(axis=0)) / np.sqrt(x4.var(axis=0) + EPS)
    if close(y4, gamma.reshape(1, 2, 1, 1) * per_pixel + beta.reshape(1, 2, 1, 1)):
        raise Wrong(
            "the statistics are taken over the batch only: each channel's run over N, H and W together."
        )
    compare("batchnorm2d_forward(x4, gamma, beta)[0]", y4, expected)
    grads = _pair(
        call(batchnorm2d_backward, g4, cache, gamma, name="batchnorm2d_backward"), "batchnorm2d_backward", 3
    )
    dx4, dgamma, dbeta = (as_array(v, f"dL/d{k}") for v, k in zip(grads, ("x", "gamma", "beta")))
    checks = {
        "dL/dx": (dx4, lambda v: np.sum(g4 * _bn2d_reference(v, gamma, beta)), x4),
        "dL/dgamma": (dgamma, lambda v: np.sum(g4 * _bn2d_reference(x4, v, beta)), gamma),
        "dL/dbeta": (dbeta, lambda v: np.sum(g4 * _bn2d_reference(x4, gamma, v)), beta),
    }
    for name, (got, f, value) in checks.items():
        compare(name, got, mlp.numerical_gradient(f, value.copy()), rtol=1e-5, atol=1e-7)
    return (
        "batchnorm2d_forward and the three gradients of batchnorm2d_backward "
        "match a reference and central differences."
    )
