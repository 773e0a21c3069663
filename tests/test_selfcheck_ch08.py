"""Chapter 08's checkers: each fails on its starter stub, on a planted mistake, and passes on the solution."""

import copy

import numpy as np

import mlp
from selfcheck import ch08


def stub(*args, **kwargs): ...


def test_ex1():
    assert "not yet" in str(ch08.check_ex1.verdict(stub))
    squares = ch08.check_ex1.verdict(lambda eta, mu, g: eta * g / (1 - mu**2))
    assert not squares and "1 + mu + mu**2" in squares.message
    assert not ch08.check_ex1.verdict(lambda eta, mu, g: eta * g)
    assert ch08.check_ex1.verdict(lambda eta, mu, g: eta * g / (1 - mu))


def test_ex2():
    assert "not yet" in str(ch08.check_ex2.verdict(stub))
    no_eps = ch08.check_ex2.verdict(lambda g, lr, eps: np.full(g.shape, lr))
    assert not no_eps and "eps" in no_eps.message
    assert ch08.check_ex2.verdict(lambda g, lr, eps: lr * np.abs(g) / (np.abs(g) + eps))


def test_ex3():
    def rmsprop_step(t, rho):
        return 1 / np.sqrt(1 - rho**t)

    assert "not yet" in str(ch08.check_ex3.verdict(stub, ...))
    no_root = ch08.check_ex3.verdict(lambda t, rho: 1 / (1 - rho**t), 175)
    assert not no_root and "square root" in no_root.message
    off_by_one = ch08.check_ex3.verdict(rmsprop_step, 174)
    assert not off_by_one and "round up" in off_by_one.message
    assert ch08.check_ex3.verdict(rmsprop_step, 175)


def test_ex4():
    # a small stand-in for the chapter's digits comparison: same start, same batches on every call
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 6)), rng.integers(0, 3, 64)
    start = mlp.Sequential(mlp.Dense(6, 8, rng=rng), mlp.ReLU(), mlp.Dense(8, 3, rng=rng))

    def train_digits(make_optimizer, lr):
        model = copy.deepcopy(start)
        optimizer = make_optimizer(model.parameters(), lr)
        loss = mlp.CrossEntropyLoss()
        return mlp.fit(model, loss, optimizer, X, y, epochs=3, batch_size=16, rng=np.random.default_rng(1))

    histories = {
        "SGD": train_digits(lambda ps, lr: mlp.SGD(ps, lr=lr), 0.1),
        "momentum": train_digits(lambda ps, lr: mlp.SGD(ps, lr=lr, momentum=0.9), 0.1),
    }
    assert "not yet" in str(ch08.check_ex4.verdict(..., train_digits, histories))
    small = ch08.check_ex4.verdict(histories["SGD"], train_digits, histories)
    assert not small and "lr 0.1" in small.message
    assert not ch08.check_ex4.verdict(histories["momentum"], train_digits, histories)
    sgd_large = train_digits(lambda ps, lr: mlp.SGD(ps, lr=lr), 1.0)
    assert ch08.check_ex4.verdict(sgd_large, train_digits, histories)


class AdamW(mlp.Adam):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps)
        self.decoupled_weight_decay = weight_decay

    def step(self):
        for p in self.params:
            p.value *= 1 - self.lr * self.decoupled_weight_decay
        super().step()


def test_ex5():
    assert "not yet" in str(ch08.check_ex5.verdict(...))

    class L2(mlp.Adam):  # the planted mistake: weight_decay handed to mlp.Adam, which adds L2
        def __init__(self, params, lr=0.001, weight_decay=0.01):
            super().__init__(params, lr=lr, weight_decay=weight_decay)

    l2 = ch08.check_ex5.verdict(L2)
    assert not l2 and "L2" in l2.message

    class Both(AdamW):
        def __init__(self, params, lr=0.001, weight_decay=0.01):
            mlp.Adam.__init__(self, params, lr=lr, weight_decay=weight_decay)
            self.decoupled_weight_decay = weight_decay

    both = ch08.check_ex5.verdict(Both)
    assert not both and "both decays" in both.message
    assert ch08.check_ex5.verdict(AdamW)
