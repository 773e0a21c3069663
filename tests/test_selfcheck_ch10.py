"""The checkers of chapter 10: each fails on its stub and on planted mistakes, and passes the solution."""

import numpy as np
import pytest

import mlp
from selfcheck import ch10

# -- the solutions, as in the chapter's hidden cells ------------------------------------------

N_TOTAL = (64 * 32 + 32) + 2 * 32 + (32 * 16 + 16) + 2 * 16 + (16 * 10 + 10) + 2 * 10
N_SAVED = 32 + 16 + 10


def sd_accuracy(a, n):
    return np.sqrt(a * (1 - a) / n)


N_NEEDED = 0.98 * 0.02 / 0.001**2


def cosine_lr(epoch, n_epochs, lr_max):
    return 0.5 * lr_max * (1 + np.cos(np.pi * (epoch - 1) / n_epochs))


def average_probabilities(logits_list):
    return np.mean([mlp.Softmax()(Z) for Z in logits_list], axis=0)


def stub(*args): ...


def message(verdict):
    assert not verdict, f"a wrong answer passed: {verdict}"
    return verdict.message


# -- exercise 1 --------------------------------------------------------------------------------


def test_ex1_passes_the_solution_and_not_the_stub():
    assert ch10.check_ex1.verdict(N_TOTAL, N_SAVED)
    assert "still `...`" in message(ch10.check_ex1.verdict(..., ...))


@pytest.mark.parametrize(
    ("n_total", "n_saved", "diagnosis"),
    [
        (2080 + 64 + 528 + 32, N_SAVED, "stops after the second BatchNorm"),
        (N_TOTAL + 2 * (32 + 16 + 10), N_SAVED, "running mean and variance"),
        (N_TOTAL - 2 * (32 + 16 + 10), N_SAVED, "leaves out the BatchNorm layers"),
        (N_TOTAL - (32 + 16 + 10), N_SAVED, "leaves out the biases"),
        (N_TOTAL, 32 + 16, "Dense(16, 10) is followed by BatchNorm(10)"),
        (N_TOTAL, 2 * N_SAVED, "one bias per output unit"),
        (N_TOTAL + 1, N_SAVED, "too large"),
        (N_TOTAL + 0.5, N_SAVED, "whole number"),
    ],
)
def test_ex1_recognises_the_common_slips(n_total, n_saved, diagnosis):
    assert diagnosis in message(ch10.check_ex1.verdict(n_total, n_saved))


def test_ex1_never_shows_the_answer():
    for wrong in (2704, N_TOTAL + 1, N_TOTAL - 7):
        text = message(ch10.check_ex1.verdict(wrong, N_SAVED))
        assert str(N_TOTAL) not in text and str(N_SAVED) not in text


# -- exercise 2 --------------------------------------------------------------------------------


def test_ex2_passes_the_solution_and_not_the_stub():
    assert ch10.check_ex2.verdict(sd_accuracy, N_NEEDED)
    assert ch10.check_ex2.verdict(sd_accuracy, 19600)
    assert "returns None" in message(ch10.check_ex2.verdict(stub, ...))
    assert "still `...`" in message(ch10.check_ex2.verdict(sd_accuracy, ...))


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (lambda a, n: a * (1 - a) / n, "the variance"),
        (lambda a, n: np.sqrt(a * (1 - a)) / n, "outside the square root"),
        (lambda a, n: np.sqrt(n * a * (1 - a)), "number of correct digits"),
        (lambda a, n: 100 * np.sqrt(a * (1 - a) / n), "percentage points"),
        (lambda a, n: np.sqrt(a / n), "too large"),
    ],
)
def test_ex2_recognises_wrong_formulas(answer, diagnosis):
    assert diagnosis in message(ch10.check_ex2.verdict(answer, N_NEEDED))


@pytest.mark.parametrize(
    ("n_needed", "diagnosis"),
    [(196, "one percentage point"), (2, "0.1 as a fraction"), (140, "square both sides"), (1e5, "too large")],
)
def test_ex2_recognises_wrong_sample_sizes(n_needed, diagnosis):
    text = message(ch10.check_ex2.verdict(sd_accuracy, n_needed))
    assert diagnosis in text and "19600" not in text


# -- exercise 3 --------------------------------------------------------------------------------


def test_ex3_passes_the_solution_and_not_the_stub():
    assert ch10.check_ex3.verdict(cosine_lr)
    assert "returns None" in message(ch10.check_ex3.verdict(stub))


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (lambda e, n, lr: 0.5 * lr * (1 + np.cos(np.pi * e / n)), "uses e - 1"),
        (lambda e, n, lr: 0.5 * lr * (1 + np.cos(np.pi * (e - 1) / (n - 1))), "divide by E, not E - 1"),
        (lambda e, n, lr: lr * (1 + np.cos(np.pi * (e - 1) / n)), "factor 1/2"),
        (lambda e, n, lr: 0.5 * lr * (1 + np.cos(180 * (e - 1) / n)), "radians"),
        (lambda e, n, lr: lr * (1 - (e - 1) / n), "differ"),
    ],
)
def test_ex3_recognises_wrong_schedules(answer, diagnosis):
    assert diagnosis in message(ch10.check_ex3.verdict(answer))


# -- exercise 4 --------------------------------------------------------------------------------


def test_ex4_passes_the_solution_and_not_the_stub():
    assert ch10.check_ex4.verdict(average_probabilities)
    assert "returns None" in message(ch10.check_ex4.verdict(stub))


def naive_softmax(Z):
    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (lambda L: mlp.Softmax()(np.mean(L, axis=0)), "softmax of the averaged logits"),
        (lambda L: np.mean(L, axis=0), "averages the logits"),
        (lambda L: np.sum([mlp.Softmax()(Z) for Z in L], axis=0), "divide the sum"),
        (lambda L: np.mean([Z.argmax(axis=1) for Z in L], axis=0), "one number per digit"),
        (lambda L: np.mean([naive_softmax(Z) for Z in L], axis=0), "stable softmax"),
    ],
)
def test_ex4_recognises_wrong_averages(answer, diagnosis):
    with np.errstate(all="ignore"):
        assert diagnosis in message(ch10.check_ex4.verdict(answer))
