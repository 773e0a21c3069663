"""Plots used across the chapters. Each takes an optional ``ax`` and returns it;
none calls ``plt.show()`` or changes global matplotlib settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .train import _predicted_classes, predict


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def decision_boundary(
    model,
    X: np.ndarray,
    y: np.ndarray,
    *,
    ax=None,
    resolution: int = 200,
    padding: float = 0.5,
    cmap: str = "coolwarm",
):
    """Shade the plane by the class ``model`` predicts and scatter the 2-D points ``X``
    coloured by their labels ``y`` (int labels, one-hot rows or 0/1 targets)."""
    ax = _axes(ax)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2), got {X.shape}")
    y = np.asarray(y)
    labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - padding, X.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, resolution), np.linspace(x1_min, x1_max, resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])  # (resolution**2, 2)
    classes = _predicted_classes(predict(model, grid)).reshape(g0.shape)
    n_classes = int(max(classes.max(), labels.max())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(g0, g1, classes, levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=labels,
        cmap=cmap,
        vmin=0,
        vmax=n_classes - 1,
        s=14,
        edgecolors="k",
        linewidths=0.4,
    )
    ax.set_xlim(x0_min, x0_max)
    ax.set_ylim(x1_min, x1_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def history(hist, metric: str = "loss", *, ax=None, label: str | None = None):
    """Plot ``hist.<metric>`` and, if recorded, ``hist.val_<metric>`` against the epoch."""
    ax = _axes(ax)
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"history: metric must be 'loss' or 'accuracy', got {metric!r}")
    prefix = f"{label} " if label else ""
    train = getattr(hist, metric)
    validation = getattr(hist, f"val_{metric}")
    epochs = np.arange(1, len(train) + 1)
    (line,) = ax.plot(epochs, train, label=f"{prefix}training")
    if validation:
        ax.plot(epochs, validation, linestyle="--", color=line.get_color(), label=f"{prefix}validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()
    return ax


def optimizer_paths(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, np.ndarray],
    *,
    ax=None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int | np.ndarray = 30,
    log_levels: bool = False,
):
    """Contours of ``f(x, y)`` with each optimizer's path (an array of shape (T, 2)) on top.

    ``f`` must accept coordinate arrays (it is evaluated on a grid). The limits
    default to the paths' extent plus a margin; ``log_levels`` spaces the contour
    levels logarithmically, which suits valleys such as Rosenbrock's.
    """
    ax = _axes(ax)
    points = np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in paths.values()])
    if xlim is None or ylim is None:
        low, high = points.min(axis=0), points.max(axis=0)
        margin = 0.15 * np.maximum(high - low, 1e-3)
        xlim = xlim or (low[0] - margin[0], high[0] + margin[0])
        ylim = ylim or (low[1] - margin[1], high[1] + margin[1])
    gx, gy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    fz = np.asarray(f(gx, gy), dtype=np.float64)
    if log_levels and np.ndim(levels) == 0:
        low = max(fz.min(), 1e-12 * max(fz.max(), 1e-12))
        levels = np.geomspace(low, fz.max(), int(levels))
    ax.contour(gx, gy, fz, levels=levels, colors="0.6", linewidths=0.6)  # one mid grey: every level visible
    for name, path in paths.items():
        path = np.asarray(path).reshape(-1, 2)
        ax.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1.2, label=name)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend()
    return ax
