"""What every chapter's checkers share: the verdict, the decorator, and comparisons.

A checker is written as a function that inspects the reader's answer and either
returns a short success message or raises ``Wrong`` with what is wrong::

    @checker(3)
    def check_ex3(delta2_mse):
        A2, Y = ...                                   # fresh random inputs
        got = call(delta2_mse, A2, Y, name="delta2_mse")
        expected = ...                                # computed now, never a literal
        if close(got, 50 * expected):
            raise Wrong("delta2_mse is 50 times too large: divide by the number of entries, Y.size")
        compare("delta2_mse(A2, Y)", got, expected)
        return "delta2_mse matches mlp's MSELoss and Sigmoid backward on 5 random batches"

``@checker`` turns it into a function that prints the verdict and never raises.
Messages never contain the expected values: they say which entry or shape is off
and, where the chapter's pitfall explains it, why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import mlp


class Wrong(Exception):
    """Raised inside a checker: the answer is not (yet) right; the message says why."""


class NotYet(Wrong):
    """The starter cell is untouched: the answer is still ``...`` or the function returns None."""


@dataclass(frozen=True)
class Verdict:
    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"Exercise {self.exercise}: {'correct' if self.passed else 'not yet'}. {self.message}"


def checker(exercise: int | str) -> Callable:
    """Decorate a checker body: the result prints one verdict and never raises.

    The undecorated behaviour is kept as ``.verdict(...)``, which returns the
    ``Verdict`` (for tests) instead of printing it.
    """

    def decorate(body: Callable[..., str]) -> Callable[..., None]:
        @functools.wraps(body)
        def verdict(*answer, **kwargs) -> Verdict:
            try:
                message = body(*answer, **kwargs)
            except Wrong as wrong:
                return Verdict(str(exercise), False, str(wrong))
            except Exception as error:  # a bug in the reader's answer that the checker did not foresee
                return Verdict(
                    str(exercise), False, f"checking your answer raised {type(error).__name__}: {error}"
                )
            return Verdict(str(exercise), True, message)

        @functools.wraps(body)
        def check(*answer, **kwargs) -> None:
            print(verdict(*answer, **kwargs))

        check.verdict = verdict
        return check

    return decorate


# -- reading the reader's answer ---------------------------------------------------------------


def given(value, name: str):
    """``value``, unless it is still the starter cell's ``...`` (or None)."""
    if value is ... or value is None:
        raise NotYet(f"`{name}` is still `...`: replace it with your answer and run the cell again.")
    return value


def call(function, *args, name: str | None = None, **kwargs):
    """Call the reader's ``function``; a stub's None, or an exception, becomes a clear verdict.

    Arrays are passed as copies, so an answer that modifies its inputs cannot spoil
    the reference computed from them afterwards.
    """
    name = name or getattr(function, "__name__", "your function")
    if not callable(function):
        raise Wrong(f"`{name}` should be a function, got {type(function).__name__}.")
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        raise NotYet(f"`{name}` is still the starter stub: fill in its body.") from None
    except Exception as error:
        raise Wrong(f"`{name}` raised {type(error).__name__}: {error}") from None
    if result is None or result is ...:
        raise NotYet(f"`{name}` returns None: fill in its body (and end it with `return`).")
    return result


def as_array(value, name: str) -> np.ndarray:
    """``value`` as a float array, or a verdict saying what it is instead."""
    given(value, name)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        kind = type(value).__name__
        raise Wrong(f"`{name}` should be a number or an array of numbers, got {kind}.") from None
    if not np.all(np.isfinite(array)):
        raise Wrong(f"`{name}` contains nan or inf.")
    return array


def as_number(value, name: str) -> float:
    array = as_array(value, name)
    if array.size != 1:
        raise Wrong(f"`{name}` should be one number, got an array of shape {array.shape}.")
    return float(array.reshape(()))


def trajectory(make_optimizer, theta0, grads) -> np.ndarray:
    """The parameter after ``make_optimizer([theta])`` has stepped once per row of ``grads``."""
    theta = mlp.Parameter(np.array(theta0, dtype=np.float64))
    optimizer = make_optimizer([theta])
    for g in grads:
        theta.grad[...] = g
        optimizer.step()
    return theta.value


# -- comparing ----------------------------------------------------------------------------------


def close(got, expected, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when ``got`` has ``expected``'s shape and values (used to recognise known mistakes)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def compare(name: str, got, expected, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Raise ``Wrong`` unless ``got`` equals ``expected`` in shape and value.

    The message names the shape or the first entry that differs, not the expected
    value, and recognises a transposed answer.
    """
    got = as_array(got, name)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        hint = ""
        if got.ndim == 2 and got.T.shape == expected.shape:
            hint = " Is it transposed?"
        elif got.size == expected.size:
            hint = " The number of entries is right: check the shape (a reshape, or (N,) against (N, 1))."
        raise Wrong(f"`{name}` has shape {got.shape}, expected {expected.shape}.{hint}")
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"entry {first if len(first) > 1 else first[0]}" if first else "its value"
        raise Wrong(f"`{name}` is off: {int(bad.sum())} of {bad.size} entries differ, the first at {where}.")


def compare_number(name: str, got, expected, rtol: float = 1e-3, atol: float = 0.0) -> float:
    """Raise ``Wrong`` unless the number ``got`` is within ``rtol`` of ``expected``; return it."""
    value = as_number(got, name)
    if not np.isclose(value, expected, rtol=rtol, atol=atol):
        direction = "too large" if value > expected else "too small"
        raise Wrong(f"`{name}` is {direction}.")
    return value
