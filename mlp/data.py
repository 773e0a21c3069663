"""Small data sets, shipped or generated (never downloaded), and batching helpers.

Inputs X are float64 arrays of shape (N, D); targets y are 1-D arrays of length N
(class labels as int64, 0/1 targets as float64). Reshape with ``y.reshape(-1, 1)``
to train a network with one output unit.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .core import as_generator


def streetlights() -> tuple[np.ndarray, np.ndarray]:
    """The six-row street-light table: three lights on or off (X, shape (6, 3)) and
    whether people walked (1) or stopped (0) (y, shape (6,)). The middle light alone
    decides."""
    X = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1], [0, 1, 1], [1, 0, 1]], dtype=np.float64)
    y = np.array([0, 1, 0, 1, 1, 0], dtype=np.float64)
    return X, y


def xor_table() -> tuple[np.ndarray, np.ndarray]:
    """The exclusive-or truth table: X of shape (4, 2), y = x1 xor x2 of shape (4,)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.float64)
    return X, y


def noisy_xor(n: int = 300, rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points x ~ N(0, I_2), labelled 1 where exactly one coordinate is positive.

    Returns X of shape (n, 2) and int labels y of shape (n,). The classes are the
    four quadrants, two each: no straight line separates them. ``rng`` is a
    Generator or a seed; None means seed 0, so the default set is the same everywhere.
    """
    if n < 1:
        raise ValueError(f"noisy_xor: n must be positive, got {n}")
    X = as_generator(0 if rng is None else rng, "noisy_xor").standard_normal((n, 2))
    y = np.logical_xor(X[:, 0] > 0, X[:, 1] > 0).astype(np.int64)
    return X, y


def digits(
    rng: np.random.Generator | int | None = None, val_fraction: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 1797 8x8 handwritten digits bundled with scikit-learn, pixels scaled to [0, 1].

    Returns X_train (n_train, 64), y_train (n_train,), X_val (n_val, 64), y_val (n_val,)
    with n_val = round(val_fraction * 1797). With ``rng=None`` the order is
    scikit-learn's, so ``val_fraction=297/1797`` reproduces the common split "first
    1500 for training, last 297 for validation"; otherwise the rows are shuffled
    with ``rng`` (a Generator or a seed) first.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"digits: val_fraction must be in [0, 1), got {val_fraction}")
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    bunch = load_digits()
    X = bunch.data.astype(np.float64) / 16.0  # pixel values are 0..16
    y = bunch.target.astype(np.int64)
    if rng is not None:
        order = as_generator(rng, "digits").permutation(len(y))
        X, y = X[order], y[order]
    n_val = round(val_fraction * len(y))
    if (val_fraction > 0 and n_val == 0) or n_val == len(y):
        raise ValueError(
            f"digits: val_fraction={val_fraction} gives {n_val} validation and {len(y) - n_val} training "
            f"rows of {len(y)}; both sets must be non-empty (or val_fraction=0 for no validation set)"
        )
    n_train = len(y) - n_val
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Rows of the identity: ``one_hot([2, 0], 3) == [[0, 0, 1], [1, 0, 0]]`` (float64)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"one_hot: labels must be a 1-D integer array, got shape {labels.shape}, dtype {labels.dtype}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"one_hot: labels must be in [0, {n_classes - 1}], got [{labels.min()}, {labels.max()}]"
        )
    out = np.zeros((labels.size, n_classes), dtype=np.float64)
    out[np.arange(labels.size), labels] = 1.0
    return out


def minibatches(
    X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) covering every row once; the last batch may be smaller.

    With a Generator ``rng`` the rows are visited in a fresh random order (one
    permutation per call, i.e. per epoch); with ``rng=None`` in their stored order.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"minibatches: X has {len(X)} rows but y has {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"minibatches: batch_size must be a positive int, got {batch_size!r}")
    n = len(X)
    if n == 0:
        raise ValueError(f"minibatches: X is empty (shape {X.shape}); there is nothing to batch")
    if rng is None:
        for start in range(0, n, batch_size):
            yield X[start : start + batch_size], y[start : start + batch_size]
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], y[rows]
