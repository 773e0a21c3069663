"""Hand-written numpy training steps: the floor that `mlp` is measured against.

Each ``make_*`` function returns a ``step(X, y)`` closure that does one training
step (forward, backward, update) for one workload with no abstraction: every
array op written out, temporaries reused where natural. They start from the
parameter arrays they are given (copies of an `mlp` model's) and update them in
place, so after the same batches they must equal the `mlp` model's parameters.
Like `mlp`, each step also returns the loss, and sums over the batch use
``ones @ a`` (a BLAS product, several times faster than ``a.sum(axis=0)`` on
narrow arrays): the floor gets every numerical trick `mlp` uses, so the ratio
measures what the abstraction costs, nothing else.
"""

from __future__ import annotations

import numpy as np


def _adam(params, lr, betas, eps):
    """An Adam update closure over parallel lists of parameters and moments."""
    b1, b2 = betas
    m = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    t = 0

    def update(grads):
        nonlocal t
        t += 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        for p, g, m_i, s_i in zip(params, grads, m, s):
            m_i *= b1
            m_i += (1 - b1) * g
            s_i *= b2
            g *= g
            g *= 1 - b2
            s_i += g
            denom = np.sqrt(s_i / c2)
            denom += eps
            p -= (lr / c1) * m_i / denom

    return update


def make_digits_step(W1, W2, W3, b3, *, lr=0.001, betas=(0.9, 0.999), eps=1e-8, bn_eps=1e-5, momentum=0.1):
    """Dense(64,32,no bias)-BN-Sigmoid-Dense(32,16,no bias)-BN-ReLU-Dense(16,10), softmax
    cross-entropy on int labels, Adam. Returns (step, params, running_stats)."""
    g1, be1 = np.ones(W1.shape[1]), np.zeros(W1.shape[1])
    g2, be2 = np.ones(W2.shape[1]), np.zeros(W2.shape[1])
    params = [W1, g1, be1, W2, g2, be2, W3, b3]
    running = [np.zeros(W1.shape[1]), np.ones(W1.shape[1]), np.zeros(W2.shape[1]), np.ones(W2.shape[1])]
    adam = _adam(params, lr, betas, eps)

    def batchnorm(z, gamma, beta, rmean, rvar):
        n = z.shape[0]
        ones = np.ones(n)
        mu = ones @ z / n
        z -= mu  # centred, in place
        var = ones @ (z * z) / n
        rmean *= 1 - momentum
        rmean += momentum * mu
        rvar *= 1 - momentum
        rvar += (momentum * n / (n - 1)) * var
        inv_std = 1.0 / np.sqrt(var + bn_eps)
        z *= inv_std  # xhat
        return z, gamma * z + beta, inv_std

    def batchnorm_backward(g, xhat, gamma, inv_std):
        n = g.shape[0]
        ones = np.ones(n)
        dgamma = ones @ (g * xhat)
        dbeta = ones @ g
        dx = g * gamma
        dx *= n
        dx -= gamma * dbeta
        dx -= xhat * (gamma * dgamma)
        dx *= inv_std / n
        return dx, dgamma, dbeta

    def step(X, labels):
        n = X.shape[0]
        rows = np.arange(n)
        # forward
        xhat1, h1, inv1 = batchnorm(X @ W1, g1, be1, running[0], running[1])
        np.negative(h1, out=h1)
        np.minimum(h1, 700.0, out=h1)
        np.exp(h1, out=h1)
        h1 += 1.0
        a1 = np.reciprocal(h1, out=h1)  # sigmoid
        xhat2, h2, inv2 = batchnorm(a1 @ W2, g2, be2, running[2], running[3])
        mask2 = h2 > 0
        a2 = np.multiply(h2, mask2, out=h2)  # relu
        z3 = a2 @ W3
        z3 += b3
        z3 -= z3.max(axis=1, keepdims=True)
        picked = z3[rows, labels]
        np.exp(z3, out=z3)
        total = z3.sum(axis=1, keepdims=True)
        z3 /= total  # softmax probabilities p
        loss = np.mean(np.log(total[:, 0]) - picked)
        # backward: dL/dz3 = (p - onehot) / n
        z3[rows, labels] -= 1.0
        z3 /= n
        dW3 = a2.T @ z3
        db3 = np.ones(n) @ z3
        da2 = z3 @ W3.T
        da2 *= mask2
        dh2, dg2, dbe2 = batchnorm_backward(da2, xhat2, g2, inv2)
        dW2 = a1.T @ dh2
        da1 = dh2 @ W2.T
        da1 *= a1
        da1 *= 1.0 - a1
        dh1, dg1, dbe1 = batchnorm_backward(da1, xhat1, g1, inv1)
        dW1 = X.T @ dh1
        adam([dW1, dg1, dbe1, dW2, dg2, dbe2, dW3, db3])
        return loss

    return step, params, running


def make_xor_step(W1, b1, W2, b2, *, lr=0.5):
    """Dense(2,10)-Sigmoid-Dense(10,2)-Sigmoid, MSE against one-hot targets, plain SGD."""
    params = [W1, b1, W2, b2]

    def sigmoid(z):
        np.negative(z, out=z)
        np.minimum(z, 700.0, out=z)
        np.exp(z, out=z)
        z += 1.0
        return np.reciprocal(z, out=z)

    def step(X, Y):
        a1 = sigmoid(X @ W1 + b1)
        a2 = sigmoid(a1 @ W2 + b2)
        # dL/da2 = 2 (a2 - Y) / size, then through the sigmoid
        d2 = a2 - Y
        loss = np.vdot(d2, d2) / Y.size
        d2 *= 2.0 / Y.size
        d2 *= a2
        d2 *= 1.0 - a2
        dW2 = a1.T @ d2
        ones = np.ones(len(X))
        db2 = ones @ d2
        d1 = d2 @ W2.T
        d1 *= a1
        d1 *= 1.0 - a1
        dW1 = X.T @ d1
        db1 = ones @ d1
        for p, g in zip(params, (dW1, db1, dW2, db2)):
            g *= lr
            p -= g
        return loss

    return step, params
