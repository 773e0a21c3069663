"""PyTorch as an independent oracle: mlp must agree with it in float64 to 1e-10.

Every layer's forward and backward, every loss and its gradient, BatchNorm in
training and evaluation mode with its running statistics, every optimizer over
25 steps with a learning rate that changes between steps and weight decay, and
clip_grad_norm. PyTorch is not a dependency of the book: install it with
``pip install -r requirements-torch.txt``. Without it these tests are skipped,
unless MLP_TORCH_ORACLE=required, when a missing torch is an error.
"""

import os

import numpy as np
import pytest

import mlp

if os.environ.get("MLP_TORCH_ORACLE") == "required":
    import torch  # an ImportError here fails the run: the oracle was asked for
else:
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed (pip install -r requirements-torch.txt to run the oracle)"
    )

import torch.nn.functional as F

RTOL = 1e-10
ATOL = 1e-12
STEPS = 25
N, D = 8, 5


def close(mine, theirs, what=""):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


def tensor(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def batch(rng, n=N, d=D):
    """Shifted, scaled inputs with a few exact zeros (the kink of ReLU, LeakyReLU and ELU)."""
    x = 3 * rng.standard_normal((n, d)) + 1
    x[0, :2] = 0.0
    return x


# ---------------------------------------------------------------- element-wise layers and softmax

ACTIVATIONS = [
    pytest.param(mlp.ReLU, torch.relu, id="ReLU"),
    pytest.param(mlp.Sigmoid, torch.sigmoid, id="Sigmoid"),
    pytest.param(mlp.Tanh, torch.tanh, id="Tanh"),
    pytest.param(lambda: mlp.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), id="LeakyReLU(0.2)"),
    pytest.param(mlp.LeakyReLU, F.leaky_relu, id="LeakyReLU"),
    pytest.param(lambda: mlp.ELU(0.5), lambda x: F.elu(x, alpha=0.5), id="ELU(0.5)"),
    pytest.param(mlp.ELU, F.elu, id="ELU"),
    pytest.param(mlp.Softmax, lambda x: torch.softmax(x, dim=-1), id="Softmax"),
]


@pytest.mark.parametrize(("make", "torch_fn"), ACTIVATIONS)
def test_activation_forward_and_backward_match_torch(make, torch_fn, rng):
    x, upstream = batch(rng), rng.standard_normal((N, D))
    layer = make()
    y = layer(x)
    x_t = tensor(x, grad=True)
    y_t = torch_fn(x_t)
    y_t.backward(tensor(upstream))
    close(y, y_t, "forward")
    close(layer.backward(upstream), x_t.grad, "input gradient")


def test_dense_forward_and_backward_match_torch(rng):
    layer = mlp.Dense(D, 3, rng=rng)
    layer.b.value[...] = rng.standard_normal(3)
    x, upstream = batch(rng), rng.standard_normal((N, 3))
    W_t, b_t, x_t = tensor(layer.W.value, True), tensor(layer.b.value, True), tensor(x, True)
    y_t = F.linear(x_t, W_t.T, b_t)
    y_t.backward(tensor(upstream))
    close(layer(x), y_t, "forward")
    close(layer.backward(upstream), x_t.grad, "input gradient")
    close(layer.W.grad, W_t.grad, "W gradient")
    close(layer.b.grad, b_t.grad, "b gradient")


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_scales_kept_units_as_torch_does(p, rng):
    # torch draws its own mask, so compare conventions: torch's kept units equal x / (1 - p),
    # and with mlp's keep pattern applied the torch way, forward and backward agree.
    ones = torch.ones(200, 50, dtype=torch.float64)
    kept_t = F.dropout(ones, p=p, training=True)
    close(np.unique(kept_t[kept_t != 0].numpy()), [1 / (1 - p)], "torch's scale")
    layer = mlp.Dropout(p, rng=rng)
    x, upstream = batch(rng), rng.standard_normal((N, D))
    y = layer(x)
    keep = tensor(layer.mask != 0)
    x_t = tensor(x, True)
    y_t = x_t * keep / (1 - p)  # torch.nn.functional.dropout with this mask
    y_t.backward(tensor(upstream))
    close(y, y_t, "forward")
    close(layer.backward(upstream), x_t.grad, "input gradient")
    close(layer(x, training=False), F.dropout(tensor(x), p=p, training=False), "evaluation")


# ---------------------------------------------------------------- batch normalization


def batchnorm_pair(rng, momentum=0.1, eps=1e-5):
    layer = mlp.BatchNorm(D, momentum=momentum, eps=eps)
    layer.gamma.value[...] = rng.uniform(0.5, 2.0, D)
    layer.beta.value[...] = rng.standard_normal(D)
    reference = torch.nn.BatchNorm1d(D, momentum=momentum, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(tensor(layer.gamma.value))
        reference.bias.copy_(tensor(layer.beta.value))
    return layer, reference


def compare_batchnorm_step(layer, reference, x, upstream, training):
    reference.train(training)
    reference.zero_grad()
    x_t = tensor(x, True)
    y_t = reference(x_t)
    y_t.backward(tensor(upstream))
    layer.zero_grad()
    close(layer(x, training=training), y_t, "forward")
    close(layer.backward(upstream), x_t.grad, "input gradient")
    close(layer.gamma.grad, reference.weight.grad, "gamma gradient")
    close(layer.beta.grad, reference.bias.grad, "beta gradient")
    close(layer.running_mean, reference.running_mean, "running_mean")
    close(layer.running_var, reference.running_var, "running_var")


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm_training_and_running_statistics_match_torch_over_several_batches(momentum, rng):
    layer, reference = batchnorm_pair(rng, momentum=momentum)
    for n in (8, 3, 16):
        compare_batchnorm_step(layer, reference, batch(rng, n), rng.standard_normal((n, D)), training=True)


def test_batchnorm_evaluation_matches_torch_after_training_batches(rng):
    layer, reference = batchnorm_pair(rng, eps=1e-3)
    for _ in range(3):
        compare_batchnorm_step(layer, reference, batch(rng), rng.standard_normal((N, D)), training=True)
    compare_batchnorm_step(layer, reference, batch(rng, 5), rng.standard_normal((5, D)), training=False)


# ---------------------------------------------------------------- losses


def loss_cases(rng):
    z = 3 * rng.standard_normal((N, 4))
    labels = rng.integers(0, 4, N)
    soft = rng.uniform(0, 1, (N, 4))
    probabilities = rng.uniform(0.05, 0.95, (N, 4))
    wild = np.concatenate([z, [[50.0, -50.0, 800.0, -800.0]]])  # saturating logits
    return {
        "MSELoss": (mlp.MSELoss(), z, rng.standard_normal((N, 4)), F.mse_loss),
        "BCELoss": (mlp.BCELoss(), probabilities, soft, F.binary_cross_entropy),
        "BCEWithLogitsLoss": (
            mlp.BCEWithLogitsLoss(),
            wild,
            np.concatenate([soft, [[0.0, 1.0, 0.0, 1.0]]]),
            F.binary_cross_entropy_with_logits,
        ),
        "CrossEntropyLoss-labels": (mlp.CrossEntropyLoss(), wild, np.append(labels, 2), F.cross_entropy),
        "CrossEntropyLoss-one_hot": (
            mlp.CrossEntropyLoss(),
            z,
            mlp.data.one_hot(labels, 4),
            F.cross_entropy,
        ),
    }


@pytest.mark.parametrize(
    "name",
    ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss-labels", "CrossEntropyLoss-one_hot"],
)
def test_loss_value_and_gradient_match_torch(name, rng):
    loss, y_pred, y_true, torch_loss = loss_cases(rng)[name]
    y_pred_t = tensor(y_pred, True)
    target = torch.tensor(y_true) if y_true.dtype.kind == "i" else tensor(y_true)
    value_t = torch_loss(y_pred_t, target)
    value_t.backward()
    close(loss(y_pred, y_true), value_t, "value")
    close(loss.backward(), y_pred_t.grad, "gradient")


# ---------------------------------------------------------------- optimizers

OPTIMIZERS = {
    "SGD": (lambda ps: mlp.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "SGD-weight_decay": (
        lambda ps: mlp.SGD(ps, lr=0.1, weight_decay=0.05),
        lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.05),
    ),
    "SGD-momentum": (
        lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05),
    ),
    "SGD-nesterov": (
        lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.05),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.05),
    ),
    "Adagrad": (
        lambda ps: mlp.Adagrad(ps, lr=0.1, weight_decay=0.05),
        lambda ps: torch.optim.Adagrad(ps, lr=0.1, weight_decay=0.05),
    ),
    "RMSprop": (
        lambda ps: mlp.RMSprop(ps, lr=0.01, alpha=0.9, weight_decay=0.05),
        lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, weight_decay=0.05),
    ),
    "Adam": (
        lambda ps: mlp.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.05),
        lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.05),
    ),
    "AdamW": (
        lambda ps: mlp.AdamW(ps, lr=0.01, weight_decay=0.3),
        lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.3),
    ),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_matches_torch_over_many_steps_with_a_changing_learning_rate(name, rng):
    make_mine, make_theirs = OPTIMIZERS[name]
    start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    mine = [mlp.Parameter(v) for v in start]
    theirs = [tensor(v, True) for v in start]
    optimizer, reference = make_mine(mine), make_theirs(theirs)
    base_lr = optimizer.lr
    for t in range(STEPS):
        lr = base_lr * (1.0 + 0.5 * np.sin(t)) * 0.97**t  # changes at every step
        optimizer.lr = lr
        for group in reference.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        reference.zero_grad()
        for p, q in zip(mine, theirs):
            g = rng.standard_normal(p.shape) + 0.5 * p.value  # depends on theta, like a real loss
            p.grad += g
            q.grad = tensor(g)
        optimizer.step()
        reference.step()
        for i, (p, q) in enumerate(zip(mine, theirs)):
            close(p.value, q, f"parameter {i} after step {t + 1}")


# ---------------------------------------------------------------- gradient clipping


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm, rng):
    grads = [3 * rng.standard_normal((3, 4)), rng.standard_normal(4)]
    mine = [mlp.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [tensor(np.zeros_like(g), True) for g in grads]
    for p, q, g in zip(mine, theirs, grads):
        p.grad += g
        q.grad = tensor(g)
    norm = mlp.clip_grad_norm(mine, max_norm)
    close(norm, torch.nn.utils.clip_grad_norm_(theirs, max_norm), "norm before clipping")
    for p, q in zip(mine, theirs):
        close(p.grad, q.grad, "clipped gradient")


# ---------------------------------------------------------------- a whole model


def test_model_gradients_match_torch(rng):
    model = mlp.Sequential(mlp.Dense(D, 6, rng=rng), mlp.BatchNorm(6), mlp.ELU(0.5), mlp.Dense(6, 3, rng=rng))
    x, labels = batch(rng, 12), rng.integers(0, 3, 12)
    W1, b1, gamma, beta, W2, b2 = (tensor(p.value, True) for p in model.parameters())
    h = F.linear(tensor(x), W1.T, b1)
    h = F.batch_norm(h, None, None, gamma, beta, training=True, eps=1e-5)
    loss_t = F.cross_entropy(F.linear(F.elu(h, 0.5), W2.T, b2), torch.tensor(labels))
    loss_t.backward()
    loss = mlp.CrossEntropyLoss()
    close(loss(model(x), labels), loss_t, "loss")
    model.backward(loss.backward())
    for p, q in zip(model.parameters(), (W1, b1, gamma, beta, W2, b2)):
        close(p.grad, q.grad, p.name)
