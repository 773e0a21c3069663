"""Chapter 05's checkers: each fails on its stub and on a planted mistake, and passes the solution."""

import functools

import numpy as np

import mlp
from selfcheck import ch05


def test_ex1_floors():
    assert "not yet" in str(ch05.check_ex1.verdict(..., ...))
    in_bits = ch05.check_ex1.verdict(0.1057 / np.log(2), 0.5193 / np.log(2))
    assert not in_bits and "bits" in in_bits.message
    summed = ch05.check_ex1.verdict(4 * 0.1057, 0.5193)
    assert not summed and "mean" in summed.message
    assert ch05.check_ex1.verdict(0.4227 / 4, 2.0774 / 4)


def test_ex2_relative_error_of_a_scaled_gradient():
    def stub(N): ...

    assert "not yet" in str(ch05.check_ex2.verdict(stub, 0.05))
    wrong = ch05.check_ex2.verdict(lambda N: (N - 1) / N, 0.05)
    assert not wrong and "N + 1" in wrong.message
    divided = ch05.check_ex2.verdict(lambda N: (N - 1) / (N + 1), 1e-3 / 50)
    assert not divided and "50 times longer" in divided.message
    assert ch05.check_ex2.verdict(lambda N: (N - 1) / (N + 1), 50 * 1e-3)


def test_ex3_delta2_mse():
    def stub(A2, Y): ...

    assert "not yet" in str(ch05.check_ex3.verdict(stub))
    no_slope = ch05.check_ex3.verdict(lambda A2, Y: 2 * (A2 - Y) / Y.size)
    assert not no_slope and "slope" in no_slope.message
    per_row = ch05.check_ex3.verdict(lambda A2, Y: 2 * (A2 - Y) * A2 * (1 - A2) / len(Y))
    assert not per_row and "Y.size" in per_row.message
    assert ch05.check_ex3.verdict(lambda A2, Y: 2 * (A2 - Y) * A2 * (1 - A2) / Y.size)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def train_without_biases(params, X, Y, lr, epochs, update_biases=False):
    W1, b1, W2, b2 = (p.copy() for p in params)
    for _ in range(epochs):
        A1 = _sigmoid(X @ W1 + b1)
        A2 = _sigmoid(A1 @ W2 + b2)
        delta2 = (A2 - Y) / len(X)
        delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
        W2 -= lr * A1.T @ delta2
        W1 -= lr * X.T @ delta1
        if update_biases:  # the planted mistake: the biases learn too
            b2 -= lr * delta2.sum(axis=0)
            b1 -= lr * delta1.sum(axis=0)
    return [W1, b1, W2, b2]


def test_ex4_training_without_biases():
    def stub(params, X, Y, lr, epochs): ...

    assert "not yet" in str(ch05.check_ex4.verdict(stub))
    moved = ch05.check_ex4.verdict(lambda *a: train_without_biases(*a, update_biases=True))
    assert not moved and "biases moved" in moved.message
    assert not ch05.check_ex4.verdict(
        lambda params, X, Y, lr, epochs: train_without_biases(params, X, Y, lr, 10)
    )
    assert ch05.check_ex4.verdict(train_without_biases)


def make_net(n_hidden, seed=1):
    gen = np.random.default_rng(seed)
    return mlp.Sequential(
        mlp.Dense(2, n_hidden, rng=gen, init="uniform"),
        mlp.Sigmoid(),
        mlp.Dense(n_hidden, 2, rng=gen, init="uniform"),
        mlp.Sigmoid(),
    )


def test_ex5_largest_stable_rate():
    X, y = mlp.data.noisy_xor(100, rng=np.random.default_rng(0))
    Y = mlp.data.one_hot(y, 2)

    @functools.cache
    def stable_rates(h, rates=(0.5, 1, 2, 4, 8, 16), epochs=50):
        stable = []
        for lr in rates:
            net = make_net(h)
            history = mlp.fit(net, mlp.BCELoss(), mlp.SGD(net.parameters(), lr=lr), X, Y, epochs=epochs)
            if np.all(np.diff(history.loss) <= 1e-3):
                stable.append(lr)
        return stable

    def stub(h): ...

    assert "not yet" in str(ch05.check_ex5.verdict(stub, make_net, X, Y))
    first_unstable = ch05.check_ex5.verdict(lambda h: 2 * max(stable_rates(h)), make_net, X, Y)
    assert not first_unstable and "first unstable" in first_unstable.message
    assert not ch05.check_ex5.verdict(lambda h: min(stable_rates(h)), make_net, X, Y)
    assert ch05.check_ex5.verdict(lambda h: max(stable_rates(h)), make_net, X, Y)
