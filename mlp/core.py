"""Parameters, the layer interface, and layers chained in sequence.

Every layer maps a batch ``x`` of shape ``(N, ...)`` to ``y`` and, given the
upstream gradient ``dL/dy``, returns ``dL/dx``. ``forward`` stores what
``backward`` needs; ``backward`` only computes gradients and *adds* the
gradient of each of the layer's own parameters into ``Parameter.grad``: a
parameter reached along several paths receives the sum over the paths, as the
multivariable chain rule says. Only optimizers change ``Parameter.value``.
"""

from __future__ import annotations

import functools

import numpy as np


class Parameter:
    """A box holding a trainable array and the gradient of the loss with respect to it.

    ``value`` is the array itself; ``grad`` has the same shape and dtype and starts
    at zeros. Layers keep the box, so an optimizer that updates ``value`` in place is
    always seen by the layer.

    An optimizer makes ``value`` and ``grad`` views into its flat buffers (see
    ``mlp.optimizers``). Replacing either array (``p.value = new_array``) is allowed: it
    bumps the class-wide counter ``Parameter.replacements``, so an optimizer knows, by
    one integer comparison per step, when it must look for replaced arrays and copy them
    into its buffers again.
    """

    replacements = 0  # how many times any parameter's value or grad array was replaced

    def __init__(self, value, name: str = "param"):
        value = np.array(value, copy=True)
        if not np.issubdtype(value.dtype, np.floating):
            value = value.astype(np.float64)
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name

    @property
    def value(self) -> np.ndarray:
        return self._value

    @value.setter
    def value(self, array: np.ndarray) -> None:
        if array is not getattr(self, "_value", None):  # `p.value += g` assigns the same array back
            Parameter.replacements += 1
        self._value = array

    @property
    def grad(self) -> np.ndarray:
        return self._grad

    @grad.setter
    def grad(self, array: np.ndarray) -> None:
        if array is not getattr(self, "_grad", None):  # `p.grad += g` assigns the same array back
            Parameter.replacements += 1
        self._grad = array

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def size(self) -> int:
        return self.value.size

    def zero_grad(self) -> None:
        self.grad.fill(0.0)

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.value.shape})"


class Layer:
    """Base class: ``forward(x, training=True) -> y`` and ``backward(grad_y) -> grad_x``.

    ``training`` selects between training and evaluation behaviour (BatchNorm,
    Dropout); layers without such behaviour ignore it.

    A layer whose ``can_skip_input_grad`` is True also accepts
    ``backward(grad_y, input_grad=False)``: it then adds its parameters' gradients
    but does not compute dL/dx, and returns None. ``Sequential`` uses it for its
    first layer when told the network's input gradient is not needed.
    """

    can_skip_input_grad = False

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        return self.forward(x, training=training)

    def parameters(self) -> list[Parameter]:
        return []

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """Pairs ``(name, parameter)``; ``Sequential`` prefixes the layer index ("0.W")."""
        return [(p.name, p) for p in self.parameters()]

    def named_buffers(self) -> list[tuple[str, np.ndarray]]:
        """State that is not trained but belongs to the model (BatchNorm's running statistics)."""
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    # -- saving and loading ------------------------------------------------------------

    def _state(self) -> dict[str, np.ndarray]:
        """The live arrays of the state: every parameter's value and every buffer, by name."""
        state = {}
        for name, array in [(n, p.value) for n, p in self.named_parameters()] + self.named_buffers():
            if name in state and state[name] is not array:
                raise ValueError(f"{type(self).__name__}.state_dict: two arrays are both named {name!r}")
            state[name] = array
        return state

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters and buffers, keyed by name ("0.W", "0.b", "2.running_mean").

        The values are plain arrays, so ``np.savez(path, **model.state_dict())`` saves
        them and ``model.load_state_dict(dict(np.load(path)))`` restores them.
        Optimizer state (velocities, moments) is not included.
        """
        return {name: array.copy() for name, array in self._state().items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy ``state`` (from ``state_dict``) into this model's parameters and buffers, in place.

        The keys must be exactly this model's and each array must have the shape of the
        one it replaces; otherwise a ValueError names the keys or the shapes, and
        nothing is changed. Values are cast to each array's dtype. Parameters keep
        their identity, so an optimizer built on them stays connected.
        """
        owner = f"{type(self).__name__}.load_state_dict"
        if not hasattr(state, "keys"):
            raise TypeError(f"{owner}: expects a dict of arrays, got {type(state).__name__}")
        current = self._state()
        missing = [k for k in current if k not in state]
        unexpected = [k for k in state if k not in current]
        if missing or unexpected:
            raise ValueError(
                f"{owner}: keys do not match the model: missing {missing}, unexpected {unexpected}"
            )
        values = {}
        for name, target in current.items():
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ValueError(
                    f"{owner}: {name!r} has shape {value.shape} in the state dict "
                    f"but {target.shape} in the model"
                )
            if value.dtype.kind not in "biuf":
                raise TypeError(f"{owner}: {name!r} has dtype {value.dtype}, expected numbers")
            values[name] = value
        for name, value in values.items():  # only after every check passed
            current[name][...] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # -- checks shared by the layers -------------------------------------------------

    def _require_forward(self, cache) -> None:
        if cache is None:
            raise RuntimeError(f"{self}: backward() called before forward()")

    def _check_grad_shape(self, grad_y: np.ndarray, expected: tuple[int, ...]) -> None:
        if grad_y.shape != expected:
            raise ValueError(
                f"{self}: backward() got a gradient of shape {grad_y.shape}, "
                f"but the last forward() returned shape {expected}"
            )


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype) -> np.ndarray:
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def batch_sum(a: np.ndarray) -> np.ndarray:
    """Sum of a 2-D array over its rows (the batch axis): ``a.sum(axis=0)``.

    Written as ``ones @ a``, a BLAS matrix-vector product: for the narrow arrays of
    this book numpy's axis-0 reduction is several times slower (58 vs 9 us for a
    1500 x 32 array; see benchmarks/README.md). The ones vector is cached per length.
    """
    return _ones(a.shape[0], a.dtype) @ a


def as_generator(rng, owner: str) -> np.random.Generator:
    """``rng`` as a numpy Generator: a Generator is used as is, an int seeds a new one."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{owner}: rng must be a numpy Generator (e.g. np.random.default_rng(0)) or an int seed, "
        f"got {type(rng).__name__}"
    )


def as_float(x, owner) -> np.ndarray:
    """``x`` as a floating-point array: floats as they are, bools and integers converted
    to float64 (never the other way: an int array would truncate a slope of 0.1 to 0).
    Anything else raises a TypeError naming ``owner`` (a layer, a loss or a name)."""
    x = np.asarray(x)
    kind = x.dtype.kind
    if kind == "f":
        return x
    if kind in "biu":
        return x.astype(np.float64)
    raise TypeError(f"{owner} expects a numeric array, got dtype {x.dtype}")


def float_dtype(dtype, owner: str) -> np.dtype:
    """``dtype`` as a numpy floating-point dtype, or a TypeError naming ``owner``."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(
            f"{owner}: dtype must be a floating-point type such as np.float64 or np.float32, got {dtype}"
        )
    return dtype


def check_features(layer: Layer, x, n_features: int) -> np.ndarray:
    """Return ``x`` as a float array of shape (N, n_features), or raise a ValueError naming ``layer``."""
    x = as_float(x, layer)
    if x.ndim != 2:
        raise ValueError(
            f"{layer} expects a 2-D batch of shape (N, {n_features}), got shape {x.shape}"
            + ("; for a single example use x.reshape(1, -1)" if x.ndim == 1 else "")
        )
    if x.shape[1] != n_features:
        raise ValueError(f"{layer} expects inputs with {n_features} features, got shape {x.shape}")
    return x


class Sequential(Layer):
    """Layers applied one after another: ``y = f_L(...f_2(f_1(x)))``.

    Backward runs the layers in reverse order, each turning ``dL/d(output)`` into
    ``dL/d(input)``; ``training`` is passed down to every layer.

    ``backward(grad_y, input_grad=False)`` skips the last of these products, the
    gradient of the network's input, which training never uses (``fit`` asks for
    this): on a full batch of digits that is one (N, 64) matrix product per step,
    a quarter of the first layer's work. Every parameter gradient is still computed.
    """

    can_skip_input_grad = True

    def __init__(self, *layers: Layer):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is not a Layer: {layer!r}")
            first = next(j for j, other in enumerate(layers) if other is layer)
            if first != i:
                raise ValueError(
                    f"Sequential: item {i} is the same {layer} object as item {first}; a layer keeps "
                    "what its last forward pass needs for backward, so use two layers (they may "
                    "share a Parameter to tie their weights)"
                )
        self.layers = list(layers)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if i == 0 and not input_grad and layer.can_skip_input_grad:
                return layer.backward(grad_y, input_grad=False)  # dL/dx of the input: not needed
            grad_y = layer.backward(grad_y)
        return grad_y

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        return [
            (f"{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def named_buffers(self) -> list[tuple[str, np.ndarray]]:
        return [
            (f"{i}.{name}", a) for i, layer in enumerate(self.layers) for name, a in layer.named_buffers()
        ]

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}) {layer}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)" if self.layers else "Sequential()"
