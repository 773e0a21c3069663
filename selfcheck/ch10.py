"""Checkers for the exercises of chapter 10, a digits classifier."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

import mlp
from selfcheck.core import Wrong, as_number, call, checker, close, compare, given


def _is_integer(value: float) -> bool:
    return float(value).is_integer()


def _exercise1_network() -> mlp.Sequential:
    """The network of exercise 1: a BatchNorm after every Dense layer, every Dense with its bias."""
    rng = np.random.default_rng(1001)
    return mlp.Sequential(
        mlp.Dense(64, 32, rng=rng),
        mlp.BatchNorm(32),
        mlp.Sigmoid(),
        mlp.Dense(32, 16, rng=rng),
        mlp.BatchNorm(16),
        mlp.ReLU(),
        mlp.Dense(16, 10, rng=rng),
        mlp.BatchNorm(10),
    )


@checker(1)
def check_ex1(n_total, n_saved):
    total = as_number(given(n_total, "n_total"), "n_total")
    saved = as_number(given(n_saved, "n_saved"), "n_saved")
    net = _exercise1_network()
    layers = list(net)
    size = {id(layer): sum(p.value.size for p in layer.parameters()) for layer in layers}
    expected_total = sum(size.values())
    dense = [layer for layer in layers if isinstance(layer, mlp.Dense)]
    batchnorms = [layer for layer in layers if isinstance(layer, mlp.BatchNorm)]
    running = sum(layer.running_mean.size + layer.running_var.size for layer in batchnorms)
    # the Dense layers whose output goes straight into a BatchNorm
    feeding = [a for a, b in pairwise(layers) if isinstance(a, mlp.Dense) and isinstance(b, mlp.BatchNorm)]
    expected_saved = sum(layer.b.value.size for layer in feeding)
    if not _is_integer(total) or not _is_integer(saved):
        raise Wrong("a number of parameters is a whole number.")
    if total != expected_total:
        first_four = sum(size[id(layer)] for layer in layers[:5])  # up to the second BatchNorm
        if total == first_four:
            raise Wrong(
                "n_total stops after the second BatchNorm: the last Dense layer and the last "
                "BatchNorm hold parameters too. Count every layer of the list."
            )
        if total == expected_total + running:
            raise Wrong(
                "n_total counts BatchNorm's running mean and variance: they are statistics, "
                "not parameters (no gradient updates them)."
            )
        if total == sum(size[id(layer)] for layer in dense):
            raise Wrong("n_total leaves out the BatchNorm layers: each has a scale and a shift per unit.")
        if total == sum(layer.W.value.size for layer in dense) + sum(size[id(b)] for b in batchnorms):
            raise Wrong("n_total leaves out the biases of the Dense layers: here every Dense has one.")
        if total == expected_total - sum(layer.b.value.size for layer in dense) - sum(
            size[id(b)] for b in batchnorms
        ):
            raise Wrong(
                "n_total counts only the weight matrices: add the biases and BatchNorm's gamma and beta."
            )
        if total == expected_total - sum(size[id(b)] for b in batchnorms) // 2:
            raise Wrong(
                "a BatchNorm over n units has 2n parameters: a scale gamma and a shift beta per unit."
            )
        raise Wrong(
            f"n_total is {'too large' if total > expected_total else 'too small'}: recount layer by layer."
        )
    if saved != expected_saved:
        without_last = sum(layer.b.value.size for layer in feeding[:-1])
        if saved == without_last:
            raise Wrong(
                "n_saved misses one layer: the output Dense(16, 10) is followed by BatchNorm(10) too, "
                "so its bias is cancelled as well."
            )
        if saved == 2 * expected_saved:
            raise Wrong("n_saved counts two numbers per unit: a Dense layer has one bias per output unit.")
        if saved == sum(layer.W.value.size for layer in feeding):
            raise Wrong("n_saved counts weights: bias=False removes only the biases, one per output unit.")
        raise Wrong(f"n_saved is {'too large' if saved > expected_saved else 'too small'}.")
    return "both counts are right (checked against the parameters of the network built with mlp)."


@checker(2)
def check_ex2(sd_accuracy, n_needed):
    rng = np.random.default_rng(1002)
    for _ in range(6):
        a = float(rng.uniform(0.5, 0.999))
        n = int(rng.integers(50, 5000))
        got = as_number(call(sd_accuracy, a, n, name="sd_accuracy"), "sd_accuracy(a, n)")
        expected = np.sqrt(a * (1 - a) / n)
        if np.isclose(got, expected**2, rtol=1e-9):
            raise Wrong("sd_accuracy returns the variance a(1-a)/n: take its square root.")
        if np.isclose(got, np.sqrt(a * (1 - a)) / n, rtol=1e-9):
            raise Wrong(
                "sd_accuracy divides by n outside the square root: the variance of a mean is a(1-a)/n."
            )
        if np.isclose(got, np.sqrt(n * a * (1 - a)), rtol=1e-9):
            raise Wrong(
                "that is the standard deviation of the number of correct digits: divide it by n "
                "to get that of the accuracy, a fraction."
            )
        if np.isclose(got, 100 * expected, rtol=1e-9):
            raise Wrong("sd_accuracy is in percentage points: return a fraction, as a is one.")
        if not np.isclose(got, expected, rtol=1e-9):
            raise Wrong(f"sd_accuracy({a:.3f}, {n}) is {'too large' if got > expected else 'too small'}.")
    needed = as_number(given(n_needed, "n_needed"), "n_needed")
    target = 0.98 * 0.02 / 0.001**2
    if np.isclose(needed, 0.98 * 0.02 / 0.01**2, rtol=0.02):
        raise Wrong("n_needed is for plus or minus one percentage point (0.01): 0.1 points is 0.001.")
    if 0 < needed < 3:  # a(1-a) / 0.1**2 is about 2
        raise Wrong("n_needed takes 0.1 as a fraction: 0.1 percentage points is 0.001.")
    if np.isclose(needed, np.sqrt(0.98 * 0.02) / 0.001, rtol=0.02):
        raise Wrong(
            "n_needed solves sd = sqrt(a(1-a))/n: the square root also covers n, so square both sides."
        )
    if not np.isclose(needed, target, rtol=0.01):
        raise Wrong(f"n_needed is {'too large' if needed > target else 'too small'}.")
    return "sd_accuracy is right on 6 random (a, n), and so is the number of test digits."


@checker(3)
def check_ex3(cosine_lr):
    for n_epochs, lr_max in ((20, 0.01), (7, 0.3), (50, 2.5e-3)):
        epochs = np.arange(1, n_epochs + 1)
        expected = 0.5 * lr_max * (1 + np.cos(np.pi * (epochs - 1) / n_epochs))
        got = np.array(
            [
                as_number(call(cosine_lr, int(e), n_epochs, lr_max, name="cosine_lr"), "cosine_lr(...)")
                for e in epochs
            ]
        )
        where = f"cosine_lr(epoch, {n_epochs}, {lr_max})"
        if close(got, 0.5 * lr_max * (1 + np.cos(np.pi * epochs / n_epochs))):
            raise Wrong(
                f"{where} starts below lr_max and ends at 0: the formula uses e - 1, "
                "so that epoch 1 gets the full rate."
            )
        if close(got, 0.5 * lr_max * (1 + np.cos(np.pi * (epochs - 1) / (n_epochs - 1)))):
            raise Wrong(
                f"{where} reaches 0 at the last epoch, which then learns nothing: divide by E, not E - 1."
            )
        if close(got, 2 * expected):
            raise Wrong(f"{where} is twice too large: the formula has a factor 1/2 (it starts at lr_max).")
        in_degrees = (
            0.5 * lr_max * (1 + np.cos(180 * (epochs - 1) / n_epochs)),
            0.5 * lr_max * (1 + np.cos(np.deg2rad(np.pi * (epochs - 1) / n_epochs))),
        )
        if any(close(got, wrong) for wrong in in_degrees):
            raise Wrong(f"{where}: np.cos takes radians, and pi * (e - 1) / E is already in radians.")
        compare(f"the rates {where} for epochs 1 to {n_epochs}", got, expected, rtol=1e-9, atol=1e-15)
    return "cosine_lr gives the schedule for 3 choices of E and lr_max."


def _stable_softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(shifted)
    return E / E.sum(axis=1, keepdims=True)


@checker(4)
def check_ex4(average_probabilities):
    rng = np.random.default_rng(1004)
    for n_members, scale in ((3, 3.0), (2, 1.0), (5, 800.0)):
        members = [scale * rng.standard_normal((7, 10)) for _ in range(n_members)]
        with np.errstate(all="ignore"):  # an unstable softmax overflows: say so, without a warning
            got = call(average_probabilities, [Z.copy() for Z in members], name="average_probabilities")
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            raise Wrong(
                f"average_probabilities should return an (N, C) array, got {type(got).__name__}."
            ) from None
        if got.ndim == 1:
            raise Wrong(
                "average_probabilities returns one number per digit (a vote?): return the averaged "
                "probabilities, an (N, C) array, and take its argmax afterwards."
            )
        if got.size and not np.all(np.isfinite(got)):
            raise Wrong(
                f"with logits as large as {scale:g} the result holds nan or inf: subtract each row's "
                "largest logit before np.exp (the stable softmax of chapter 06), or use mlp.Softmax()."
            )
        expected = np.mean([_stable_softmax(Z) for Z in members], axis=0)
        if close(got, _stable_softmax(np.mean(members, axis=0))):
            raise Wrong(
                "that is the softmax of the averaged logits: average the members' probabilities, "
                "softmax first and the mean afterwards."
            )
        if close(got, np.mean(members, axis=0)):
            raise Wrong("that averages the logits: turn each member's logits into probabilities first.")
        if got.shape == expected.shape and close(got.sum(axis=1), n_members * np.ones(len(got))):
            raise Wrong("each row sums to the number of members: divide the sum by it (take the mean).")
        compare(f"average_probabilities of {n_members} members", got, expected)
    return (
        "average_probabilities matches the mean of the members' softmax probabilities, large logits included."
    )
