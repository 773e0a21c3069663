"""Checkers for chapter 08, optimizers."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import (
    NotYet,
    Wrong,
    as_array,
    as_number,
    call,
    checker,
    close,
    compare,
    given,
    trajectory,
)


@checker(1)
def check_ex1(momentum_step_limit):
    """The step of momentum for a constant gradient after many steps: eta * g / (1 - mu)."""
    cases = [(0.1, 0.9, 1.0), (0.01, 0.5, -3.0), (0.3, 0.99, 0.2), (1.0, 0.0, 2.0)]
    got = np.array(
        [as_number(call(momentum_step_limit, *c, name="momentum_step_limit"), "the step") for c in cases]
    )
    eta, mu, g = (np.array(column) for column in zip(*cases))
    if close(got, eta * g / (1 - mu**2)):
        raise Wrong("the weights form the series 1 + mu + mu**2 + ..., not 1 + mu**2 + mu**4 + ...")
    if close(got, eta * g * mu / (1 - mu)):
        raise Wrong("the newest gradient counts with weight 1 (mu**0): the series starts at 1, not at mu")
    if close(got, eta * g * (1 - mu)) or close(got, eta * g):
        raise Wrong("momentum sums the gradients; it does not average them: the step grows beyond eta * g")
    if close(np.abs(got), np.abs(eta * g / (1 - mu))) and not close(got, eta * g / (1 - mu)):
        raise Wrong("the size is right but the sign is not: return the step theta_(t-1) - theta_t, along g")
    compare("momentum_step_limit(eta, mu, g)", got, eta * g / (1 - mu))
    return (
        "momentum's long-run step for a constant gradient is right, and so is the total move of one gradient"
    )


@checker(2)
def check_ex2(adam_first_step):
    """The size of Adam's first step in each entry, against one step of mlp.Adam."""
    rng = np.random.default_rng(82)
    for lr, eps in [(0.01, 1e-8), (0.1, 1e-3)]:
        g = np.array([1e3, 1.0, 1e-3, 1e-6, 1e-8, 0.0, -2.0, -1e-8]) * rng.uniform(0.5, 2, 8)
        g[5] = 0.0
        got = as_array(
            call(adam_first_step, g, lr, eps, name="adam_first_step"), "adam_first_step(g, lr, eps)"
        )
        theta = mlp.Parameter(rng.standard_normal(g.size))
        before = theta.value.copy()
        theta.grad[...] = g
        mlp.Adam([theta], lr=lr, eps=eps).step()
        expected = np.abs(theta.value - before)
        if close(got, np.full_like(g, lr)):
            raise Wrong(
                "a step of lr in every entry ignores eps: look at the entries with |g| near eps, and at g = 0"
            )
        if close(got, lr * g / (np.abs(g) + eps)):
            raise Wrong("asked for the size of the step: it is never negative")
        compare("adam_first_step(g, lr, eps)", got, expected, rtol=1e-7, atol=1e-15)
    return "your formula matches one step of mlp.Adam, from |g| = 1000 down to 0"


@checker(3)
def check_ex3(rmsprop_step, first_within_10_percent):
    """RMSprop's step / lr for a constant gradient, 1 / sqrt(1 - rho**t), and the first step within 10 %."""
    sizes = {}
    for rho in (0.99, 0.9):
        theta = mlp.Parameter(np.zeros(1))
        optimizer = mlp.RMSprop([theta], lr=1.0, alpha=rho)
        measured = []
        for _ in range(300):
            before = theta.value[0]
            theta.grad[...] = 0.5
            optimizer.step()
            measured.append(abs(theta.value[0] - before))
        sizes[rho] = np.array(measured)
        t = np.arange(1, 301)
        got = np.array(
            [as_number(call(rmsprop_step, int(k), rho, name="rmsprop_step"), "rmsprop_step") for k in t]
        )
        if close(got, 1 / (1 - rho**t)):
            raise Wrong("rmsprop_step: the step divides by the square root of s_t")
        if close(got, np.ones_like(got)):
            raise Wrong(
                "rmsprop_step: without bias correction s_t = (1 - rho**t) g**2 is smaller than g**2 early on"
            )
        compare("rmsprop_step(t, rho) for t = 1..300", got, sizes[rho], rtol=1e-6)
    first = as_number(given(first_within_10_percent, "first_within_10_percent"), "first_within_10_percent")
    right = int(np.argmax(sizes[0.99] <= 1.1)) + 1
    if first == right - 1:
        raise Wrong("first_within_10_percent is one step early: the bound is not an integer, round up")
    if first != right:
        raise Wrong(
            "first_within_10_percent is not the first step whose size is within 10 % of lr (rho = 0.99)"
        )
    return "rmsprop_step matches mlp.RMSprop for rho = 0.99 and 0.9, and the step count is right"


@checker(4)
def check_ex4(sgd_large, train_digits, histories):
    """The digits network trained with plain SGD and lr 1.0, as train_digits does it."""
    given(sgd_large, "sgd_large")
    if not hasattr(sgd_large, "loss"):
        raise Wrong("`sgd_large` should be the history that train_digits returns")
    got = as_array(sgd_large.loss, "sgd_large.loss")
    if close(got, histories["SGD"].loss):
        raise Wrong("that is the SGD run of the comparison, with lr 0.1: use lr 1.0 = 0.1 / (1 - 0.9)")
    if close(got, histories["momentum"].loss):
        raise Wrong("that is the momentum run: the exercise asks for plain SGD, without momentum")
    reference = train_digits(lambda params, lr: mlp.SGD(params, lr=lr), 1.0)
    compare("sgd_large.loss", got, reference.loss, rtol=1e-9)
    return "sgd_large is plain SGD with lr 1.0 from the comparison's start and batches"


@checker(5)
def check_ex5(AdamW):
    """Decoupled weight decay, torch.optim.AdamW's form, against mlp.AdamW."""
    rng = np.random.default_rng(85)
    theta0 = rng.standard_normal(5)
    grads = rng.standard_normal((40, 5)) * np.array([10, 1, 0.1, 0.01, 0])

    def run(make):
        return trajectory(make, theta0, grads)

    given(AdamW, "AdamW")
    if isinstance(AdamW, type) and AdamW.step is mlp.Adam.step and AdamW.__init__ is mlp.Adam.__init__:
        raise NotYet("`AdamW` is still the starter stub: give it an __init__ and a step().")
    try:
        AdamW([mlp.Parameter(theta0.copy())], lr=0.01, weight_decay=0.1)
    except Exception as error:
        raise Wrong(
            f"AdamW(params, lr=0.01, weight_decay=0.1) raised {type(error).__name__}: {error}"
        ) from None
    if not callable(getattr(AdamW([mlp.Parameter(theta0.copy())], lr=0.01, weight_decay=0.1), "step", None)):
        raise Wrong("AdamW should be an optimizer class with a step() method (a subclass of mlp.Adam)")
    got = run(lambda ps: AdamW(ps, lr=0.01, weight_decay=0.1))
    expected = run(lambda ps: mlp.AdamW(ps, lr=0.01, weight_decay=0.1))
    if close(got, run(lambda ps: mlp.Adam(ps, lr=0.01, weight_decay=0.1)), rtol=1e-9):
        raise Wrong(
            "that is L2 inside Adam (mlp.Adam's weight_decay): shrink theta itself, outside the moments"
        )
    if close(got, run(lambda ps: mlp.Adam(ps, lr=0.01)), rtol=1e-9):
        raise Wrong("no decay at all: multiply theta by (1 - lr * weight_decay) in every step")

    class Both(mlp.AdamW):
        def _gradient(self, p):
            return p.grad + self.weight_decay * p.value

    if close(got, run(lambda ps: Both(ps, lr=0.01, weight_decay=0.1)), rtol=1e-9):
        raise Wrong("both decays at once: mlp.Adam's own weight_decay adds L2 too; pass weight_decay=0 to it")

    class PaperForm(mlp.AdamW):  # the decay scaled by the schedule multiplier (1), not by lr
        def step(self):
            for p in self.params:
                p.value *= 1 - self.weight_decay
            mlp.Adam.step(self)

    class DecayAfter(mlp.AdamW):  # the Adam step first, then the decay
        def step(self):
            mlp.Adam.step(self)
            for p in self.params:
                p.value *= 1 - self.lr * self.weight_decay

    if close(got, run(lambda ps: PaperForm(ps, lr=0.01, weight_decay=0.1)), rtol=1e-9):
        raise Wrong(
            "that shrinks by (1 - weight_decay), the paper's form: PyTorch's form multiplies by lr too"
        )
    if close(got, run(lambda ps: DecayAfter(ps, lr=0.01, weight_decay=0.1)), rtol=1e-9):
        raise Wrong("the decay comes after the Adam step: shrink theta first, then take the step")
    compare("theta after 40 steps of your AdamW", got, expected, rtol=1e-9, atol=1e-12)
    return "your AdamW takes the same 40 steps as mlp.AdamW"
