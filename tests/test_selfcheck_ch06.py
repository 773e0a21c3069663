"""The checkers of chapter 06: each fails on its stub and on a planted mistake, and passes the solution."""

import numpy as np

import mlp
from selfcheck import ch06

# -- the solutions, as in the chapter's hidden cells ------------------------------------------


def softmax(Z):
    shifted = Z - Z.max(axis=-1, keepdims=True)
    E = np.exp(shifted)
    return E / E.sum(axis=-1, keepdims=True)


def softmax_large_t(z):
    return np.eye(len(z))[np.argmax(z)]


def softmax_small_t(z):
    return np.full(len(z), 1 / len(z))


def dlogp_dz(z):
    p = softmax(z)
    return np.eye(len(z)) - p[None, :]


def two_class_grad(z1, z2, y):
    a = 1 / (1 + np.exp(-(z1 - z2)))
    return a - y, y - a


def logsumexp(Z):
    m = Z.max(axis=1)
    return m + np.log(np.exp(Z - m[:, None]).sum(axis=1))


def cross_entropy_from_labels(Z, labels):
    return np.mean(logsumexp(Z) - Z[np.arange(len(Z)), labels])


class PerClassBCE(mlp.BCELoss):
    def forward(self, y_pred, y_true):
        return y_pred.shape[1] * super().forward(y_pred, y_true)

    def backward(self):
        return self.p.shape[1] * super().backward()


def stub(*args): ...


# -- exercise 1 --------------------------------------------------------------------------------


def test_ex1():
    assert "not yet" in str(ch06.check_ex1.verdict(stub, stub))
    assert "swapped" in ch06.check_ex1.verdict(softmax_small_t, softmax_large_t).message
    assert "softmax(z) itself" in ch06.check_ex1.verdict(softmax, softmax_small_t).message
    assert ch06.check_ex1.verdict(lambda z: softmax(1e4 * z[None])[0], softmax_small_t)
    assert ch06.check_ex1.verdict(softmax_large_t, softmax_small_t)


def test_ex2():
    def jacobian_of_p(z):
        p = softmax(z)
        return np.diag(p) - np.outer(p, p)

    assert "not yet" in str(ch06.check_ex2.verdict(stub))
    assert "Jacobian of p" in ch06.check_ex2.verdict(jacobian_of_p).message
    assert "transposed" in ch06.check_ex2.verdict(lambda z: dlogp_dz(z).T).message
    assert ch06.check_ex2.verdict(dlogp_dz)


def test_ex3():
    assert "not yet" in str(ch06.check_ex3.verdict(stub))
    assert (
        "signs are flipped"
        in ch06.check_ex3.verdict(lambda z1, z2, y: tuple(-g for g in two_class_grad(z1, z2, y))).message
    )
    same_sign = ch06.check_ex3.verdict(lambda z1, z2, y: (two_class_grad(z1, z2, y)[0],) * 2)
    assert "wrong sign" in same_sign.message
    assert not ch06.check_ex3.verdict(lambda z1, z2, y: two_class_grad(z1, 0.0, y))
    assert ch06.check_ex3.verdict(two_class_grad)


def test_ex4():
    def naive(Z):
        return np.log(np.exp(Z).sum(axis=1))

    def summed(Z, labels):
        return np.sum(logsumexp(Z) - Z[np.arange(len(Z)), labels])

    assert "not yet" in str(ch06.check_ex4.verdict(stub, stub))
    assert "overflows" in ch06.check_ex4.verdict(naive, cross_entropy_from_labels).message
    forgot_m = ch06.check_ex4.verdict(lambda Z: logsumexp(Z) - Z.max(axis=1), cross_entropy_from_labels)
    assert "add the row maximum back" in forgot_m.message
    assert (
        "(N, 1)" in ch06.check_ex4.verdict(lambda Z: logsumexp(Z)[:, None], cross_entropy_from_labels).message
    )
    assert "N times too large" in ch06.check_ex4.verdict(logsumexp, summed).message
    assert ch06.check_ex4.verdict(logsumexp, cross_entropy_from_labels)


def test_ex5():
    class MeanOverEntries(mlp.BCELoss):  # forgets the factor C
        pass

    class CrossEntropyGradient(PerClassBCE):
        def backward(self):
            return (self.p - self.y) / len(self.p)

    class ForwardOnly(PerClassBCE):  # forward right, backward C times too small
        def backward(self):
            return mlp.BCELoss.backward(self)

    assert "not yet" in str(ch06.check_ex5.verdict(...))
    assert "C times too small" in ch06.check_ex5.verdict(MeanOverEntries).message
    assert "cross-entropy" in ch06.check_ex5.verdict(CrossEntropyGradient).message
    assert "C times too small" in ch06.check_ex5.verdict(ForwardOnly).message
    assert "should be a class" in ch06.check_ex5.verdict(PerClassBCE()).message
    assert ch06.check_ex5.verdict(PerClassBCE)
