"""Losses: ``forward(y_pred, y_true) -> float`` and ``backward() -> dL/dy_pred``.

Every loss is a mean, so its gradient carries the factor 1 / (number of terms).
"""

from __future__ import annotations

import numpy as np


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
        y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
        if y_pred.shape != y_true.shape:
            hint = ""
            if y_true.ndim == 1 and y_pred.shape == (y_true.shape[0], 1):
                hint = "; reshape the targets with y_true.reshape(-1, 1)"
            raise ValueError(
                f"{self}: y_pred has shape {y_pred.shape} but y_true has shape {y_true.shape}{hint}"
            )
        return y_pred, y_true


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
        z, y = np.asarray(y_pred), np.asarray(y_true)
        if z.ndim != 2:
            raise ValueError(f"{self}: expects logits of shape (N, C), got shape {z.shape}")
        n, c = z.shape
        if y.ndim == 1:
            self.labels, self.y = self._labels(y, n, c), None
        else:
            z, self.y = self._same_shape(z, y)
            self.labels = None
        shifted = z - np.max(z, axis=1, keepdims=True)  # (N, C), every entry <= 0
        self.p = np.exp(shifted)
        total = self.p.sum(axis=1, keepdims=True)  # (N, 1), in [1, C]: its log is safe
        self.p /= total  # softmax(z)
        log_total = np.log(total)
        if self.labels is not None:  # log p_n,label = shifted_n,label - log_total_n
            rows = np.arange(n)
            return float(np.mean(log_total[:, 0] - shifted[rows, self.labels]))
        return float(-np.vdot(self.y, shifted - log_total) / n)

    def backward(self) -> np.ndarray:  # (N, C)
        _require_forward(self, self.p)
        n = self.p.shape[0]
        if self.labels is None:
            return (self.p - self.y) / n
        grad = self.p / n
        grad[np.arange(n), self.labels] -= 1.0 / n  # (p - Y) / N without building the one-hot Y
        return grad

    def _labels(self, y: np.ndarray, n: int, c: int) -> np.ndarray:
        if y.shape[0] != n:
            raise ValueError(f"{self}: {n} rows of logits but {y.shape[0]} labels")
        if not np.issubdtype(y.dtype, np.integer):
            if np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)):
                hint = "; convert with y.astype(int)"
            else:
                hint = ""
            raise ValueError(f"{self}: labels must be integers, got dtype {y.dtype}{hint}")
        if y.size and (y.min() < 0 or y.max() >= c):
            raise ValueError(
                f"{self}: labels must be in [0, {c - 1}] for {c} classes, got [{y.min()}, {y.max()}]"
            )
        return y
