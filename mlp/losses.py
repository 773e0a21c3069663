"""Losses: ``forward(y_pred, y_true) -> float`` and ``backward() -> dL/dy_pred``.

Every loss is a mean, so its gradient carries the factor 1 / (number of terms).
"""

from __future__ import annotations

import functools

import numpy as np

from .activations import sigmoid
from .core import as_float


@functools.lru_cache(maxsize=32)
def _arange(n: int) -> np.ndarray:
    """0, 1, ..., n - 1, the row indices of a batch of n, cached per n (read-only)."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


def _require_forward(loss, cache) -> None:
    if cache is None:
        raise RuntimeError(f"{loss}: backward() called before forward()")


class Loss:
    """Base class. ``loss(y_pred, y_true)`` is ``loss.forward(y_pred, y_true)``."""

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return self.forward(y_pred, y_true)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _same_shape(self, y_pred, y_true) -> tuple[np.ndarray, np.ndarray]:
        """Both as float arrays of one non-empty shape, or a ValueError naming the loss."""
        y_pred, y_true = as_float(y_pred, self), as_float(y_true, self)
        if y_pred.shape != y_true.shape:
            hint = ""
            if y_true.ndim == 1 and y_pred.shape == (y_true.shape[0], 1):
                hint = "; reshape the targets with y_true.reshape(-1, 1)"
            raise ValueError(
                f"{self}: y_pred has shape {y_pred.shape} but y_true has shape {y_true.shape}{hint}"
            )
        if y_pred.size == 0:
            raise ValueError(f"{self}: got an empty batch, y_pred of shape {y_pred.shape}")
        return y_pred, y_true


def _check_unit_interval(loss, what: str, a: np.ndarray, hint: str) -> None:
    """Raise a ValueError naming ``loss`` if ``a`` has values outside [0, 1] (NaN passes: fit reports it)."""
    low, high = a.min(), a.max()
    if low < 0.0 or high > 1.0:
        raise ValueError(f"{loss}: {what} must lie in [0, 1], got values in [{low:.4g}, {high:.4g}]{hint}")


class MSELoss(Loss):
    """Mean squared error over all M elements.

    L = (1/M) sum (y_pred - y_true)**2 ;  dL/dy_pred = 2 (y_pred - y_true) / M.
    """

    def __init__(self):
        self.diff = None  # y_pred - y_true

    def forward(self, y_pred, y_true) -> float:
        y_pred, y_true = self._same_shape(y_pred, y_true)
        self.diff = y_pred - y_true
        return float(np.vdot(self.diff, self.diff)) / self.diff.size  # sum of squares in one BLAS call

    def backward(self) -> np.ndarray:
        _require_forward(self, self.diff)
        return (2.0 / self.diff.size) * self.diff


class BCELoss(Loss):
    """Binary cross-entropy of probabilities p in (0, 1) against targets y in [0, 1].

    L = -(1/M) sum [y log p + (1 - y) log(1 - p)] ;
    dL/dp = (p - y) / (p (1 - p)) / M.

    p is clipped to [eps, 1 - eps] so that a saturated sigmoid never gives log(0).
    After a Sigmoid, the chain rule turns this into the fused (a - y) / M.
    """

    def __init__(self, eps: float = 1e-12):
        if not 0 < eps < 0.5:
            raise ValueError(f"BCELoss: eps must be in (0, 0.5), got {eps}")
        self.eps = eps
        self.p = self.y = None  # clipped probabilities and targets

    def forward(self, y_pred, y_true) -> float:
        p, y = self._same_shape(y_pred, y_true)
        _check_unit_interval(
            self,
            "y_pred (probabilities)",
            p,
            "; for logits (no Sigmoid before the loss) use BCEWithLogitsLoss",
        )
        _check_unit_interval(self, "y_true (targets)", y, "")
        self.p = np.clip(p, self.eps, 1.0 - self.eps)
        self.y = y
        return float(-np.mean(y * np.log(self.p) + (1.0 - y) * np.log1p(-self.p)))

    def backward(self) -> np.ndarray:
        _require_forward(self, self.p)
        p = self.p
        return (p - self.y) / (p * (1.0 - p) * p.size)


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy on logits z of shape (N, C), averaged over the batch.

    Targets are integer labels (N,) in [0, C) or rows of class probabilities (N, C)
    such as one-hot vectors. With p = softmax(z) and Y the one-hot targets::

        L = -(1/N) sum_n sum_c Y_nc log p_nc ;  dL/dz = (p - Y) / N

    log p is computed as a shifted log-sum-exp, so large logits neither overflow
    nor give log(0).
    """

    def __init__(self):
        self.p = None  # softmax(z), (N, C)
        self.labels = None  # (N,) int labels, or None when targets are rows
        self.y = None  # (N, C) target rows, or None when targets are labels

    def forward(self, y_pred, y_true) -> float:
        z, y = as_float(y_pred, self), np.asarray(y_true)
        if z.ndim != 2:
            raise ValueError(f"{self}: expects logits of shape (N, C), got shape {z.shape}")
        n, c = z.shape
        if n == 0 or c == 0:
            raise ValueError(f"{self}: got an empty batch, logits of shape {z.shape}")
        if y.ndim == 1:
            self.labels, self.y = self._labels(y, n, c), None
        else:
            z, self.y = self._same_shape(z, y)  # float one-hot or probability rows
            self.labels = None
        # ufunc methods (z.max, .sum) rather than np.max/np.mean: the same arithmetic
        # without numpy's Python wrappers, a few microseconds per step on small batches
        shifted = z - z.max(axis=1, keepdims=True)  # (N, C), every entry <= 0
        self.p = np.exp(shifted)
        total = self.p.sum(axis=1, keepdims=True)  # (N, 1), in [1, C]: its log is safe
        self.p /= total  # softmax(z)
        log_total = np.log(total)
        if self.labels is not None:  # log p_n,label = shifted_n,label - log_total_n
            rows = _arange(n)
            return float((log_total[:, 0] - shifted[rows, self.labels]).mean())
        return float(-np.vdot(self.y, shifted - log_total) / n)

    def backward(self) -> np.ndarray:  # (N, C)
        _require_forward(self, self.p)
        n = self.p.shape[0]
        if self.labels is None:
            return (self.p - self.y) / n
        grad = self.p / n
        grad[_arange(n), self.labels] -= 1.0 / n  # (p - Y) / N without building the one-hot Y
        return grad

    def _labels(self, y: np.ndarray, n: int, c: int) -> np.ndarray:
        if y.shape[0] != n:
            raise ValueError(f"{self}: {n} rows of logits but {y.shape[0]} labels")
        if y.dtype.kind not in "iu":  # a dtype test, cheaper than np.issubdtype on every step
            if y.dtype.kind == "f" and np.all(y == np.round(y)):
                hint = "; convert with y.astype(int)"
            else:
                hint = ""
            raise ValueError(f"{self}: labels must be integers, got dtype {y.dtype}{hint}")
        # One pass instead of y.min() and y.max(): seen as unsigned integers of the same
        # width, negative labels become huge, so both ends are one maximum test.
        if y.size and y.view(np.dtype(f"u{y.dtype.itemsize}")).max() >= c:
            raise ValueError(
                f"{self}: labels must be in [0, {c - 1}] for {c} classes, got [{y.min()}, {y.max()}]"
            )
        return y


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z (a Sigmoid and BCELoss fused), mean over all M elements.

    With p = sigmoid(z), L = -(1/M) sum [y log p + (1 - y) log(1 - p)], written as

        L = (1/M) sum [max(z, 0) - z * y + log(1 + exp(-|z|))] ;  dL/dz = (sigmoid(z) - y) / M

    The two forms are equal (log p = -log(1 + e^-z), log(1 - p) = -z - log(1 + e^-z)),
    but the second never overflows and never takes log(0): exp(-|z|) is at most 1.
    So a confidently wrong unit (z = -40, y = 1) gets the loss 40 and the gradient
    -1/M, where a Sigmoid rounded to 0 followed by a clipped BCELoss would give it a
    loss of about 27.6 and, through the saturated sigmoid, a gradient of 0.
    Targets y lie in [0, 1].
    """

    def __init__(self):
        self.z = self.y = None  # logits and targets of the last forward pass

    def forward(self, y_pred, y_true) -> float:
        z, y = self._same_shape(y_pred, y_true)
        _check_unit_interval(self, "y_true (targets)", y, "")
        self.z, self.y = z, y
        terms = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return float(np.mean(terms))

    def backward(self) -> np.ndarray:
        _require_forward(self, self.z)
        return (sigmoid(self.z) - self.y) / self.z.size
