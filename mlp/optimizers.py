"""Optimizers, in order of increasing complexity.

Each is bound to its parameters at construction and keeps its state in lists
parallel to them. ``step()`` applies one update to every ``Parameter.value`` in
place, using ``Parameter.grad``; ``zero_grad()`` clears the gradients. The rules
are those of the PyTorch documentation for ``torch.optim`` (with their default
hyper-parameters), so results can be checked against it.

With ``weight_decay`` = lambda > 0, every rule starts from g = grad + lambda * theta,
the gradient of the loss plus (lambda / 2) * ||theta||**2 (L2 regularization). It
applies to every parameter the optimizer holds, biases included; to decay only the
weights, give the weights and the biases to two optimizers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .core import Parameter


class Optimizer:
    """Base class: holds the parameters, the learning rate and the weight decay."""

    def __init__(self, params: Iterable[Parameter], lr: float, weight_decay: float = 0.0):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{type(self).__name__}: expected Parameters, got {type(p).__name__}")
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        self.lr = lr
        self.weight_decay = weight_decay

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad.fill(0.0)

    def step(self) -> None:
        raise NotImplementedError

    def _gradient(self, p: Parameter) -> np.ndarray:
        """dL/dtheta, plus weight_decay * theta when weight decay is on."""
        if self.weight_decay:
            return p.grad + self.weight_decay * p.value
        return p.grad

    def _zeros_like_params(self) -> list[np.ndarray]:
        return [np.zeros_like(p.value) for p in self.params]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


def _check_eps(eps: float) -> None:
    if not eps > 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Plain (momentum = 0):   theta <- theta - lr * g
    Momentum mu:            v <- mu * v + g ;  theta <- theta - lr * v
    Nesterov:               v <- mu * v + g ;  theta <- theta - lr * (g + mu * v)

    This is PyTorch's convention (velocity without the learning rate). The other
    common form, v <- mu * v - lr * g ; theta <- theta + v, gives the same
    iterates while lr is constant (its v is -lr times this one).
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr, weight_decay)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"Invalid momentum value: {momentum} (must be in [0, 1))")
        if nesterov and momentum == 0.0:
            raise ValueError("Nesterov momentum requires a momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        self.v = self._zeros_like_params() if momentum else None

    def step(self) -> None:
        mu = self.momentum
        for i, p in enumerate(self.params):
            g = self._gradient(p)
            if mu:
                v = self.v[i]
                v *= mu
                v += g
                g = g + mu * v if self.nesterov else v
            p.value -= self.lr * g


class Adagrad(Optimizer):
    """AdaGrad (Duchi et al., 2011): a per-coordinate step shrinking with the sum of squared gradients.

    G <- G + g * g ;  theta <- theta - lr * g / (sqrt(G) + eps)
    """

    def __init__(
        self, params: Iterable[Parameter], lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0
    ):
        super().__init__(params, lr, weight_decay)
        _check_eps(eps)
        self.eps = eps
        self.G = self._zeros_like_params()

    def step(self) -> None:
        for i, p in enumerate(self.params):
            g = self._gradient(p)
            self.G[i] += g * g
            p.value -= self.lr * g / (np.sqrt(self.G[i]) + self.eps)


class RMSprop(Optimizer):
    """RMSprop (Tieleman and Hinton, 2012): AdaGrad with a decaying average instead of a sum.

    s <- alpha * s + (1 - alpha) * g * g ;  theta <- theta - lr * g / (sqrt(s) + eps)
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr, weight_decay)
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"Invalid alpha value: {alpha} (must be in [0, 1))")
        _check_eps(eps)
        self.alpha = alpha
        self.eps = eps
        self.s = self._zeros_like_params()

    def step(self) -> None:
        for i, p in enumerate(self.params):
            g = self._gradient(p)
            s = self.s[i]
            s *= self.alpha
            s += (1 - self.alpha) * g * g
            p.value -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): momentum plus RMSprop scaling, both bias-corrected.

    m <- b1 * m + (1 - b1) * g ;  s <- b2 * s + (1 - b2) * g * g ;  t <- t + 1
    theta <- theta - lr * (m / (1 - b1**t)) / (sqrt(s / (1 - b2**t)) + eps)

    m and s start at zero, so early on they are biased towards zero; dividing by
    1 - beta**t (the total weight of the average after t steps) removes that bias.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr, weight_decay)
        beta1, beta2 = betas
        if not 0.0 <= beta1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {beta1}")
        if not 0.0 <= beta2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {beta2}")
        _check_eps(eps)
        self.beta1, self.beta2 = beta1, beta2
        self.eps = eps
        self.t = 0
        self.m = self._zeros_like_params()
        self.s = self._zeros_like_params()

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for i, p in enumerate(self.params):
            g = self._gradient(p)
            m, s = self.m[i], self.s[i]  # updated in place: no new arrays per step
            m *= b1
            m += (1 - b1) * g
            s *= b2
            s += (1 - b2) * g * g
            m_hat = m / (1 - b1**self.t)
            s_hat = s / (1 - b2**self.t)
            p.value -= self.lr * m_hat / (np.sqrt(s_hat) + self.eps)
