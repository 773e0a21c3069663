"""Weight initialisation: pure functions of the shape and a random generator.

Each returns an array of shape ``(n_in, n_out)`` for ``y = x @ W``.

- ``xavier``: normal, std = sqrt(2 / (n_in + n_out)) (Glorot and Bengio, 2010):
  keeps the variance of activations and of gradients roughly constant through
  layers with tanh or sigmoid-like units.
- ``he``: normal, std = sqrt(2 / n_in) (He et al., 2015): the factor 2 makes up
  for ReLU zeroing half of its inputs.
- ``uniform``: U(-1/sqrt(n_in), 1/sqrt(n_in)), a plain scaled uniform start.
"""

from __future__ import annotations

import numpy as np


def xavier(n_in: int, n_out: int, *, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    std = np.sqrt(2.0 / (n_in + n_out))
    return (std * rng.standard_normal((n_in, n_out))).astype(dtype, copy=False)


def he(n_in: int, n_out: int, *, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    std = np.sqrt(2.0 / n_in)
    return (std * rng.standard_normal((n_in, n_out))).astype(dtype, copy=False)


def uniform(n_in: int, n_out: int, *, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    limit = 1.0 / np.sqrt(n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype, copy=False)


INITIALIZERS = {"xavier": xavier, "he": he, "uniform": uniform}
