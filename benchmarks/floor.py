"""Hand-fused numpy training steps: the floor that `mlp` is measured against.

Each ``make_*`` function returns a ``step(X, y)`` closure that does one whole
training step of one workload (forward, backward and the optimizer update) as
one function, written the way a careful person would write it by hand for speed:

- **one flat parameter buffer**: every parameter is a view into one contiguous
  array ``theta``, every gradient a view into ``grad`` of the same layout, so the
  optimizer updates all parameters with one vectorised pass (as PyTorch's
  foreach/fused optimizers do), its state (Adam's m and s) allocated once;
- **no allocation on the step**: every temporary is allocated once per batch
  shape (``_Buffers``, cached by the number of rows) and reused with ``out=``;
  gradients are written straight into their views of ``grad`` (no zeroing, no
  accumulation);
- **sums over the batch by BLAS**: ``ones @ a`` (a matrix-vector product) instead
  of ``a.sum(axis=0)``, several times faster on narrow C-ordered arrays;
- **fused backward passes**: softmax and cross-entropy in one (dL/dz = (p - Y) / N,
  without building Y), BatchNorm's input gradient in its compact one-expression form;
- **no gradient for the network's input** (the first layer's dL/dx is never needed
  to train).

They start from the parameter arrays they are given (copies of an `mlp` model's,
which they copy into their flat buffer) and return views of that buffer, so
after the same batches they must equal the `mlp` model's parameters:
``bench.py`` asserts it to a relative 1e-10 before timing anything.
"""

from __future__ import annotations

import itertools

import numpy as np

# The largest whole exponent whose exp is finite in float64 (as mlp's sigmoid clips).
EXP_LIMIT = 709.0


def _flat(arrays):
    """Copy ``arrays`` into one contiguous buffer; return (theta, views, grad, grad_views).

    ``views[i]`` and ``grad_views[i]`` have the shape of ``arrays[i]`` and share
    memory with ``theta`` and ``grad``, which have the same layout."""
    sizes = [a.size for a in arrays]
    theta = np.empty(sum(sizes))
    grad = np.zeros_like(theta)
    views, grad_views, start = [], [], 0
    for a, size in zip(arrays, sizes):
        view = theta[start : start + size].reshape(a.shape)
        view[...] = a
        views.append(view)
        grad_views.append(grad[start : start + size].reshape(a.shape))
        start += size
    return theta, views, grad, grad_views


def _sigmoid_(a):
    """a <- 1 / (1 + exp(-a)), in place: five passes over one buffer, no temporaries.
    The exponent is clipped at 709 so exp never overflows (as in mlp.sigmoid)."""
    np.negative(a, out=a)
    np.minimum(a, EXP_LIMIT, out=a)
    np.exp(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)


class _Buffers:
    """Every array one step needs for a batch of ``n`` rows, allocated once."""

    def __init__(self, n, shapes):
        self.ones = np.ones(n)  # for batch sums: ones @ a = sum over rows of a
        for name, shape in shapes.items():
            setattr(self, name, np.empty(shape))


def make_digits_step(W1, W2, W3, b3, *, lr=0.001, betas=(0.9, 0.999), eps=1e-8, bn_eps=1e-5, momentum=0.1):
    """Dense(64,32, no bias)-BatchNorm-Sigmoid-Dense(32,16, no bias)-BatchNorm-ReLU-Dense(16,10),
    softmax cross-entropy on integer labels, Adam.

    Returns ``(step, params, running)``: ``params`` are views [W1, g1, be1, W2, g2, be2, W3, b3]
    into the flat parameter buffer, ``running`` the running statistics
    [mean1, var1, mean2, var2] (views into one buffer too)."""
    d1, d2, d3 = W1.shape[1], W2.shape[1], W3.shape[1]  # layer widths
    theta, params, grad, grads = _flat([W1, np.ones(d1), np.zeros(d1), W2, np.ones(d2), np.zeros(d2), W3, b3])
    W1, g1, be1, W2, g2, be2, W3, b3 = params
    gW1, gg1, gbe1, gW2, gg2, gbe2, gW3, gb3 = grads
    # Adam state, allocated once, same layout as theta. (The closures below update
    # theta, m, s, tmp and running with explicit out=: `m *= b1` would rebind a local name.)
    m, s, tmp = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
    b1, b2 = betas
    t = 0
    # BatchNorm: batch statistics [mu1, var1, mu2, var2] and running statistics, same layout,
    # so the running averages of both layers are updated in one pass at the end of the forward
    stats = np.empty(2 * (d1 + d2))
    running = np.concatenate([np.zeros(d1), np.ones(d1), np.zeros(d2), np.ones(d2)])
    bounds = np.cumsum([0, d1, d1, d2, d2])
    mu1, var1, mu2, var2 = (stats[lo:hi] for lo, hi in itertools.pairwise(bounds))
    running_views = [running[lo:hi] for lo, hi in itertools.pairwise(bounds)]
    inv1, inv2 = np.empty(d1), np.empty(d2)  # 1 / sqrt(var + eps)
    k1, k2 = np.empty(d1), np.empty(d2)  # scratch (D,) for the BatchNorm backward
    c1, c2 = np.empty(d1), np.empty(d2)
    cache = {}

    def buffers(n):
        bufs = _Buffers(
            n,
            dict(xhat1=(n, d1), a1=(n, d1), t1=(n, d1), xhat2=(n, d2), a2=(n, d2), t2=(n, d2))
            | dict(p=(n, d3), rowmax=(n, 1), total=(n, 1), picked=(n,), logt=(n,)),
        )
        bufs.mask2 = np.empty((n, d2), dtype=bool)
        bufs.ones_c = np.ones(d3)
        bufs.row_start = np.arange(n) * d3  # flat index of each row of p
        bufs.idx = np.empty(n, dtype=np.intp)  # flat index of (row, label) in p
        # weight of the batch statistic in the running averages: momentum for the mean,
        # momentum * N / (N - 1) for the variance (the unbiased batch variance, as PyTorch)
        unbiased = momentum * n / (n - 1)
        bufs.stat_weight = np.concatenate(
            [np.full(d1, momentum), np.full(d1, unbiased), np.full(d2, momentum), np.full(d2, unbiased)]
        )
        bufs.stat_tmp = np.empty_like(stats)
        return bufs

    def batchnorm_forward(z, xhat, out, mu, var, inv_std, gamma, beta, ones):
        """Training-mode BatchNorm of z (N, D): writes xhat and y = out; z's buffer is scratch.

        mu = mean_i z_i ; var = mean_i (z_i - mu)**2 ; xhat = (z - mu) / sqrt(var + eps) ;
        y = gamma * xhat + beta"""
        n = z.shape[0]
        np.matmul(ones, z, out=mu)
        mu /= n
        np.subtract(z, mu, out=xhat)  # centred
        np.multiply(xhat, xhat, out=z)  # (z is no longer needed)
        np.matmul(ones, z, out=var)
        var /= n  # biased variance
        np.add(var, bn_eps, out=inv_std)
        np.sqrt(inv_std, out=inv_std)
        np.reciprocal(inv_std, out=inv_std)
        xhat *= inv_std
        np.multiply(xhat, gamma, out=out)
        out += beta

    def batchnorm_backward(G, xhat, gamma, inv_std, dgamma, dbeta, ones, scratch, k, c):
        """G = dL/dy (N, D) becomes dL/dz in place; writes dL/dgamma and dL/dbeta.

        dL/dbeta = sum_i G_i ; dL/dgamma = sum_i G_i xhat_i ;
        dL/dz = gamma * inv_std / N * (N G - dL/dbeta - xhat * dL/dgamma)
              = k N G - xhat * (k dL/dgamma) - k dL/dbeta,   k = gamma * inv_std / N   (D,)
        (four passes over (N, D) arrays; the products with k are on (D,) vectors)
        """
        n = G.shape[0]
        np.matmul(ones, G, out=dbeta)
        np.multiply(G, xhat, out=scratch)
        np.matmul(ones, scratch, out=dgamma)
        np.multiply(gamma, inv_std, out=k)  # k = gamma * inv_std         (D,)
        G *= k
        k /= n  # k = gamma * inv_std / N
        np.multiply(k, dgamma, out=c)
        np.multiply(xhat, c, out=scratch)
        G -= scratch
        np.multiply(k, dbeta, out=c)
        G -= c

    def step(X, labels):
        nonlocal t
        n = X.shape[0]
        B = cache.get(n)
        if B is None:
            B = cache[n] = buffers(n)
        ones, a1, a2, p = B.ones, B.a1, B.a2, B.p
        # ---- forward ----
        # layer 1: z1 = X W1 (no bias: BatchNorm's mean subtraction cancels it), BatchNorm, sigmoid
        np.matmul(X, W1, out=B.t1)
        batchnorm_forward(B.t1, B.xhat1, a1, mu1, var1, inv1, g1, be1, ones)
        _sigmoid_(a1)  # a1 = sigmoid(gamma1 * xhat1 + beta1)
        # layer 2: z2 = a1 W2, BatchNorm, ReLU
        np.matmul(a1, W2, out=B.t2)
        batchnorm_forward(B.t2, B.xhat2, a2, mu2, var2, inv2, g2, be2, ones)
        np.greater(a2, 0.0, out=B.mask2)
        a2 *= B.mask2  # a2 = max(0, gamma2 * xhat2 + beta2)
        # running statistics of both BatchNorm layers in one pass:
        # running <- (1 - momentum) * running + weight * batch_statistic
        np.multiply(stats, B.stat_weight, out=B.stat_tmp)
        np.multiply(running, 1.0 - momentum, out=running)
        np.add(running, B.stat_tmp, out=running)
        # layer 3: logits z3 = a2 W3 + b3, then softmax cross-entropy
        np.matmul(a2, W3, out=p)
        p += b3
        np.max(p, axis=1, out=B.rowmax[:, 0])
        p -= B.rowmax  # shifted logits, every entry <= 0
        np.add(B.row_start, labels, out=B.idx)
        np.take(p, B.idx, out=B.picked)  # shifted logit of each row's label
        np.exp(p, out=p)
        np.matmul(p, B.ones_c, out=B.total[:, 0])  # row sums, in [1, C]
        # L = mean_n (log sum_c exp(z_nc) - z_n,label), with the shifted logits
        np.log(B.total[:, 0], out=B.logt)
        B.logt -= B.picked
        loss = float(ones @ B.logt) / n
        # ---- backward ----
        # dL/dz3 = (softmax(z3) - Y) / N: divide by N * total, subtract 1/N at the labels
        B.total *= n
        p /= B.total
        p.ravel()[B.idx] -= 1.0 / n
        np.matmul(a2.T, p, out=gW3)  # dL/dW3 = a2.T dz3
        np.matmul(ones, p, out=gb3)  # dL/db3 = sum_n dz3_n
        G2 = B.t2  # (z2's buffer, free since the forward pass)
        np.matmul(p, W3.T, out=G2)  # dL/da2 = dz3 W3.T
        G2 *= B.mask2  # ReLU: dL/dy2 = dL/da2 where y2 > 0
        batchnorm_backward(G2, B.xhat2, g2, inv2, gg2, gbe2, ones, a2, k2, c2)  # G2 = dL/dz2
        np.matmul(a1.T, G2, out=gW2)  # dL/dW2 = a1.T dz2
        G1 = B.t1
        np.matmul(G2, W2.T, out=G1)  # dL/da1 = dz2 W2.T
        # sigmoid: dL/dy1 = dL/da1 * a1 * (1 - a1)
        G1 *= a1
        np.subtract(1.0, a1, out=a1)
        G1 *= a1
        batchnorm_backward(G1, B.xhat1, g1, inv1, gg1, gbe1, ones, a1, k1, c1)  # G1 = dL/dz1
        np.matmul(X.T, G1, out=gW1)  # dL/dW1 = X.T dz1; dL/dX is never computed
        # ---- Adam, one vectorised pass over all parameters ----
        # m <- b1 m + (1 - b1) g ; s <- b2 s + (1 - b2) g^2 ;
        # theta <- theta - lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)
        #        = theta - [lr sqrt(1 - b2^t) / (1 - b1^t)] m / (sqrt(s) + eps sqrt(1 - b2^t))
        t += 1
        corr1, corr2 = 1.0 - b1**t, np.sqrt(1.0 - b2**t)
        np.multiply(m, b1, out=m)
        np.multiply(grad, 1.0 - b1, out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(s, b2, out=s)
        np.multiply(grad, grad, out=tmp)
        np.multiply(tmp, 1.0 - b2, out=tmp)
        np.add(s, tmp, out=s)
        np.sqrt(s, out=tmp)
        np.add(tmp, eps * corr2, out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, lr * corr2 / corr1, out=tmp)
        np.subtract(theta, tmp, out=theta)
        return loss

    return step, params, running_views


def make_xor_step(W1, b1, W2, b2, *, lr=0.5):
    """Dense(2,10)-Sigmoid-Dense(10,2)-Sigmoid, MSE against one-hot targets, plain SGD.

    Returns ``(step, params)``, ``params`` the views [W1, b1, W2, b2] into the flat buffer."""
    theta, params, grad, grads = _flat([W1, b1, W2, b2])
    W1, b1, W2, b2 = params
    gW1, gb1, gW2, gb2 = grads
    tmp = np.empty_like(theta)
    h, c = W1.shape[1], W2.shape[1]
    cache = {}

    def step(X, Y):
        n = X.shape[0]
        B = cache.get(n)
        if B is None:
            B = cache[n] = _Buffers(n, {"a1": (n, h), "t1": (n, h), "a2": (n, c), "d2": (n, c), "t2": (n, c)})
        ones, a1, a2, d2 = B.ones, B.a1, B.a2, B.d2
        # ---- forward: a1 = sigmoid(X W1 + b1), a2 = sigmoid(a1 W2 + b2) ----
        np.matmul(X, W1, out=a1)
        a1 += b1
        _sigmoid_(a1)
        np.matmul(a1, W2, out=a2)
        a2 += b2
        _sigmoid_(a2)
        # L = (1/M) sum (a2 - Y)^2 over all M = N * C elements, the sum of squares by BLAS
        np.subtract(a2, Y, out=d2)
        size = d2.size
        loss = float(np.vdot(d2, d2)) / size
        # ---- backward ----
        # dL/dz2 = 2 (a2 - Y) / M * a2 (1 - a2)
        d2 *= a2
        np.subtract(1.0, a2, out=B.t2)
        B.t2 *= 2.0 / size
        d2 *= B.t2
        np.matmul(a1.T, d2, out=gW2)  # dL/dW2 = a1.T dz2
        np.matmul(ones, d2, out=gb2)  # dL/db2 = sum_n dz2_n
        # dL/dz1 = (dz2 W2.T) * a1 (1 - a1)
        d1 = np.matmul(d2, W2.T, out=B.t1)
        d1 *= a1
        np.subtract(1.0, a1, out=a1)
        d1 *= a1
        np.matmul(X.T, d1, out=gW1)  # dL/dW1 = X.T dz1; dL/dX is never computed
        np.matmul(ones, d1, out=gb1)  # dL/db1 = sum_n dz1_n
        # ---- SGD, one pass over all parameters: theta <- theta - lr * g ----
        np.multiply(grad, lr, out=tmp)
        np.subtract(theta, tmp, out=theta)
        return loss

    return step, params
