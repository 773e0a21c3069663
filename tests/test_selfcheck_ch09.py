"""Chapter 09's checkers: each fails on its starter stub, on a planted mistake, and passes on the solution."""

import numpy as np
import pytest

import mlp
from selfcheck import ch09


def stub(*args, **kwargs): ...


# -- exercise 1: Var(w) for leaky ReLU


def test_ex1():
    assert "not yet" in str(ch09.check_ex1.verdict(stub))
    wrong = ch09.check_ex1.verdict(lambda alpha, n_in: 2 / ((1 + alpha) * n_in))
    assert not wrong and "alpha squared" in wrong.message
    assert not ch09.check_ex1.verdict(lambda alpha, n_in: 2 / n_in)
    assert ch09.check_ex1.verdict(lambda alpha, n_in: 2 / ((1 + alpha**2) * n_in))


# -- exercise 2: inverted dropout's mean and variance


def test_ex2():
    assert "not yet" in str(ch09.check_ex2.verdict(stub, stub))
    standard = ch09.check_ex2.verdict(lambda a, p: a, lambda a, p: p * (1 - p) * a**2)
    assert not standard and "standard dropout" in standard.message
    assert not ch09.check_ex2.verdict(lambda a, p: (1 - p) * a, lambda a, p: p / (1 - p) * a**2)
    assert ch09.check_ex2.verdict(lambda a, p: a, lambda a, p: p / (1 - p) * a**2)


# -- exercise 3: He uniform


def he_uniform(n_in, n_out, *, rng):
    c = np.sqrt(6 / n_in)
    return rng.uniform(-c, c, size=(n_in, n_out))


def test_ex3():
    assert "not yet" in str(ch09.check_ex3.verdict(stub, ...))

    def glorot_uniform(n_in, n_out, *, rng):
        c = np.sqrt(6 / (n_in + n_out))
        return rng.uniform(-c, c, size=(n_in, n_out))

    wrong = ch09.check_ex3.verdict(glorot_uniform, 1 / 6)
    assert not wrong and "Glorot" in wrong.message

    def he_normal(n_in, n_out, *, rng):
        return mlp.init.he(n_in, n_out, rng=rng)

    assert not ch09.check_ex3.verdict(he_normal, 1 / 6)
    assert not ch09.check_ex3.verdict(he_uniform, 1 / 3)
    assert ch09.check_ex3.verdict(he_uniform, 1 / 6)


# -- exercise 4: early stopping (a small stand-in for the chapter's network and data)


@pytest.fixture(scope="module")
def early_setup():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    X_val, y_val = rng.standard_normal((60, 5)), rng.integers(0, 3, 60)

    def make_net():
        r = np.random.default_rng(3)
        return mlp.Sequential(mlp.Dense(5, 30, rng=r), mlp.ReLU(), mlp.Dense(30, 3, rng=r))

    def train(epochs, validate):
        net = make_net()
        optimizer = mlp.SGD(net.parameters(), lr=0.05, momentum=0.9)
        validation = (X_val, y_val) if validate else None
        history = mlp.fit(net, mlp.CrossEntropyLoss(), optimizer, X, y, epochs=epochs, validation=validation)
        return net, history

    _, hist = train(100, True)
    best = int(np.argmin(hist.val_loss)) + 1
    assert 2 < best < 100  # the stand-in overfits, so the check below is meaningful
    return train, hist, X_val, y_val, best


def test_ex4(early_setup):
    train, hist, X_val, y_val, best = early_setup
    assert "not yet" in str(ch09.check_ex4.verdict(..., ..., hist, X_val, y_val))
    off_by_one = ch09.check_ex4.verdict(best - 1, train(best - 1, False)[0], hist, X_val, y_val)
    assert not off_by_one and "argmin" in off_by_one.message
    full = ch09.check_ex4.verdict(best, train(100, False)[0], hist, X_val, y_val)
    assert not full and "all 100 epochs" in full.message
    assert ch09.check_ex4.verdict(best, train(best, False)[0], hist, X_val, y_val)


# -- exercise 5: L2 inside Adam or decoupled decay


def make_adam(params, decoupled):
    if decoupled:
        return mlp.AdamW(params, lr=0.001, weight_decay=0.1)
    return mlp.Adam(params, lr=0.001, weight_decay=0.1)


def test_ex5():
    assert "not yet" in str(ch09.check_ex5.verdict(stub))
    swapped = ch09.check_ex5.verdict(lambda ps, decoupled: make_adam(ps, not decoupled))
    assert not swapped and "swapped" in swapped.message
    assert not ch09.check_ex5.verdict(lambda ps, decoupled: mlp.Adam(ps, lr=0.001))
    assert ch09.check_ex5.verdict(make_adam)
