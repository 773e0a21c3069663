"""Planted bugs: deliberately wrong versions of mlp's code that the checks must catch.

Each bug is a small subclass (or function) that differs from mlp in one place, and
each is a mistake found in real from-scratch code. A test shows one check failing on
one bug (relative error > CAUGHT); ``test_check_passes_the_correct_implementation``
runs the same checks on mlp's own code, where they pass. Two tests document blind
spots: a bug that a check misses under special conditions (gamma = 1, no shared
parameter, a single Adam step), which is why the checks above avoid them.
"""

import numpy as np
import pytest

import mlp

CAUGHT = 1e-3  # a bug: the analytic and numerical results disagree in the third digit or worse
TOL = 1e-7
BATCHNORM_TOL = 1e-8


class Projection(mlp.Loss):
    """L = sum(y * G) for y_true = G: reduces any layer to a scalar by a random projection,
    so ``mlp.check_gradients`` can check a single layer."""

    def __init__(self):
        self.upstream = None

    def forward(self, y_pred, y_true) -> float:
        self.upstream = np.asarray(y_true)
        return float(np.sum(y_pred * self.upstream))

    def backward(self) -> np.ndarray:
        return self.upstream.copy()


def layer_input_error(layer: mlp.Layer, rng: np.random.Generator) -> float:
    """check_gradients' input error for ``layer`` on shifted, scaled inputs and a random upstream gradient."""
    x = 3 * rng.standard_normal((10, 4)) + 2
    upstream = rng.standard_normal((10, 4))  # never ones
    return mlp.check_gradients(layer, Projection(), x, upstream)["input"]


# -- softmax --------------------------------------------------------------------------


class DiagonalSoftmax(mlp.Softmax):
    """Bug: only the diagonal of the Jacobian, dp_i/dz_i = p_i (1 - p_i), as if softmax were element-wise."""

    def backward(self, grad_y):
        return self.p * (1 - self.p) * grad_y


def softmax_error(softmax_cls, rng) -> float:
    return layer_input_error(softmax_cls(), rng)


def test_gradient_check_catches_softmax_diagonal_only_jacobian(rng):
    assert softmax_error(DiagonalSoftmax, rng) > CAUGHT


# -- batch normalization ----------------------------------------------------------------


class BatchNormWithoutMeanAndVarianceTerms(mlp.BatchNorm):
    """Bug: treats the batch mean and variance as constants, dL/dx = gamma * G / sqrt(var + eps)."""

    def backward(self, grad_y):
        super().backward(grad_y)  # the parameter gradients stay right
        return self.gamma.value * grad_y * self.inv_std


class BatchNormWithoutGamma(mlp.BatchNorm):
    """Bug: dL/dxhat = G instead of gamma * G in the input gradient."""

    def backward(self, grad_y):
        super().backward(grad_y)  # the parameter gradients stay right
        n = len(grad_y)
        grad_xhat = grad_y  # should be grad_y * self.gamma.value
        return (n * grad_xhat - grad_xhat.sum(axis=0) - self.xhat * (grad_xhat * self.xhat).sum(axis=0)) * (
            self.inv_std / n
        )


def batchnorm_input_error(batchnorm_cls, rng, gamma=None) -> float:
    """Input error in training mode, with random beta and ``gamma`` (random if None)."""
    layer = batchnorm_cls(4)
    layer.gamma.value[...] = rng.uniform(0.5, 2.0, 4) if gamma is None else gamma
    layer.beta.value[...] = rng.standard_normal(4)
    return layer_input_error(layer, rng)


def test_gradient_check_catches_batchnorm_input_gradient_without_mean_and_variance_terms(rng):
    assert batchnorm_input_error(BatchNormWithoutMeanAndVarianceTerms, rng) > CAUGHT


def test_gradient_check_catches_batchnorm_input_gradient_without_gamma(rng):
    assert batchnorm_input_error(BatchNormWithoutGamma, rng) > CAUGHT


def test_batchnorm_input_gradient_without_gamma_is_hidden_when_gamma_is_one(rng):
    # The blind spot: gamma starts at ones, so a check right after construction passes
    # this bug. Hence the random gamma in every BatchNorm check.
    assert batchnorm_input_error(BatchNormWithoutGamma, rng, gamma=np.ones(4)) <= BATCHNORM_TOL


# -- L2 regularization --------------------------------------------------------------------

REG = 0.1  # loss = data loss + REG / 2 * sum(W**2)


def l2_gradient(W):
    return REG * W


def l2_gradient_as_scalar(W):
    """Bug: the penalty's size, REG * sum(W**2), silently broadcast over W, instead of REG * W."""
    return REG * np.sum(W**2)


def l2_error(l2_gradient_fn, rng) -> float:
    """Error of the gradient of MSE(Dense(x), y) + REG / 2 * sum(W**2) wrt W, with the data part
    from backward and the L2 part from ``l2_gradient_fn``."""
    layer, loss = mlp.Dense(3, 2, rng=rng), mlp.MSELoss()
    x, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    W = layer.W

    def total_loss(_=None) -> float:
        return loss(layer(x), y) + REG / 2 * np.sum(W.value**2)

    total_loss()
    layer.backward(loss.backward())
    analytic = W.grad + l2_gradient_fn(W.value)
    return mlp.relative_error(analytic, mlp.numerical_gradient(total_loss, W.value))


def test_gradient_check_catches_l2_gradient_added_as_a_scalar(rng):
    assert l2_error(l2_gradient_as_scalar, rng) > CAUGHT


# -- tanh -------------------------------------------------------------------------------


class HalfInputTanh(mlp.Tanh):
    """Bug: forward computes tanh(z / 2) while backward keeps 1 - y**2;
    the true derivative is (1 - y**2) / 2."""

    def forward(self, x, training=True):
        self.y = np.tanh(np.asarray(x) / 2)
        return self.y


def tanh_error(tanh_cls, rng) -> float:
    return layer_input_error(tanh_cls(), rng)


def test_gradient_check_catches_tanh_forward_of_half_the_input(rng):
    assert tanh_error(HalfInputTanh, rng) > CAUGHT


# -- dropout ----------------------------------------------------------------------------


class MaskIgnoringDropout(mlp.Dropout):
    """Bug: backward passes the gradient through unchanged, as if every unit were kept unscaled."""

    def backward(self, grad_y):
        return grad_y


def dropout_error(dropout_cls, rng) -> float:
    return layer_input_error(dropout_cls(0.5, rng=rng.spawn(1)[0]), rng)


def test_gradient_check_catches_dropout_backward_ignoring_the_mask(rng):
    assert dropout_error(MaskIgnoringDropout, rng) > CAUGHT


# -- shared parameters --------------------------------------------------------------------


class AssigningDense(mlp.Dense):
    """Bug: gradients assigned with = instead of added with +=, so the last path to reach
    a parameter overwrites the others."""

    def backward(self, grad_y):
        self.W.grad = self.x.T @ grad_y
        self.b.grad = grad_y.sum(axis=0)
        return grad_y @ self.W.value.T


def dense_weight_error(dense_cls, rng, shared=True) -> float:
    """check_gradients' error for the first W of Dense -> Tanh -> Dense,
    shared by both Dense layers if ``shared``."""
    first, second = dense_cls(4, 4, rng=rng), dense_cls(4, 4, rng=rng)
    if shared:
        second.W = first.W
    model = mlp.Sequential(first, mlp.Tanh(), second)
    x, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 4))
    return mlp.check_gradients(model, mlp.MSELoss(), x, y)["0.W"]


def test_gradient_check_catches_assigned_instead_of_accumulated_gradients(rng):
    assert dense_weight_error(AssigningDense, rng) > CAUGHT


def test_assigned_gradients_are_hidden_without_a_shared_parameter(rng):
    # The blind spot: with every parameter reached once, = and += agree after zero_grad.
    # Hence the shared parameter in the check above.
    assert dense_weight_error(AssigningDense, rng, shared=False) <= TOL


# -- binary cross-entropy -----------------------------------------------------------------


class UnaveragedBCELoss(mlp.BCELoss):
    """Bug: the gradient of the sum, not of the mean: the factor 1/N is missing."""

    def backward(self):
        p = self.p
        return (p - self.y) / (p * (1.0 - p))


def bce_error(bce_cls, rng) -> float:
    loss = bce_cls()
    p = rng.uniform(0.05, 0.95, (10, 1))
    y = rng.integers(0, 2, (10, 1)).astype(np.float64)
    loss.forward(p, y)
    analytic = loss.backward()
    return mlp.relative_error(analytic, mlp.numerical_gradient(lambda q: loss.forward(q, y), p))


def test_gradient_check_catches_bce_gradient_not_divided_by_n(rng):
    assert bce_error(UnaveragedBCELoss, rng) > CAUGHT


# -- Adam: checked against a hand-computed step, not by a gradient check -----------------------


class AdamWithoutPowerT(mlp.Adam):
    """Bug: bias correction divides by 1 - beta instead of 1 - beta**t (right only at t = 1)."""

    def step(self):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for i, p in enumerate(self.params):
            g = self._gradient(p)
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.s[i] = b2 * self.s[i] + (1 - b2) * g * g
            m_hat = self.m[i] / (1 - b1)  # should be 1 - b1**self.t
            s_hat = self.s[i] / (1 - b2)  # should be 1 - b2**self.t
            p.value -= self.lr * m_hat / (np.sqrt(s_hat) + self.eps)


def adam_error(adam_cls, rng, steps=2) -> float:
    """Relative error of ``steps`` Adam steps (lr 0.1, default betas and eps) on a constant gradient g.

    Computed by hand: with g constant, the bias-corrected averages are exactly m_hat = g and
    s_hat = g**2 (removing the bias towards the zero start is what the correction is for),
    so every step moves theta by -lr * g / (|g| + eps).
    """
    lr, eps = 0.1, 1e-8
    g = 2 * rng.standard_normal(5)
    theta = mlp.Parameter(np.zeros(5))
    optimizer = adam_cls([theta], lr=lr, eps=eps)
    for _ in range(steps):
        theta.grad[...] = g
        optimizer.step()
    return mlp.relative_error(theta.value, -steps * lr * g / (np.abs(g) + eps))


def test_reference_check_catches_adam_bias_correction_without_power_t(rng):
    assert adam_error(AdamWithoutPowerT, rng, steps=2) > CAUGHT


def test_adam_bias_correction_without_power_t_is_hidden_after_one_step(rng):
    # The blind spot: at t = 1, 1 - beta**t equals 1 - beta. Hence two steps above.
    assert adam_error(AdamWithoutPowerT, rng, steps=1) <= 1e-12


# -- the same checks on mlp's own code ----------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "correct", "tol"),
    [
        pytest.param(softmax_error, mlp.Softmax, TOL, id="softmax"),
        pytest.param(batchnorm_input_error, mlp.BatchNorm, BATCHNORM_TOL, id="batchnorm"),
        pytest.param(l2_error, l2_gradient, TOL, id="l2"),
        pytest.param(tanh_error, mlp.Tanh, TOL, id="tanh"),
        pytest.param(dropout_error, mlp.Dropout, TOL, id="dropout"),
        pytest.param(dense_weight_error, mlp.Dense, TOL, id="shared_dense_weight"),
        pytest.param(bce_error, mlp.BCELoss, TOL, id="bce"),
        pytest.param(adam_error, mlp.Adam, 1e-12, id="adam"),
    ],
)
def test_check_passes_the_correct_implementation(check, correct, tol, rng):
    assert check(correct, rng) <= tol
