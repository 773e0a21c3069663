"""Checkers for chapter 09, initialization and regularization."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_number, call, checker, close, compare_number, given, trajectory

# (alpha, n_in) pairs on which exercise 1's formula is evaluated
_LEAKY_CASES = [(0.0, 100), (0.01, 64), (0.2, 32), (0.5, 10), (1.0, 100), (3.0, 7)]


@checker(1)
def check_ex1(leaky_var_w):
    """Var(w) that keeps a leaky-ReLU layer's variance constant: 2 / ((1 + alpha**2) n_in)."""
    got = [
        as_number(call(leaky_var_w, a, n, name="leaky_var_w"), "leaky_var_w(alpha, n_in)")
        for a, n in _LEAKY_CASES
    ]
    got = np.array(got)
    alphas = np.array([a for a, _ in _LEAKY_CASES])
    n_in = np.array([n for _, n in _LEAKY_CASES], dtype=float)
    if close(got, 2 / ((1 + alphas) * n_in)):
        raise Wrong(
            "the negative half's second moment scales with alpha squared, not alpha: a = alpha z there"
        )
    if close(got, np.full_like(got, 2.0) / n_in):
        raise Wrong("that is He's rule for every alpha: the negative half now contributes too")
    if close(got, 1 / ((1 + alphas**2) * n_in)) or close(got, 4 / ((1 + alphas**2) * n_in)):
        raise Wrong("off by a factor 2: each half of a symmetric z carries half of its second moment")
    expected = 2 / ((1 + alphas**2) * n_in)
    for (alpha, n), value, want in zip(_LEAKY_CASES, got, expected):
        if not np.isclose(value, want, rtol=1e-9):
            raise Wrong(f"leaky_var_w({alpha}, {n}) is {'too large' if value > want else 'too small'}.")
    return "leaky_var_w gives He's rule at alpha = 0 and the linear unit's 1/n_in at alpha = 1"


@checker(2)
def check_ex2(dropout_mean, dropout_var):
    """Mean and variance of inverted dropout's a * r / (1 - p), r ~ Bernoulli(1 - p)."""
    cases = [(1.0, 0.5), (-2.0, 0.2), (0.3, 0.9), (5.0, 0.1)]
    means = np.array(
        [as_number(call(dropout_mean, a, p, name="dropout_mean"), "dropout_mean(a, p)") for a, p in cases]
    )
    varis = np.array(
        [as_number(call(dropout_var, a, p, name="dropout_var"), "dropout_var(a, p)") for a, p in cases]
    )
    a = np.array([a for a, _ in cases])
    p = np.array([p for _, p in cases])
    if close(means, (1 - p) * a):
        raise Wrong(
            "dropout_mean is the mean of standard dropout: inverted dropout divides the kept units by 1 - p"
        )
    if not close(means, a):
        raise Wrong("dropout_mean is off: each mask entry has mean (1 - p) / (1 - p) + 0 * p")
    if close(varis, p * (1 - p) * a**2):
        raise Wrong("dropout_var is the variance of standard dropout, r * a: divide by (1 - p) squared")
    if close(varis, p / (1 - p) ** 2 * a**2):
        raise Wrong("dropout_var: E[r**2] - E[r]**2 = (1 - p) p, times a**2 / (1 - p)**2")
    if not close(varis, p / (1 - p) * a**2):
        raise Wrong("dropout_var is off: compute E[m**2] - E[m]**2 for m = r / (1 - p), using r**2 = r")
    return "the mean stays a and the variance grows like p / (1 - p)"


@checker(3)
def check_ex3(he_uniform, uniform_variance_factor):
    """A uniform initialization with He's variance, and the per-layer variance factor of init='uniform'."""
    rng = np.random.default_rng(93)
    for n_in, n_out in [(2000, 500), (500, 2000)]:
        W = np.asarray(call(he_uniform, n_in, n_out, rng=rng, name="he_uniform"), dtype=float)
        if W.shape != (n_in, n_out):
            raise Wrong(f"he_uniform({n_in}, {n_out}) has shape {W.shape}: it should be (n_in, n_out)")
        var = W.var()
        if abs(W.mean()) > 1e-3:
            raise Wrong("he_uniform's weights should have mean 0: draw from [-c, c]")
        if np.isclose(var, 2 / (n_in + n_out), rtol=0.02) and not np.isclose(var, 2 / n_in, rtol=0.02):
            raise Wrong("that is Glorot's uniform rule, with n_in + n_out: He's variance uses n_in alone")
        if np.isclose(var, 2 / (3 * n_in), rtol=0.02):
            raise Wrong(
                "c = sqrt(2 / n_in) gives the variance c**2 / 3 = 2 / (3 n_in): solve c**2 / 3 = 2 / n_in"
            )
        if not np.isclose(var, 2 / n_in, rtol=0.02):
            raise Wrong(f"the variance of he_uniform({n_in}, {n_out}) is not 2 / n_in")
        if W.max() > np.sqrt(6 / n_in) * (1 + 1e-12) or W.min() < -np.sqrt(6 / n_in) * (1 + 1e-12):
            raise Wrong("he_uniform's weights should be uniform on [-c, c]; some lie outside that range")
        if not np.isclose(np.mean(np.abs(W)), np.sqrt(6 / n_in) / 2, rtol=0.02):
            raise Wrong("he_uniform's weights do not look uniform (a normal draw has the wrong mean |w|)")
    factor = as_number(given(uniform_variance_factor, "uniform_variance_factor"), "uniform_variance_factor")
    if np.isclose(factor, 1 / 3) or np.isclose(factor, 1 / np.sqrt(6)):
        raise Wrong(
            "uniform_variance_factor: the ReLU halves the second moment too, and it is a factor in variance"
        )
    compare_number("uniform_variance_factor", factor, 1 / 6, rtol=1e-6)
    return "he_uniform has He's variance, and the factor per ReLU layer of init='uniform' is right"


@checker(4)
def check_ex4(best_epoch, early, hist_base, X_val, y_val):
    """Early stopping: the epoch of the lowest validation loss, and a network trained exactly that long."""
    epoch = as_number(given(best_epoch, "best_epoch"), "best_epoch")
    given(early, "early")
    right = int(np.argmin(hist_base.val_loss)) + 1
    if epoch == right - 1:
        raise Wrong("best_epoch is one too small: np.argmin counts epochs from 0, fit counts them from 1")
    if epoch != right:
        raise Wrong("best_epoch is not the epoch with the lowest validation loss in hist_base.val_loss")
    if not hasattr(early, "parameters"):
        raise Wrong("`early` should be the network you trained (an mlp.Sequential)")
    loss = mlp.CrossEntropyLoss()(mlp.predict(early, X_val), y_val)
    if np.isclose(loss, hist_base.val_loss[right - 2], rtol=1e-9):
        raise Wrong("`early` was trained one epoch too few (its loss is that of epoch best_epoch - 1)")
    if np.isclose(loss, hist_base.val_loss[-1], rtol=1e-9):
        raise Wrong(
            "`early` is the network trained for all 100 epochs: train a fresh make_net(3) for best_epoch"
        )
    if not np.isclose(loss, hist_base.val_loss[right - 1], rtol=1e-9):
        raise Wrong(
            "`early`'s validation loss is not hist_base's at best_epoch: start from make_net(3) and use the "
            "settings of train() (full batch, SGD, lr 0.05, momentum 0.9, no weight decay)"
        )
    return "best_epoch is right and `early` reproduces the baseline's validation loss at that epoch"


@checker(5)
def check_ex5(make_adam):
    """make_adam(params, decoupled): Adam with L2 (weight_decay) or decoupled decay, lr 0.001, lambda 0.1."""
    rng = np.random.default_rng(95)
    theta0 = rng.standard_normal(6)
    grads = rng.standard_normal((30, 6)) * np.array([10, 1, 0.1, 0.01, 0.001, 0])
    references = {
        False: lambda ps: mlp.Adam(ps, lr=0.001, weight_decay=0.1),
        True: lambda ps: mlp.AdamW(ps, lr=0.001, weight_decay=0.1),
    }

    def run(make):
        return trajectory(make, theta0, grads)

    for decoupled in (False, True):
        optimizer = call(make_adam, [mlp.Parameter(theta0.copy())], decoupled, name="make_adam")
        if not hasattr(optimizer, "step"):
            raise Wrong("make_adam should return an optimizer (something with a step() method)")
        got = run(lambda ps, d=decoupled: make_adam(ps, d))
        if close(got, run(references[not decoupled]), rtol=1e-9):
            raise Wrong(
                f"make_adam(params, decoupled={decoupled}) gives the other method: are the two swapped?"
            )
        if close(got, run(lambda ps: mlp.Adam(ps, lr=0.001)), rtol=1e-9):
            raise Wrong(f"make_adam(params, decoupled={decoupled}) applies no weight decay at all")
        if not close(got, run(references[decoupled]), rtol=1e-9):
            which = "the decoupled decay (AdamW)" if decoupled else "L2 inside Adam (weight_decay)"
            raise Wrong(
                f"make_adam(params, decoupled={decoupled}) is not {which} with lr 0.001 and lambda 0.1"
            )
    return "make_adam gives L2 inside Adam and the decoupled decay (AdamW) as asked"
