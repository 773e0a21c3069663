"""Layers with their own parameters or randomness: Dense and Dropout."""

from __future__ import annotations

import numpy as np

from .core import Layer, Parameter, as_float, as_generator, batch_sum, check_features, float_dtype
from .init import INITIALIZERS


class Dense(Layer):
    """Fully connected layer ``y = x @ W + b``.

    Shapes: x (N, n_in), W (n_in, n_out), b (n_out,), y (N, n_out).

    Backward, for upstream gradient G = dL/dy of shape (N, n_out)::

        dL/dW = x.T @ G          (n_in, n_out)
        dL/db = sum over rows G  (n_out,)
        dL/dx = G @ W.T          (N, n_in)   (skipped with input_grad=False)

    ``init`` is "xavier", "he" or "uniform" (see ``mlp.init``), drawn from ``rng``
    (a Generator, shared by all layers of a model, or an int seed);
    the bias starts at zero. ``bias=False`` drops b (useful before BatchNorm,
    whose mean subtraction cancels any bias).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        rng: np.random.Generator,
        init: str = "xavier",
        bias: bool = True,
        dtype=np.float64,
    ):
        for name, n in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Dense: {name} must be a positive int, got {n!r}")
        dtype = float_dtype(dtype, "Dense")
        if init not in INITIALIZERS:
            raise ValueError(f"Dense: unknown init {init!r}; choose from {sorted(INITIALIZERS)}")
        rng = as_generator(rng, "Dense")
        self.n_in, self.n_out = n_in, n_out
        self.W = Parameter(INITIALIZERS[init](n_in, n_out, rng=rng, dtype=dtype), name="W")
        self.b = Parameter(np.zeros(n_out, dtype=dtype), name="b") if bias else None
        self.x = None  # input of the last forward pass, needed for dL/dW

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        x = check_features(self, x, self.n_in)
        self.x = x
        y = x @ self.W.value  # (N, n_out)
        if self.b is not None:
            y += self.b.value
        return y

    can_skip_input_grad = True

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray | None:  # G: (N, n_out)
        if self.x is None or grad_y.shape != (self.x.shape[0], self.n_out):  # one test on the hot path
            self._require_forward(self.x)
            self._check_grad_shape(grad_y, (self.x.shape[0], self.n_out))
        self.W.grad += self.x.T @ grad_y  # (n_in, n_out)
        if self.b is not None:
            self.b.grad += batch_sum(grad_y)  # (n_out,)
        if not input_grad:  # the network's input: nobody needs dL/dx (Sequential.backward)
            return None
        return grad_y @ self.W.value.T  # (N, n_in)

    def parameters(self) -> list[Parameter]:
        return [self.W] if self.b is None else [self.W, self.b]

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out}{'' if self.b is not None else ', bias=False'})"


class Dropout(Layer):
    """Inverted dropout with drop probability ``p``.

    Training: each unit is kept with probability 1 - p and kept units are scaled
    by 1 / (1 - p), so the expected output equals the input::

        m_ij ~ Bernoulli(1 - p) / (1 - p) ;  y = m * x ;  dL/dx = m * dL/dy

    Evaluation (``training=False``): the identity, with no rescaling needed.
    """

    def __init__(self, p: float, *, rng: np.random.Generator):
        if (
            isinstance(p, bool)
            or not isinstance(p, (int, float, np.integer, np.floating))
            or not 0.0 <= p < 1.0
        ):
            raise ValueError(f"Dropout: p must be in [0, 1), got {p!r}")
        self.p = p
        self.rng = as_generator(rng, "Dropout")
        self.mask = None  # scaled keep-mask of the last forward pass (None in evaluation)
        self.out_shape = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        x = as_float(x, self)
        self.out_shape = x.shape
        if not training or self.p == 0.0:
            self.mask = None
            return x
        keep = 1.0 - self.p
        self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / keep
        return x * self.mask

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        self._require_forward(self.out_shape)
        self._check_grad_shape(grad_y, self.out_shape)
        return grad_y if self.mask is None else grad_y * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
