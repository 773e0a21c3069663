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
    """Base class: holds the parameters, the learning rate and the weight decay.

    Hyper-parameters are checked once, here, with errors that name the optimizer and
    the value; ``lr`` may be changed between steps (``opt.lr = 0.01``), as a learning
    rate schedule does, and every rule reads it at each step.
    """

    def __init__(self, params: Iterable[Parameter], lr: float, weight_decay: float = 0.0):
        self.params = _parameter_list(params, type(self).__name__)
        self.lr = _check_number(self, "learning rate", lr, ">= 0", lambda v: v >= 0.0)
        self.weight_decay = _check_number(self, "weight_decay", weight_decay, ">= 0", lambda v: v >= 0.0)

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


def _parameter_list(params, owner: str) -> list[Parameter]:
    """``params`` as a list of Parameters, or a TypeError/ValueError naming ``owner``."""
    if callable(params) and not isinstance(params, Parameter):
        raise TypeError(
            f"{owner}: params is a function ({getattr(params, '__name__', params)!r}), not a list of "
            "Parameters; call it: model.parameters()"
        )
    if isinstance(params, Parameter):
        params = [params]
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{owner}: params must be an iterable of Parameters, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{owner}: got an empty parameter list")
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"{owner}: params[{i}] is a {type(p).__name__}, expected a Parameter")
    return params


def _check_number(optimizer, what: str, value, rule: str, ok) -> float:
    """``value`` as a float if it is a real number satisfying ``ok``, else an error naming the optimizer."""
    name = type(optimizer).__name__ if not isinstance(optimizer, str) else optimizer
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: invalid {what} {value!r} (must be a number {rule})")
    value = float(value)
    if not ok(value):  # also False for NaN
        raise ValueError(f"{name}: invalid {what} {value} (must be {rule})")
    return value


def _check_eps(optimizer, eps) -> float:
    return _check_number(optimizer, "eps", eps, "> 0", lambda v: v > 0.0)


def _check_betas(optimizer, betas) -> tuple[float, float]:
    name = type(optimizer).__name__
    try:
        n = len(betas)
    except TypeError:
        n = None
    if n != 2:
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    in_range = lambda v: 0.0 <= v < 1.0  # noqa: E731
    return (
        _check_number(optimizer, "beta1 (betas[0])", betas[0], "in [0, 1)", in_range),
        _check_number(optimizer, "beta2 (betas[1])", betas[1], "in [0, 1)", in_range),
    )


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
        momentum = _check_number(self, "momentum", momentum, "in [0, 1)", lambda v: 0.0 <= v < 1.0)
        if nesterov and momentum == 0.0:
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0")
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
        self.eps = _check_eps(self, eps)
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
        self.alpha = _check_number(self, "alpha", alpha, "in [0, 1)", lambda v: 0.0 <= v < 1.0)
        self.eps = _check_eps(self, eps)
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
        self.beta1, self.beta2 = _check_betas(self, betas)
        self.eps = _check_eps(self, eps)
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


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as ``torch.optim.AdamW``.

    theta <- theta - lr * lambda * theta                       (decay, outside the moments)
    then the Adam step on g = dL/dtheta alone (no lambda * theta added to g)

    With Adam's ``weight_decay`` (L2), lambda * theta enters m and s and is divided by
    sqrt(s_hat) like the loss gradient: weights with large gradients are hardly
    decayed. Here every weight shrinks by the factor (1 - lr * lambda) per step.
    The paper's Algorithm 2 multiplies the decay by a schedule multiplier instead of
    lr; PyTorch (and this class) uses lr.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _gradient(self, p: Parameter) -> np.ndarray:
        return p.grad  # the decay is applied to theta in step(), never added to g

    def step(self) -> None:
        shrink = 1.0 - self.lr * self.weight_decay
        for p in self.params:
            p.value *= shrink
        super().step()

    def __repr__(self) -> str:
        return f"AdamW(lr={self.lr}, weight_decay={self.weight_decay})"


def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale all gradients together so that their global L2 norm is at most ``max_norm``.

        norm = sqrt(sum over parameters of sum(grad**2))
        c    = min(1, max_norm / (norm + 1e-6)) ;  grad <- c * grad   (in place, every parameter)

    Returns ``norm``, the norm *before* clipping (log it to see how often clipping acts).
    The direction of the whole gradient is kept; only its length is capped. This is
    ``torch.nn.utils.clip_grad_norm_`` with its 1e-6 guard, so results agree with it.
    Call it between ``model.backward(...)`` and ``optimizer.step()``.
    """
    params = _parameter_list(params, "clip_grad_norm")
    max_norm = _check_number("clip_grad_norm", "max_norm", max_norm, "> 0", lambda v: v > 0.0)
    norm = float(np.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in params)))
    scale = min(1.0, max_norm / (norm + 1e-6))
    for p in params:
        p.grad *= scale
    return norm
