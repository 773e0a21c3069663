"""Chapter 11's checkers: each fails on the starter stub, recognises a planted mistake, and
passes on the chapter's solution. The engines (Value, Tensor) are the chapter's own cells."""

import math

import nbformat
import numpy as np
import pytest

from selfcheck import ch11

CHAPTER = "chapters/11_autodiff.ipynb"
ENGINE_CELLS = ("class Value:", "def topological_order", "def _pow", "def unbroadcast")


@pytest.fixture(scope="module")
def engine(request):
    """The namespace in which the chapter defines Value and Tensor (those cells only)."""
    root = request.config.rootpath
    namespace = {"np": np, "math": math}
    for cell in nbformat.read(root / CHAPTER, as_version=4).cells:
        if cell.cell_type == "code" and cell.source.startswith(ENGINE_CELLS):
            definitions = []  # the cell up to its demo: the first line that uses the definitions
            for line in cell.source.splitlines():
                if line.startswith(("a, b, c = ", "print(")):
                    break
                definitions.append(line)
            exec("\n".join(definitions), namespace)
    return namespace


def not_yet(verdict):
    return not verdict.passed and "not yet" in str(verdict)


# -- exercise 1 ---------------------------------------------------------------------------------


def test_ex1():
    assert not_yet(ch11.check_ex1.verdict(lambda x, y: None))
    one_path = ch11.check_ex1.verdict(lambda x, y: ((x + y) * y, x**2 + 2 * x * y))
    assert not one_path.passed and "only one of x's paths" in one_path.message
    swapped = ch11.check_ex1.verdict(lambda x, y: (x**2 + 2 * x * y, 2 * x * y + y**2))
    assert not swapped.passed
    assert ch11.check_ex1.verdict(lambda x, y: (2 * x * y + y**2, x**2 + 2 * x * y)).passed


# -- exercise 2 ---------------------------------------------------------------------------------


def make_sigmoid(Value, *, assign=False, upstream=True):
    def value_sigmoid(v):
        s = 1.0 / (1.0 + math.exp(-v.data))
        out = Value(s, (v,), "σ")

        def rule():
            g = s * (1.0 - s) * (out.grad if upstream else 1.0)
            if assign:
                v.grad = g
            else:
                v.grad += g

        out.backward_rule = rule
        return out

    return value_sigmoid


def test_ex2(engine):
    Value = engine["Value"]
    assert not_yet(ch11.check_ex2.verdict(Value, lambda v: None))
    overwriting = ch11.check_ex2.verdict(Value, make_sigmoid(Value, assign=True))
    assert not overwriting.passed and "+=" in overwriting.message
    no_upstream = ch11.check_ex2.verdict(Value, make_sigmoid(Value, upstream=False))
    assert not no_upstream.passed and "out.grad" in no_upstream.message
    no_parent = ch11.check_ex2.verdict(Value, lambda v: Value(1.0 / (1.0 + math.exp(-v.data))))
    assert not no_parent.passed and "parents" in no_parent.message
    assert ch11.check_ex2.verdict(Value, make_sigmoid(Value)).passed


# -- exercise 3 ---------------------------------------------------------------------------------


def make_maximum(Tensor, unbroadcast, *, reduce=True, swap=False, ties_to_a=False):
    def maximum(a, b):
        a_wins = a.data >= b.data if ties_to_a else a.data > b.data
        if swap:
            a_wins = ~a_wins
        out = Tensor(np.maximum(a.data, b.data), (a, b), "max")

        def rule():
            ga, gb = np.where(a_wins, out.grad, 0.0), np.where(a_wins, 0.0, out.grad)
            if reduce:
                a.grad += unbroadcast(ga, a.shape)
                b.grad += unbroadcast(gb, b.shape)
            else:
                a.grad = a.grad + ga
                b.grad = b.grad + gb

        out.backward_rule = rule
        return out

    return maximum


def test_ex3(engine):
    Tensor, unbroadcast = engine["Tensor"], engine["unbroadcast"]
    assert not_yet(ch11.check_ex3.verdict(Tensor, lambda a, b: None))
    no_reduction = ch11.check_ex3.verdict(Tensor, make_maximum(Tensor, unbroadcast, reduce=False))
    assert not no_reduction.passed and "unbroadcast" in no_reduction.message
    swapped = ch11.check_ex3.verdict(Tensor, make_maximum(Tensor, unbroadcast, swap=True))
    assert not swapped.passed
    ties = ch11.check_ex3.verdict(Tensor, make_maximum(Tensor, unbroadcast, ties_to_a=True))
    assert not ties.passed and "tie" in ties.message
    assert ch11.check_ex3.verdict(Tensor, make_maximum(Tensor, unbroadcast)).passed


# -- exercise 4 ---------------------------------------------------------------------------------


def make_layer_norm(Tensor, axis=1, constant_stats=False):
    def layer_norm(x, gamma, beta, eps=1e-5):
        if constant_stats:
            mu = Tensor(x.data.mean(axis=axis, keepdims=True))
            scale = Tensor((x.data.var(axis=axis, keepdims=True) + eps) ** -0.5)
            return (x - mu) * scale * gamma + beta
        mu = x.mean(axis=axis, keepdims=True)
        centred = x - mu
        var = (centred * centred).mean(axis=axis, keepdims=True)
        return centred * (var + eps) ** -0.5 * gamma + beta

    return layer_norm


def test_ex4(engine):
    Tensor = engine["Tensor"]
    assert not_yet(ch11.check_ex4.verdict(Tensor, lambda x, gamma, beta: None))
    batch_norm = ch11.check_ex4.verdict(Tensor, make_layer_norm(Tensor, axis=0))
    assert not batch_norm.passed and "BatchNorm" in batch_norm.message
    constants = ch11.check_ex4.verdict(Tensor, make_layer_norm(Tensor, constant_stats=True))
    assert not constants.passed and "x.data" in constants.message
    assert ch11.check_ex4.verdict(Tensor, make_layer_norm(Tensor)).passed
