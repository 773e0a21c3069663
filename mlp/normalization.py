"""Batch normalization (Ioffe and Szegedy, 2015)."""

from __future__ import annotations

import numpy as np

from .core import Layer, Parameter, batch_sum, check_features, float_dtype


class BatchNorm(Layer):
    """Normalize each feature over the batch, then scale by gamma and shift by beta.

    Training, for a batch x of shape (N, D)::

        mu    = mean_i x_i                       (1) batch mean         (D,)
        var   = mean_i (x_i - mu)**2             (2) biased variance    (D,)
        xhat  = (x - mu) / sqrt(var + eps)       (3) normalize          (N, D)
        y     = gamma * xhat + beta              (4) scale and shift    (N, D)

    Backward, with G = dL/dy (sums over the batch index i)::

        dL/dbeta  = sum_i G_i
        dL/dgamma = sum_i G_i * xhat_i
        dL/dx     = gamma / (N * sqrt(var + eps)) * (N * G - dL/dbeta - xhat * dL/dgamma)

    The last line is the compact form of the three paths from x to the loss: through
    xhat directly, through the mean, and through the variance.

    The running statistics follow PyTorch's convention, where ``momentum`` is the
    weight of the new batch statistic and the running variance uses the unbiased
    batch variance (N / (N - 1) * var)::

        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var * N / (N - 1)

    Evaluation (``training=False``) normalizes with the running statistics, so
    the output of one example does not depend on the rest of the batch.
    """

    def __init__(self, n_features: int, momentum: float = 0.1, eps: float = 1e-5, dtype=np.float64):
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"BatchNorm: n_features must be a positive int, got {n_features!r}")
        dtype = float_dtype(dtype, "BatchNorm")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum}")
        if not eps > 0:
            raise ValueError(f"BatchNorm: eps must be > 0, got {eps}")
        self.n_features = n_features
        self.momentum = momentum
        self.eps = eps
        self.gamma = Parameter(np.ones(n_features, dtype=dtype), name="gamma")
        self.beta = Parameter(np.zeros(n_features, dtype=dtype), name="beta")
        self.running_mean = np.zeros(n_features, dtype=dtype)
        self.running_var = np.ones(n_features, dtype=dtype)
        # cached by forward for backward
        self.xhat = None  # (N, D) normalized input
        self.inv_std = None  # (D,) 1 / sqrt(var + eps) of the statistics used
        self.training = None  # mode of the last forward pass

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        x = check_features(self, x, self.n_features)
        n = x.shape[0]
        if training:
            if n < 2:
                raise ValueError(
                    f"{self} needs at least 2 examples per batch in training, got shape {x.shape}; "
                    "use training=False to normalize with the running statistics"
                )
            mu = batch_sum(x) / n  # (D,)
            centered = x - mu  # (N, D)
            var = batch_sum(centered * centered) / n  # (D,) biased
            # running = (1 - m) * running + m * batch_stat, updated in place (no new arrays)
            m = self.momentum
            self.running_mean *= 1 - m
            self.running_mean += m * mu
            self.running_var *= 1 - m
            self.running_var += m * var * (n / (n - 1))
        else:
            centered = x - self.running_mean
            var = self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)  # (D,)
        centered *= self.inv_std  # in place: `centered` becomes xhat, saving one (N, D) array
        self.xhat = centered
        self.training = training
        y = self.xhat * self.gamma.value
        y += self.beta.value
        return y

    def backward(self, grad_y: np.ndarray) -> np.ndarray:  # grad_y: (N, D)
        if self.xhat is None or grad_y.shape != self.xhat.shape:  # one test on the hot path
            self._require_forward(self.xhat)
            self._check_grad_shape(grad_y, self.xhat.shape)
        grad_beta = batch_sum(grad_y)  # (D,)
        grad_gamma = batch_sum(grad_y * self.xhat)  # (D,)
        self.beta.grad += grad_beta
        self.gamma.grad += grad_gamma
        if not self.training:
            # running statistics are constants: y is affine in x
            return grad_y * (self.gamma.value * self.inv_std)
        n = grad_y.shape[0]
        grad_x = n * grad_y  # (N, D)
        grad_x -= grad_beta
        grad_x -= self.xhat * grad_gamma
        grad_x *= self.gamma.value * (self.inv_std / n)
        return grad_x

    def parameters(self) -> list[Parameter]:
        return [self.gamma, self.beta]

    def named_buffers(self) -> list[tuple[str, np.ndarray]]:
        return [("running_mean", self.running_mean), ("running_var", self.running_var)]

    def __repr__(self) -> str:
        return f"BatchNorm({self.n_features})"
