"""Checkers for the exercises of chapter 06, softmax and cross-entropy."""

from __future__ import annotations

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, as_number, call, checker, close, compare, given


def _softmax(Z):
    shifted = Z - Z.max(axis=-1, keepdims=True)
    E = np.exp(shifted)
    return E / E.sum(axis=-1, keepdims=True)


def _log_softmax(Z):
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _logit_rows(rng, n, c, scale=2.0):
    """Rows of logits whose largest entry is unique, by a margin of at least 0.5."""
    Z = scale * rng.standard_normal((n, c))
    for row in Z:
        top = row.argmax()
        row[top] = np.max(np.delete(row, top)) + 0.5 + rng.uniform(0, 1)
    return Z


@checker(1)
def check_ex1(softmax_large_t, softmax_small_t):
    rng = np.random.default_rng(601)
    for z in _logit_rows(rng, 4, 6):
        hot = np.eye(len(z))[z.argmax()]
        uniform = np.full(len(z), 1 / len(z))
        large = as_array(call(softmax_large_t, z, name="softmax_large_t"), "softmax_large_t(z)")
        small = as_array(call(softmax_small_t, z, name="softmax_small_t"), "softmax_small_t(z)")
        if close(large, uniform, atol=1e-6) and close(small, hot, atol=1e-6):
            raise Wrong("the two limits are swapped: a large t stretches the differences between logits.")
        if close(large, _softmax(z)) or close(small, _softmax(z)):
            raise Wrong("one of the limits returns softmax(z) itself: let t go to its limit first.")
        compare("softmax_large_t(z)", large, hot, atol=1e-6)
        compare("softmax_small_t(z)", small, uniform, atol=1e-6)
    return "Both limits are right for 4 random logit vectors of 6 classes."


@checker(2)
def check_ex2(dlogp_dz):
    rng = np.random.default_rng(602)
    for c in (3, 5, 7):
        z = 2 * rng.standard_normal(c)
        got = as_array(call(dlogp_dz, z, name="dlogp_dz"), "dlogp_dz(z)")
        expected = np.zeros((c, c))
        for i in range(c):  # row i: the gradient of log p_i, by central differences
            expected[i] = mlp.numerical_gradient(lambda v, i=i: _log_softmax(v)[i], z.copy())
        p = _softmax(z)
        if close(got, np.diag(p) - np.outer(p, p), rtol=1e-5, atol=1e-7):
            raise Wrong("that is the Jacobian of p, not of log p: divide row i by p_i.")
        if got.shape == (c, c) and close(got.T, expected, rtol=1e-5, atol=1e-7):
            raise Wrong("the matrix is transposed: row i should be the gradient of log p_i.")
        if close(got, np.eye(c) - p[:, None], rtol=1e-5, atol=1e-7):
            raise Wrong(
                "the matrix is transposed: entry (i, j) subtracts p_j, the probability of the column."
            )
        compare("dlogp_dz(z)", got, expected, rtol=1e-5, atol=1e-7)
    return "dlogp_dz matches central differences of log softmax for 3, 5 and 7 classes."


@checker(3)
def check_ex3(two_class_grad):
    rng = np.random.default_rng(603)
    for _ in range(6):
        z1, z2 = 3 * rng.standard_normal(2)
        y = rng.uniform(0, 1)
        result = call(two_class_grad, float(z1), float(z2), float(y), name="two_class_grad")
        got = as_array(result, "two_class_grad(z1, z2, y)")
        if got.shape != (2,):
            raise Wrong(f"two_class_grad should return two numbers (dL/dz1, dL/dz2), got shape {got.shape}.")
        z = np.array([z1, z2])
        expected = mlp.numerical_gradient(
            lambda v, y=y: -(y * _log_softmax(v)[0] + (1 - y) * _log_softmax(v)[1]), z.copy()
        )
        if close(got, -expected, rtol=1e-5, atol=1e-7):
            raise Wrong("the signs are flipped: raising z1 lowers the loss when y is larger than a.")
        if close(got[0], expected[0], rtol=1e-5, atol=1e-7) and close(
            got[1], expected[0], rtol=1e-5, atol=1e-7
        ):
            raise Wrong("dL/dz2 has the wrong sign: z2 enters a = sigmoid(z1 - z2) with a minus.")
        compare("two_class_grad(z1, z2, y)", got, expected, rtol=1e-5, atol=1e-7)
    return "two_class_grad matches central differences of the cross-entropy at 6 random points."


@checker(4)
def check_ex4(logsumexp, cross_entropy_from_labels):
    rng = np.random.default_rng(604)
    Z_small = rng.standard_normal((5, 10))
    naive = np.log(np.exp(Z_small).sum(axis=1))
    got = as_array(call(logsumexp, Z_small, name="logsumexp"), "logsumexp(Z)")
    if got.shape == (5, 1):
        raise Wrong("logsumexp returns shape (N, 1): return one number per row, shape (N,).")
    if close(got, naive - Z_small.max(axis=1)):
        raise Wrong("logsumexp forgets to add the row maximum back after the shifted sum.")
    compare("logsumexp(Z) on small logits", got, naive)
    for scale in (1e3, 1e4):
        Z_huge = scale * rng.standard_normal((6, 10))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            got = np.asarray(call(logsumexp, Z_huge, name="logsumexp"), dtype=np.float64)
        if not np.all(np.isfinite(got)):
            raise Wrong(f"logsumexp overflows for logits of size {scale:g}: shift each row by its maximum.")
        m = Z_huge.max(axis=1)
        compare(
            f"logsumexp(Z) on logits of size {scale:g}",
            got,
            m + np.log(np.exp(Z_huge - m[:, None]).sum(axis=1)),
        )
    Z = 1e4 * rng.standard_normal((8, 10))
    labels = rng.integers(0, 10, size=8)
    expected = mlp.CrossEntropyLoss()(Z, labels)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ce = call(cross_entropy_from_labels, Z, labels, name="cross_entropy_from_labels")
    value = as_number(ce, "cross_entropy_from_labels(Z, labels)")
    if np.isclose(value, 8 * expected):
        raise Wrong("the cross-entropy is N times too large: take the mean over the batch, not the sum.")
    if np.isclose(value, -expected):
        raise Wrong("the cross-entropy has the wrong sign: it is logsumexp minus the correct logit.")
    if not np.isclose(value, expected, rtol=1e-9):
        raise Wrong("cross_entropy_from_labels differs from mlp.CrossEntropyLoss on logits of size 1e4.")
    return "logsumexp is right and finite up to logits of 1e4, and the cross-entropy equals mlp's."


@checker(5)
def check_ex5(PerClassBCE):
    rng = np.random.default_rng(605)
    given(PerClassBCE, "PerClassBCE")
    if not isinstance(PerClassBCE, type):
        raise Wrong(
            "PerClassBCE should be a class (with forward and backward), not an instance or a function."
        )
    try:
        loss = PerClassBCE()
    except Exception as error:
        raise Wrong(f"PerClassBCE() raised {type(error).__name__}: {error}") from None
    for n, c in ((4, 10), (7, 3)):
        P = _softmax(rng.standard_normal((n, c)))
        Y = np.eye(c)[rng.integers(0, c, size=n)]
        expected = -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / n
        value = call(loss.forward, P, Y, name="PerClassBCE.forward")
        value = as_number(value, "PerClassBCE.forward(P, Y)")
        if np.isclose(value, expected / c):
            raise Wrong(
                "forward is C times too small: mlp.BCELoss averages over N*C entries, L_pc over N rows."
            )
        if np.isclose(value, -np.sum(Y * np.log(P)) / n):
            raise Wrong(
                "forward returns the cross-entropy: add the terms (1 - y) log(1 - p) of the wrong classes."
            )
        if not np.isclose(value, expected, rtol=1e-9):
            raise Wrong(
                f"forward differs from equation (ch06-per-class) on a batch of {n} rows and {c} classes."
            )
        grad = as_array(call(loss.backward, name="PerClassBCE.backward"), "PerClassBCE.backward()")
        expected_grad = (P - Y) / (n * P * (1 - P))
        if close(grad, expected_grad / c):
            raise Wrong("backward is C times too small: the factor C of forward belongs in backward too.")
        if close(grad, (P - Y) / n):
            raise Wrong(
                "backward returns (P - Y)/N, the gradient with respect to the logits of cross-entropy."
            )
        compare("PerClassBCE.backward()", grad, expected_grad)
    X = rng.standard_normal((6, 5))
    Y = np.eye(4)[rng.integers(0, 4, size=6)]
    model = mlp.Sequential(mlp.Dense(5, 4, rng=rng), mlp.Softmax())
    errors = mlp.check_gradients(model, PerClassBCE(), X, Y)
    if max(errors.values()) > 1e-6:
        raise Wrong(
            "a gradient check of Dense + Softmax + PerClassBCE fails: backward is not forward's gradient."
        )
    return (
        "PerClassBCE's forward and backward are right, "
        "and Dense + Softmax + PerClassBCE passes its gradient check."
    )
