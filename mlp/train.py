"""The training loop: ``fit`` returns a ``History``; ``predict`` and ``accuracy`` evaluate.

One step of ``fit`` is exactly the loop a chapter writes by hand::

    optimizer.zero_grad()
    loss_value = loss.forward(model.forward(X_batch, training=True), y_batch)
    model.backward(loss.backward())
    optimizer.step()

except that it tells a ``Sequential`` not to compute the gradient of the input batch,
which nothing uses (``model.backward(..., input_grad=False)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .core import Layer, as_float, as_generator
from .data import minibatches


@dataclass
class History:
    """Per-epoch records of a ``fit`` run (one entry per epoch in each list).

    ``loss`` and ``accuracy`` are averages over the epoch's training batches (in
    training mode, as the network was while it learned); ``val_loss`` and
    ``val_accuracy`` are measured after the epoch in evaluation mode. Accuracy
    lists stay empty when the targets are not class labels.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        last = ", ".join(f"{name}={values[-1]:.4g}" for name, values in vars(self).items() if values)
        return f"History(epochs={self.epochs}{', ' if last else ''}{last})"


def _class_labels(y: np.ndarray) -> np.ndarray | None:
    """Targets as int class labels, or None if they are not labels.

    Accepted: int labels (N,); one-hot rows (N, C); 0/1 targets (N,) or (N, 1).
    """
    y = np.asarray(y)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        return y
    if not np.all((y == 0) | (y == 1)):
        return None
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1) if np.all(y.sum(axis=1) == 1) else None
    return y.reshape(len(y)).astype(np.int64)


def _predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """argmax over columns; for a single output column, the class is output > 0.5."""
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(len(outputs)) > 0.5).astype(np.int64)


def predict(model: Layer, X: np.ndarray) -> np.ndarray:
    """The model's outputs for ``X`` in evaluation mode (running statistics, no dropout)."""
    return model.forward(X, training=False)


def accuracy(model: Layer, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose predicted class equals the true class.

    ``y`` holds int labels, one-hot rows, or 0/1 targets for a single output unit.
    """
    y = np.asarray(y)
    if len(y) == 0:
        raise ValueError(f"accuracy: got an empty set (y of shape {y.shape}); there is nothing to count")
    labels = _class_labels(y)
    if labels is None:
        raise ValueError("accuracy: y must be int labels, one-hot rows, or 0/1 targets")
    outputs = predict(model, X)
    if len(outputs) != len(labels):
        raise ValueError(f"accuracy: {len(outputs)} rows of outputs but {len(labels)} targets")
    if y.ndim == 2 and y.shape[1] > 1 and outputs.shape[1:] != y.shape[1:]:
        raise ValueError(
            f"accuracy: one-hot targets of shape {y.shape} do not match the model's outputs of shape "
            f"{outputs.shape}"
        )
    return float(np.mean(_predicted_classes(outputs) == labels))


def _check_data(name: str, X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = as_float(X, f"fit: {name} inputs"), np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"fit: {name} inputs must be 2-D (N, features), got shape {X.shape}")
    if len(X) == 0:
        raise ValueError(f"fit: the {name} set is empty (inputs of shape {X.shape})")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"fit: {name} targets must be numbers, got dtype {y.dtype}")
    if len(X) != len(y):
        raise ValueError(f"fit: {name} inputs have {len(X)} rows but the targets have {len(y)}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"fit: {name} inputs contain NaN or inf")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"fit: {name} targets contain NaN or inf")
    return X, y


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"fit: {name} must be a positive int, got {value!r}")
    return int(value)


def _check_finite_state(model: Layer, epoch: int) -> None:
    """FloatingPointError naming the epoch if a parameter or its gradient is NaN or inf.

    One check per epoch keeps the training step fast: a non-finite parameter makes the
    next batch's loss non-finite, which the per-step loss check reports; this catches
    what the last step of an epoch left behind, and a custom loss whose gradient is
    non-finite while its value is not."""
    named = model.named_parameters()
    for what, attribute in (("gradient", "grad"), ("value", "value")):  # the cause first
        for name, p in named:
            if not np.isfinite(getattr(p, attribute)).all():
                raise FloatingPointError(
                    f"fit: parameter {name} has a non-finite {what} after epoch {epoch}; {_REMEDIES}"
                )


_REMEDIES = (
    "the training diverged. Try a lower learning rate, gradient clipping (mlp.clip_grad_norm), "
    "or smaller input values"
)


def _backward(model: Layer, grad_y: np.ndarray) -> None:
    """``model.backward(grad_y)``, without the input's gradient when the model can skip it."""
    if getattr(model, "can_skip_input_grad", False):
        model.backward(grad_y, input_grad=False)
    else:
        model.backward(grad_y)


def fit(
    model: Layer,
    loss,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    verbose: int = 0,
) -> History:
    """Train ``model`` with mini-batch gradient descent and return its ``History``.

    batch_size: rows per step; None means the full batch (one step per epoch).
    rng: a Generator (or an int seed) to shuffle the rows every epoch; None keeps their order.
    validation: (X_val, y_val), evaluated after each epoch in evaluation mode.
    verbose: k > 0 prints a line every k epochs (and after the last).

    Everything is checked before the first step, the validation set included.
    Raises FloatingPointError naming the epoch if the loss, a parameter or a
    gradient stops being finite (whatever the loss).

    ``fit(..., epochs=1)`` called in a loop trains exactly as one call with more
    epochs (the optimizer and ``rng`` keep their state), which leaves room for
    anything to run between epochs: early stopping, a learning-rate schedule.
    """
    epochs = _positive_int("epochs", epochs)
    X, y = _check_data("training", X, y)
    batch_size = len(X) if batch_size is None else _positive_int("batch_size", batch_size)
    if rng is not None:
        rng = as_generator(rng, "fit")
    if isinstance(verbose, bool) or not isinstance(verbose, (int, np.integer)) or verbose < 0:
        raise ValueError(f"fit: verbose must be an int >= 0, got {verbose!r}")
    for name, obj in (("optimizer", optimizer), ("loss", loss)):
        needs = ("step", "zero_grad") if name == "optimizer" else ("forward", "backward")
        if not all(callable(getattr(obj, method, None)) for method in needs):
            raise TypeError(f"fit: {name} has no {' and '.join(needs)} methods: got {obj!r}")
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise ValueError("fit: validation must be a pair (X_val, y_val)")
        X_val, y_val = _check_data("validation", *validation)
        if X_val.shape[1:] != X.shape[1:] or y_val.shape[1:] != y.shape[1:]:
            raise ValueError(
                f"fit: the validation set has inputs {X_val.shape} and targets {y_val.shape}, but the "
                f"training set has inputs {X.shape} and targets {y.shape}; all but the first sizes must agree"
            )
        loss.forward(predict(model, X_val[:1]), y_val[:1])  # model and loss accept it: fail before any step
    labels = _class_labels(y)
    history = History()
    # Overflow shows up as a non-finite loss, reported below with the epoch; numpy's
    # own warnings would only repeat it less clearly.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            total_loss, correct = 0.0, 0
            for X_batch, y_batch in minibatches(X, y, batch_size, rng):
                optimizer.zero_grad()
                outputs = model.forward(X_batch, training=True)
                batch_loss = loss.forward(outputs, y_batch)
                if not math.isfinite(batch_loss):
                    raise FloatingPointError(
                        f"fit: the training loss became {batch_loss} at epoch {epoch}; {_REMEDIES}"
                    )
                _backward(model, loss.backward())
                optimizer.step()
                total_loss += batch_loss * len(X_batch)
                if labels is not None:
                    correct += np.count_nonzero(_predicted_classes(outputs) == _class_labels(y_batch))
            _check_finite_state(model, epoch)
            history.loss.append(total_loss / len(X))
            if labels is not None:
                history.accuracy.append(correct / len(X))
            if validation is not None:
                history.val_loss.append(loss.forward(predict(model, X_val), y_val))
                if labels is not None:
                    history.val_accuracy.append(accuracy(model, X_val, y_val))
            if verbose and (epoch % verbose == 0 or epoch == epochs):
                print(_progress_line(history, epoch, epochs))
    return history


def _progress_line(history: History, epoch: int, epochs: int) -> str:
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    parts += [f"{name} {values[-1]:.4f}" for name, values in vars(history).items() if values]
    return "  ".join(parts)
