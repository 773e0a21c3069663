"""Element-wise activations and softmax.

Each caches what its derivative needs (a mask, or its own output), so backward
never recomputes the forward pass and never modifies the incoming gradient.
All of them accept any batch shape and keep the input's dtype.
"""

from __future__ import annotations

import numpy as np

from .core import Layer, as_float


class _Activation(Layer):
    """Shared check: forward has run and the gradient has the shape of the cached array."""

    def _checked(self, grad_y: np.ndarray, cache) -> np.ndarray:
        if cache is None or grad_y.shape != cache.shape:  # one test on the hot path
            self._require_forward(cache)
            self._check_grad_shape(grad_y, cache.shape)
        return grad_y


class ReLU(_Activation):
    """Rectified linear unit.

    y = max(0, x) ;  dy/dx = 1 where x > 0, else 0 (we take 0 at the kink x = 0).
    """

    def __init__(self):
        self.mask = None  # x > 0

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        x = as_float(x, self)
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return self._checked(grad_y, self.mask) * self.mask


class LeakyReLU(_Activation):
    """Leaky ReLU with negative slope ``alpha``.

    y = x if x > 0 else alpha * x ;  dy/dx = 1 if x > 0 else alpha.
    """

    def __init__(self, alpha: float = 0.01):
        if alpha < 0:
            raise ValueError(f"LeakyReLU: alpha must be >= 0, got {alpha}")
        self.alpha = alpha
        self.slope = None  # dy/dx, 1 or alpha per element

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        x = as_float(x, self)
        self.slope = np.where(x > 0, 1.0, self.alpha).astype(x.dtype, copy=False)
        return x * self.slope

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return self._checked(grad_y, self.slope) * self.slope

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(_Activation):
    """Exponential linear unit (Clevert et al., 2016).

    y = x if x > 0 else alpha * (exp(x) - 1) ;
    dy/dx = 1 if x > 0 else alpha * exp(x) = y + alpha.
    ``expm1`` of ``min(x, 0)`` keeps it accurate near 0 and free of overflow.
    """

    def __init__(self, alpha: float = 1.0):
        if alpha < 0:
            raise ValueError(f"ELU: alpha must be >= 0, got {alpha}")
        self.alpha = alpha
        self.slope = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        x = as_float(x, self)
        negative = self.alpha * np.expm1(np.minimum(x, 0))
        positive = x > 0
        self.slope = np.where(positive, 1.0, negative + self.alpha).astype(x.dtype, copy=False)
        return np.where(positive, x, negative)

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return self._checked(grad_y, self.slope) * self.slope

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


# The largest whole exponent whose exp is finite: 709 for float64, 88 for float32.
_EXP_LIMIT = {
    np.dtype(t): float(np.floor(np.log(np.finfo(t).max))) for t in (np.float16, np.float32, np.float64)
}


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), without overflow.

    exp(-x) overflows for x below about -709.8 (float64); clipping the exponent at 709
    changes only results below 1e-307, which round to (almost) zero anyway. The steps
    run in place on one buffer: five passes over the data and no other temporaries.
    """
    x = as_float(x, "sigmoid")
    t = np.negative(x)
    np.minimum(t, _EXP_LIMIT.get(x.dtype, 709.0), out=t)
    np.exp(t, out=t)
    t += 1.0
    return np.reciprocal(t, out=t)


class Sigmoid(_Activation):
    """Logistic sigmoid.

    y = 1 / (1 + exp(-x)) ;  dy/dx = y * (1 - y), computed from the cached output.
    """

    def __init__(self):
        self.y = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.y = sigmoid(x)
        return self.y

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        grad_x = self._checked(grad_y, self.y) * self.y
        grad_x *= 1.0 - self.y
        return grad_x


class Tanh(_Activation):
    """Hyperbolic tangent.

    y = tanh(x) = (e^x - e^-x) / (e^x + e^-x) ;  dy/dx = 1 - y**2.
    """

    def __init__(self):
        self.y = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.y = np.tanh(as_float(x, self))
        return self.y

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return self._checked(grad_y, self.y) * (1.0 - self.y**2)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z_i - max z) / sum_j exp(z_j - max z): shifting by the max changes nothing
    mathematically and keeps every exponent <= 0, so nothing overflows."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z) = (z - m) - log sum_j exp(z_j - m), with m = max z; never log(0)."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


class Softmax(_Activation):
    """Softmax over the last axis: p_i = exp(z_i) / sum_j exp(z_j).

    Its Jacobian is dp_i/dz_j = p_i (delta_ij - p_j), i.e. diag(p) - p p^T, not only
    the diagonal p_i (1 - p_i). Applied to an upstream gradient g::

        dL/dz = p * (g - sum_j g_j p_j)

    For classification, feed logits to ``CrossEntropyLoss`` instead: it fuses
    softmax and cross-entropy into the simpler, more accurate (p - y) / N.
    """

    def __init__(self):
        self.p = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.p = softmax(as_float(x, self))
        return self.p

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        g = self._checked(grad_y, self.p)
        return self.p * (g - (g * self.p).sum(axis=-1, keepdims=True))
