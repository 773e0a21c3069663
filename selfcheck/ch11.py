"""Checkers for the exercises of chapter 11, automatic differentiation.

Exercises 2 to 4 extend the chapter's engines, so their checkers take the reader's
``Value`` or ``Tensor`` class as well as the answer, and use only what the chapter
defines: ``Value(x)``/``Tensor(array)``, ``.data``, ``.grad``, ``.parents``,
``.backward()``, ``+``, ``*`` and ``.sum()``.
"""

from __future__ import annotations

import math

import numpy as np

import mlp
from selfcheck.core import Wrong, as_array, call, checker, close, compare


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _backward(out, what: str) -> None:
    try:
        out.backward()
    except Exception as error:
        raise Wrong(f"the backward pass through {what} raised {type(error).__name__}: {error}") from None


def _data(out, what: str, kind: str):
    if not hasattr(out, "data") or not hasattr(out, "parents"):
        raise Wrong(f"{what} should return a {kind} (with .data and .parents), got {type(out).__name__}.")
    return out.data


@checker(1)
def check_ex1(grad_f):
    """grad_f(x, y) -> (df/dx, df/dy) for f = (x + y) x y."""
    rng = np.random.default_rng(1101)

    def f(p):
        return (p[0] + p[1]) * p[0] * p[1]

    for x, y in rng.normal(0.0, 1.5, size=(6, 2)):
        got = as_array(call(grad_f, x, y, name="grad_f"), "grad_f(x, y)")
        if got.shape != (2,):
            raise Wrong(f"grad_f(x, y) should return two numbers (df/dx, df/dy), got shape {got.shape}.")
        expected = mlp.numerical_gradient(f, np.array([x, y]))
        one_path = {"x": ((x + y) * y, x * y), "y": ((x + y) * x, x * y)}
        for i, name in enumerate("xy"):
            if not close(got[i], expected[i], rtol=1e-5, atol=1e-6) and any(
                close(got[i], partial, rtol=1e-6, atol=1e-9) for partial in one_path[name]
            ):
                raise Wrong(
                    f"df/d{name} follows only one of {name}'s paths: {name} is used twice (in x + y and in "
                    "the product), and the contributions of both uses add up."
                )
        compare("grad_f(x, y)", got, expected, rtol=1e-5, atol=1e-6)
    return "grad_f matches central differences at 6 random points."


@checker(2)
def check_ex2(Value, value_sigmoid):
    """value_sigmoid(v) -> a Value with parent v and the rule v.grad += s (1 - s) out.grad."""
    rng = np.random.default_rng(1102)
    for x in rng.normal(0.0, 2.0, size=5):
        s, slope = _sigmoid(x), _sigmoid(x) * (1 - _sigmoid(x))
        v = Value(x)
        out = call(value_sigmoid, v, name="value_sigmoid")
        data = _data(out, "value_sigmoid(v)", "Value")
        if not close(data, s):
            raise Wrong("value_sigmoid(v).data is not 1 / (1 + exp(-v.data)).")
        if not any(p is v for p in out.parents):
            raise Wrong(
                "the result must list v among its parents: otherwise the backward pass never reaches v."
            )

        v = Value(x)
        _backward(value_sigmoid(v) * 3.0, "value_sigmoid(v) * 3")
        if close(v.grad, 0.0, atol=1e-15):
            raise Wrong("v.grad stayed 0: give the result its rule (out.backward_rule = rule).")
        if close(v.grad, slope):
            raise Wrong("the rule ignores the upstream gradient: multiply the local derivative by out.grad.")
        if not close(v.grad, 3 * slope):
            raise Wrong("the local derivative is wrong: d sigmoid(v)/dv = s (1 - s), with s = sigmoid(v).")

        v = Value(x)  # a fork: v feeds two sigmoids
        _backward(value_sigmoid(v) + value_sigmoid(v) * 2.0, "value_sigmoid(v) + value_sigmoid(v) * 2")
        if close(v.grad, slope) or close(v.grad, 2 * slope):
            raise Wrong(
                "at a fork only one contribution survived: the rule must add (v.grad += ...), not assign."
            )
        if not close(v.grad, 3 * slope):
            raise Wrong("with v used twice, v.grad is not the sum of both uses' contributions.")

        w = rng.normal()
        v, weight = Value(x), Value(w)
        _backward(value_sigmoid(v * weight) * v, "value_sigmoid(v * w) * v")
        expected = mlp.numerical_gradient(lambda p: _sigmoid(p[0] * p[1]) * p[0], np.array([x, w]))
        compare("(v.grad, w.grad) in sigmoid(v w) v", [v.grad, weight.grad], expected, rtol=1e-6, atol=1e-8)
    return "value_sigmoid gives the right values and gradients, at forks and inside larger expressions."


@checker(3)
def check_ex3(Tensor, maximum):
    """maximum(a, b) for Tensors that may broadcast; the gradient goes to the larger input."""
    rng = np.random.default_rng(1103)
    shapes = [((4, 3), (4, 3)), ((4, 3), (3,)), ((5, 1), (1, 4)), ((3, 2), ()), ((3, 4), (3, 4))]
    for shape_a, shape_b in shapes:
        a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
        if shape_a == (3, 4):
            a[:, 0] = b[:, 0]  # ties, which go to b
        A, B = Tensor(a), Tensor(b)
        out = call(maximum, A, B, name="maximum")
        data = as_array(_data(out, "maximum(a, b)", "Tensor"), "maximum(a, b).data")
        compare(f"maximum(a, b).data for shapes {shape_a} and {shape_b}", data, np.maximum(a, b))
        G = rng.normal(size=data.shape)
        _backward((out * G).sum(), "maximum(a, b)")
        a_wins = a > b
        grads = {
            "a": (A, shape_a, _unbroadcast(np.where(a_wins, G, 0.0), shape_a)),
            "b": (B, shape_b, _unbroadcast(np.where(a_wins, 0.0, G), shape_b)),
        }
        swapped = {"a": _unbroadcast(np.where(a_wins, 0.0, G), shape_a), "b": None}
        for name, (tensor, shape, expected) in grads.items():
            got = np.asarray(tensor.grad)
            if got.shape != shape:
                raise Wrong(
                    f"{name}.grad has shape {got.shape} for {name} of shape {shape} (shapes {shape_a} and "
                    f"{shape_b}): sum the upstream gradient over the broadcast axes (unbroadcast)."
                )
            if swapped[name] is not None and not close(got, expected) and close(got, swapped[name]):
                raise Wrong("the gradients are swapped: each entry goes to the input that was larger there.")
            ties_to_a = _unbroadcast(np.where(a >= b, G, 0.0), shape_a)
            if name == "a" and (a == b).any() and not close(got, expected) and close(got, ties_to_a):
                raise Wrong("at a tie (a == b) the gradient goes to a: the exercise sends it to b.")
            compare(f"{name}.grad for shapes {shape_a} and {shape_b}", got, expected)
    return "maximum gives the right values and gradients, with and without broadcasting."


def _layer_norm(x, gamma, beta, eps=1e-5, axis=1, ddof=0):
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


@checker(4)
def check_ex4(Tensor, layer_norm):
    """layer_norm(x, gamma, beta) from Tensor operations; its gradient from the engine."""
    rng = np.random.default_rng(1104)
    for n, d in [(6, 5), (4, 7)]:
        x = 2.0 + 3.0 * rng.normal(size=(n, d))
        gamma, beta = rng.normal(size=d), rng.normal(size=d)
        out = call(layer_norm, Tensor(x), Tensor(gamma), Tensor(beta), name="layer_norm")
        got = as_array(_data(out, "layer_norm(x, gamma, beta)", "Tensor"), "layer_norm(x, gamma, beta).data")
        if got.shape == (n, d) and close(got, _layer_norm(x, gamma, beta, axis=0)):
            raise Wrong(
                "each column was normalized over the batch (that is BatchNorm): layer normalization takes "
                "the mean and variance of each row, over axis=1."
            )
        if got.shape == (n, d) and close(got, _layer_norm(x, gamma, beta, ddof=1)):
            raise Wrong("the variance is the unbiased one (divided by D - 1): use the mean of the squares.")
        compare(f"layer_norm(x, gamma, beta).data for x of shape {(n, d)}", got, _layer_norm(x, gamma, beta))

        G = rng.normal(size=(n, d))
        inputs = [Tensor(x), Tensor(gamma), Tensor(beta)]
        _backward((layer_norm(*inputs) * G).sum(), "layer_norm")
        arrays = [x, gamma, beta]
        for i, name in enumerate(["x", "gamma", "beta"]):

            def f(v, i=i, arrays=arrays, G=G):
                args = [v if j == i else arrays[j] for j in range(3)]
                return float((_layer_norm(*args) * G).sum())

            expected = mlp.numerical_gradient(f, arrays[i].copy())
            got_grad = np.asarray(inputs[i].grad)
            if name == "x" and got_grad.shape == x.shape:
                constant_stats = G * gamma / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
                if close(got_grad, constant_stats, rtol=1e-5, atol=1e-7):
                    raise Wrong(
                        "the gradient misses the paths through the mean and the variance: compute them "
                        "with Tensor operations (x.mean(...)), not from x.data, which the engine sees as "
                        "a constant."
                    )
            compare(
                f"the gradient of {name} (against central differences)",
                got_grad,
                expected,
                rtol=1e-5,
                atol=1e-7,
            )
    return (
        "layer_norm matches the formula, and its engine gradient matches central differences "
        "for x, gamma and beta."
    )
