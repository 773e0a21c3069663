"""Optimizers, in order of increasing complexity.

Each is bound to its parameters at construction. ``step()`` applies one update to
every ``Parameter.value`` in place, using ``Parameter.grad``; ``zero_grad()`` clears
the gradients.

Speed (see benchmarks/README.md): at construction the optimizer copies all its
parameters into one contiguous array ``theta`` (one per dtype) and makes every
``Parameter.value`` a view into it, and likewise every ``Parameter.grad`` into one
``grad`` array, as PyTorch's "foreach" and "fused" optimizers do. Its state (m, s,
v, G) is one flat array of the same length, allocated once. ``step()`` then runs the
chapter's update equations once, on the flat arrays, instead of once per parameter:
about a dozen numpy calls per step however many parameters the model has. Layers
see nothing of this: they keep reading and adding into ``p.value`` and ``p.grad``.
If someone replaces a parameter's array (``p.value = ...`` instead of ``p.value -=
...``), the next ``step()`` or ``zero_grad()`` notices and copies the new array
into the buffer again (``_FlatParameters.views``). The rules
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
        self.flat = [_FlatParameters(group) for group in _by_dtype(self.params)]

    def zero_grad(self) -> None:
        for flat in self.flat:
            flat.current().grad.fill(0.0)  # every parameter's grad at once

    def step(self) -> None:
        raise NotImplementedError

    def _gradient(self, p) -> np.ndarray:
        """dL/dtheta, plus weight_decay * theta when weight decay is on.

        ``p`` is a Parameter or, in ``step()``, a ``_FlatParameters``: all parameters as one."""
        if self.weight_decay:
            return p.grad + self.weight_decay * p.value
        return p.grad

    def _zeros_like_params(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """State allocated once: one flat zero array per group of parameters (used by
        ``step()``), and views into it, one per parameter, parallel to ``self.params``."""
        flats = [np.zeros_like(flat.value) for flat in self.flat]
        views = {
            id(p): state[where].reshape(p.shape)
            for flat, state in zip(self.flat, flats)
            for p, where in zip(flat.params, flat.slices)
        }
        return flats, [views[id(p)] for p in self.params]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class _FlatParameters:
    """Parameters of one dtype whose ``value`` and ``grad`` are views into two flat arrays.

    ``value`` holds every parameter's value one after the other, ``grad`` every
    gradient; each ``Parameter.value`` is ``value[start:stop].reshape(shape)``, so an
    update of ``value`` in place updates every parameter, and a layer's ``p.grad += ...``
    lands in ``grad``. It looks like one big Parameter, so the update rules (and
    ``Optimizer._gradient``) read the same for it as for one parameter. ``current()``
    checks first, when ``Parameter.replacements`` says some array was replaced
    (``p.value = new_array``, as ``check_gradients`` and some chapters do), whether it
    was one of these; if so, its new contents are copied in and it is a view again.
    """

    def __init__(self, params: list[Parameter]):
        self.params = params
        size = sum(p.size for p in params)
        self.value = np.empty(size, dtype=params[0].value.dtype)
        self.grad = np.empty(size, dtype=params[0].value.dtype)
        self.slices = []
        start = 0
        for p in params:
            self.slices.append(slice(start, start + p.size))
            start += p.size
        self._attach()

    def _attach(self) -> None:
        """Copy every parameter's value and grad into the flat arrays and make them views."""
        for p, where in zip(self.params, self.slices):
            value, grad = p.value, p.grad
            if value.shape != grad.shape or value.size != where.stop - where.start:
                raise ValueError(
                    f"{p}: value of shape {value.shape} and grad of shape {grad.shape} do not match "
                    "the shape the optimizer was built with; build a new optimizer"
                )
            self.value[where] = value.reshape(-1)
            self.grad[where] = grad.reshape(-1)
            p.value = self.value[where].reshape(value.shape)
            p.grad = self.grad[where].reshape(grad.shape)
        self.value_views = [p.value for p in self.params]
        self.grad_views = [p.grad for p in self.params]
        self.replacements = Parameter.replacements

    def current(self) -> _FlatParameters:
        if self.replacements == Parameter.replacements:  # no array replaced anywhere since
            return self
        for p, value, grad in zip(self.params, self.value_views, self.grad_views):
            if p.value is not value or p.grad is not grad:
                if p.value.dtype != self.value.dtype or p.grad.dtype != self.grad.dtype:
                    raise TypeError(
                        f"{p}: its dtype changed from {self.value.dtype} to {p.value.dtype} after the "
                        "optimizer was built; build a new optimizer"
                    )
                self._attach()
                break
        self.replacements = Parameter.replacements
        return self


def _by_dtype(params: list[Parameter]) -> list[list[Parameter]]:
    """The parameters grouped by dtype (one group for a float64 model), each listed once."""
    groups: dict[np.dtype, list[Parameter]] = {}
    seen = set()
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            groups.setdefault(p.value.dtype, []).append(p)
    return list(groups.values())


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
        self.v_flat, self.v = self._zeros_like_params() if momentum else (None, None)

    def step(self) -> None:
        mu = self.momentum
        for i, flat in enumerate(self.flat):  # one group per dtype: one pass over all parameters
            p = flat.current()
            g = self._gradient(p)
            if mu:
                v = self.v_flat[i]
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
        self.G_flat, self.G = self._zeros_like_params()

    def step(self) -> None:
        for flat, G in zip(self.flat, self.G_flat):
            p = flat.current()
            g = self._gradient(p)
            G += g * g
            p.value -= self.lr * g / (np.sqrt(G) + self.eps)


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
        self.s_flat, self.s = self._zeros_like_params()

    def step(self) -> None:
        for flat, s in zip(self.flat, self.s_flat):
            p = flat.current()
            g = self._gradient(p)
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
        self.m_flat, self.m = self._zeros_like_params()
        self.s_flat, self.s = self._zeros_like_params()

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for flat, m, s in zip(self.flat, self.m_flat, self.s_flat):  # one group per dtype
            p = flat.current()  # all parameters as one: p.value, p.grad flat
            g = self._gradient(p)
            # m, s: flat, updated in place (no new state arrays per step)
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

    def _gradient(self, p) -> np.ndarray:
        return p.grad  # the decay is applied to theta in step(), never added to g

    def step(self) -> None:
        shrink = 1.0 - self.lr * self.weight_decay
        for flat in self.flat:
            flat.current().value *= shrink  # every parameter at once
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
