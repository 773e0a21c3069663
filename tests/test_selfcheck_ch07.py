"""The checkers of chapter 07: each fails on its stub and on a planted mistake, and passes the solution."""

import numpy as np

from selfcheck import ch07

EPS = 1e-5

# -- the chapter's forward and compact backward, and the solutions of its hidden cells ------------


def batchnorm_forward(x, gamma, beta, eps=EPS):
    mu = x.mean(axis=0)
    c = x - mu
    var = np.mean(c**2, axis=0)
    s = np.sqrt(var + eps)
    xhat = c / s
    return gamma * xhat + beta, {"mu": mu, "c": c, "var": var, "s": s, "xhat": xhat}


def batchnorm_backward(g, nodes, gamma):
    n = g.shape[0]
    xhat, s = nodes["xhat"], nodes["s"]
    ghat = gamma * g
    dx = (n * ghat - ghat.sum(axis=0) - xhat * (ghat * xhat).sum(axis=0)) / (n * s)
    return dx, (g * xhat).sum(axis=0), g.sum(axis=0)


def grad_gamma_beta(g, xhat):
    return (g * xhat).sum(axis=0), g.sum(axis=0)


def batchnorm_eval_backward(g, gamma, running_var, eps=EPS):
    return gamma * g / np.sqrt(running_var + eps)


def layernorm_forward(x, gamma, beta, eps=EPS):
    mu = x.mean(axis=1, keepdims=True)
    s = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mu) / s
    return gamma * xhat + beta, {"xhat": xhat, "s": s}


def layernorm_backward(g, cache, gamma):
    xhat, s = cache["xhat"], cache["s"]
    d = g.shape[1]
    ghat = gamma * g
    dx = (d * ghat - ghat.sum(axis=1, keepdims=True) - xhat * (ghat * xhat).sum(axis=1, keepdims=True)) / (
        d * s
    )
    return dx, (g * xhat).sum(axis=0), g.sum(axis=0)


def to_columns(x4):
    return x4.transpose(0, 2, 3, 1).reshape(-1, x4.shape[1])


def from_columns(x2, shape):
    n, c, h, w = shape
    return x2.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def batchnorm2d_forward(x4, gamma, beta, eps=EPS):
    y2, nodes2 = batchnorm_forward(to_columns(x4), gamma, beta, eps)
    return from_columns(y2, x4.shape), nodes2


def batchnorm2d_backward(g4, nodes2, gamma):
    dx2, dgamma2, dbeta2 = batchnorm_backward(to_columns(g4), nodes2, gamma)
    return from_columns(dx2, g4.shape), dgamma2, dbeta2


def stub(*args, **kwargs): ...


def test_ex2():
    assert "not yet" in str(ch07.check_ex2.verdict(stub))
    assert "swapped" in ch07.check_ex2.verdict(lambda g, xhat: grad_gamma_beta(g, xhat)[::-1]).message
    means = ch07.check_ex2.verdict(lambda g, xhat: ((g * xhat).mean(axis=0), g.mean(axis=0)))
    assert "N times too small" in means.message
    assert "one row per example" in ch07.check_ex2.verdict(lambda g, xhat: (g * xhat, g)).message
    assert ch07.check_ex2.verdict(grad_gamma_beta)


def test_ex3():
    assert "not yet" in str(ch07.check_ex3.verdict(stub))
    no_gamma = ch07.check_ex3.verdict(lambda g, gamma, running_var, eps=EPS: g / np.sqrt(running_var + eps))
    assert "gamma is missing" in no_gamma.message
    by_variance = ch07.check_ex3.verdict(
        lambda g, gamma, running_var, eps=EPS: gamma * g / (running_var + eps)
    )
    assert "not by the variance" in by_variance.message
    through_the_mean = ch07.check_ex3.verdict(
        lambda g, gamma, running_var, eps=EPS: gamma * (g - g.mean(axis=0)) / np.sqrt(running_var + eps)
    )
    assert "no such path" in through_the_mean.message
    assert ch07.check_ex3.verdict(batchnorm_eval_backward)


def test_ex4():
    def batch_axis_forward(x, gamma, beta, eps=EPS):
        y, nodes = batchnorm_forward(x, gamma, beta, eps)
        return y, nodes

    def constant_statistics(g, cache, gamma):
        return gamma * g / cache["s"], (g * cache["xhat"]).sum(axis=0), g.sum(axis=0)

    def per_row_parameters(g, cache, gamma):
        dx, _, _ = layernorm_backward(g, cache, gamma)
        return dx, (g * cache["xhat"]).sum(axis=1), g.sum(axis=1)

    assert "not yet" in str(ch07.check_ex4.verdict(stub, stub))
    assert "over the batch (axis 0)" in ch07.check_ex4.verdict(batch_axis_forward, layernorm_backward).message
    assert "as constants" in ch07.check_ex4.verdict(layernorm_forward, constant_statistics).message
    assert "one entry per example" in ch07.check_ex4.verdict(layernorm_forward, per_row_parameters).message
    assert ch07.check_ex4.verdict(layernorm_forward, layernorm_backward)


def test_ex5():
    def without_transpose(x4, gamma, beta, eps=EPS):
        y2, nodes2 = batchnorm_forward(x4.reshape(-1, x4.shape[1]), gamma, beta, eps)
        return y2.reshape(x4.shape), nodes2

    def batch_only(x4, gamma, beta, eps=EPS):
        xhat = (x4 - x4.mean(axis=0)) / np.sqrt(x4.var(axis=0) + eps)
        return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), {}

    def gamma_left_out(g4, nodes2, gamma):
        return batchnorm2d_backward(g4, nodes2, np.ones_like(gamma))

    assert "not yet" in str(ch07.check_ex5.verdict(stub, stub))
    assert "transpose first" in ch07.check_ex5.verdict(without_transpose, batchnorm2d_backward).message
    assert "over the batch only" in ch07.check_ex5.verdict(batch_only, batchnorm2d_backward).message
    assert not ch07.check_ex5.verdict(batchnorm2d_forward, gamma_left_out)
    assert ch07.check_ex5.verdict(batchnorm2d_forward, batchnorm2d_backward)
