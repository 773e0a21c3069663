"""Gradient checking with central differences.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)

has error O(h**2) from truncation plus about eps_machine * |f| / h from rounding;
h = 1e-6 in float64 balances the two. Compare analytic and numerical gradients
with ``relative_error``: for a correct float64 backward expect about 1e-7 or
smaller; 1e-4 or more means a bug.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from .core import Layer


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    Each entry of ``x`` is perturbed in place by +eps and -eps and then restored,
    even if ``f`` raises, so ``f`` may read ``x`` through a closure (for example a
    layer's ``Parameter.value``). Returns an array shaped like ``x``.
    """
    if not eps > 0:
        raise ValueError(f"numerical_gradient: eps must be > 0, got {eps}")
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "numerical_gradient: x must be a floating-point numpy array (it is perturbed in place)"
        )
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = float(f(x))
            x[index] = original - eps
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|), the largest difference relative to the scale of both.

    The denominator is floored at 1e-12 so two zero gradients compare as 0.0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = np.max(np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b)) / max(scale, 1e-12))


def _random_generators(layer: Layer) -> list[np.random.Generator]:
    found = [v for v in vars(layer).values() if isinstance(v, np.random.Generator)]
    for child in getattr(layer, "layers", []):
        found += _random_generators(child)
    return found


def check_gradients(
    model: Layer, loss, x: np.ndarray, y: np.ndarray, *, eps: float = 1e-6
) -> dict[str, float]:
    """Relative error between backpropagated and central-difference gradients.

    Returns ``{parameter name: error, ..., "input": error}`` with names from
    ``model.named_parameters()`` (e.g. "0.W"). The check runs in training mode on a
    float64 copy of ``model``, which is left untouched; before every forward pass
    the copy's random generators are reset, so a Dropout layer draws the same mask
    each time and the function being differentiated is fixed.
    """
    model = copy.deepcopy(model)
    loss = copy.deepcopy(loss)
    named = model.named_parameters()
    for _, p in named:
        p.value = p.value.astype(np.float64)
        p.grad = np.zeros_like(p.value)
    x = np.array(x, dtype=np.float64)
    generators = _random_generators(model)
    states = [g.bit_generator.state for g in generators]

    def total_loss(_=None) -> float:
        for g, state in zip(generators, states):
            g.bit_generator.state = state
        return loss.forward(model.forward(x, training=True), y)

    total_loss()
    grad_x = model.backward(loss.backward())
    errors = {}
    seen = set()
    for name, p in named:
        if id(p) in seen:  # a shared parameter is checked once, under its first name
            continue
        seen.add(id(p))
        errors[name] = relative_error(p.grad, numerical_gradient(total_loss, p.value, eps))
    errors["input"] = relative_error(grad_x, numerical_gradient(total_loss, x, eps))
    return errors
