"""Optimizers: hand-computed steps, convergence on a 2-D quadratic, and the contract.

The reference updates below are written out from the pseudocode of the PyTorch
``torch.optim`` documentation (SGD, Adagrad, RMSprop, Adam with their default
dampening 0, lr_decay 0, initial accumulator 0, no amsgrad), coordinate by
coordinate in plain Python floats, so they share no code with ``mlp``.
"""

import math

import numpy as np
import pytest

import mlp

THETA_0 = [1.0, -2.0, 0.5]
GRADIENTS = [  # a fixed gradient sequence, one row per step (independent of theta)
    [0.5, -1.0, 3.0],
    [-0.3, 2.0, 1.0],
    [0.1, 0.4, -2.5],
    [0.7, -0.2, 0.0],
]


def run_mlp(make_optimizer, gradients=GRADIENTS, theta_0=THETA_0):
    """Iterates theta_1..theta_T of an mlp optimizer fed the given gradients."""
    p = mlp.Parameter(np.array(theta_0))
    opt = make_optimizer([p])
    iterates = []
    for g in gradients:
        opt.zero_grad()
        p.grad += np.array(g)
        opt.step()
        iterates.append(p.value.copy())
    return np.array(iterates)


def run_reference(update, gradients=GRADIENTS, theta_0=THETA_0):
    """Iterates of a scalar rule ``update(theta, g, state, t) -> theta`` applied per coordinate."""
    iterates = []
    thetas = list(theta_0)
    states = [{} for _ in thetas]
    for t, g in enumerate(gradients, start=1):
        thetas = [update(theta, g_i, state, t) for theta, g_i, state in zip(thetas, g, states)]
        iterates.append(thetas)
    return np.array(iterates)


# ---------------------------------------------------------------- torch.optim pseudocode


def torch_sgd(lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    def update(theta, g, state, t):
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            if t > 1:
                state["b"] = momentum * state["b"] + g  # (1 - dampening) * g with dampening 0
            else:
                state["b"] = g
            g = g + momentum * state["b"] if nesterov else state["b"]
        return theta - lr * g

    return update


def torch_adagrad(lr, eps):
    def update(theta, g, state, t):
        state["sum"] = state.get("sum", 0.0) + g * g
        return theta - lr * g / (math.sqrt(state["sum"]) + eps)

    return update


def torch_rmsprop(lr, alpha, eps):
    def update(theta, g, state, t):
        state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g * g
        return theta - lr * g / (math.sqrt(state["v"]) + eps)

    return update


def torch_adam(lr, beta1, beta2, eps):
    def update(theta, g, state, t):
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        return theta - lr * m_hat / (math.sqrt(v_hat) + eps)

    return update


HAND_COMPUTED = {
    "sgd": (lambda ps: mlp.SGD(ps, lr=0.1), torch_sgd(lr=0.1)),
    "sgd_momentum": (lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9), torch_sgd(lr=0.1, momentum=0.9)),
    "sgd_nesterov": (
        lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        torch_sgd(lr=0.1, momentum=0.9, nesterov=True),
    ),
    "sgd_weight_decay": (
        lambda ps: mlp.SGD(ps, lr=0.1, weight_decay=0.5),
        torch_sgd(lr=0.1, weight_decay=0.5),
    ),
    "sgd_momentum_weight_decay": (
        lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.8, weight_decay=0.5),
        torch_sgd(lr=0.1, momentum=0.8, weight_decay=0.5),
    ),
    "adagrad": (lambda ps: mlp.Adagrad(ps, lr=0.1), torch_adagrad(lr=0.1, eps=1e-10)),
    "rmsprop": (lambda ps: mlp.RMSprop(ps, lr=0.01), torch_rmsprop(lr=0.01, alpha=0.99, eps=1e-8)),
    "adam": (lambda ps: mlp.Adam(ps, lr=0.001), torch_adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)),
    "adam_custom_betas": (
        lambda ps: mlp.Adam(ps, lr=0.05, betas=(0.5, 0.9), eps=1e-6),
        torch_adam(lr=0.05, beta1=0.5, beta2=0.9, eps=1e-6),
    ),
}


@pytest.mark.parametrize("name", HAND_COMPUTED)
def test_optimizer_matches_torch_pseudocode_for_four_steps(name):
    make_optimizer, reference = HAND_COMPUTED[name]
    np.testing.assert_allclose(run_mlp(make_optimizer), run_reference(reference), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- literal hand-worked numbers


def test_sgd_plain_steps_by_minus_lr_times_gradient():
    # theta_1 = [1, -2, .5] - 0.1 * [.5, -1, 3] ; theta_2 = theta_1 - 0.1 * [-.3, 2, 1] ; ...
    expected = [[0.95, -1.9, 0.2], [0.98, -2.1, 0.1], [0.97, -2.14, 0.35]]
    np.testing.assert_allclose(run_mlp(lambda ps: mlp.SGD(ps, lr=0.1))[:3], expected, rtol=1e-12)


def test_sgd_momentum_accumulates_velocity_for_constant_gradient():
    # g = 1 always, lr 0.1, mu 0.9: v = 1, 1.9, 2.71 ; theta = 1 - 0.1 * (1 + 1.9 + ...)
    iterates = run_mlp(lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9), [[1.0]] * 3, [1.0])
    np.testing.assert_allclose(iterates[:, 0], [0.9, 0.71, 0.439], rtol=1e-12)


def test_sgd_nesterov_looks_ahead_for_constant_gradient():
    # v = 1, 1.9, 2.71 ; steps use g + mu * v = 1.9, 2.71, 3.439
    iterates = run_mlp(lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), [[1.0]] * 3, [1.0])
    np.testing.assert_allclose(iterates[:, 0], [0.81, 0.539, 0.1951], rtol=1e-12)


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    # zero loss gradient: theta <- theta - lr * lambda * theta = 0.9 * theta
    iterates = run_mlp(lambda ps: mlp.SGD(ps, lr=0.2, weight_decay=0.5), [[0.0]] * 3, [2.0])
    np.testing.assert_allclose(iterates[:, 0], [1.8, 1.62, 1.458], rtol=1e-12)


def test_adagrad_first_step_is_lr_times_sign_and_then_shrinks():
    # G_1 = g^2 so step 1 is lr * g / |g| ; with g = 1 constant, step t is lr / sqrt(t)
    first = run_mlp(lambda ps: mlp.Adagrad(ps, lr=0.1), [[1e-3, -50.0, 3.0]], [0.0, 0.0, 0.0])[0]
    np.testing.assert_allclose(first, [-0.1, 0.1, -0.1], rtol=1e-6)
    iterates = run_mlp(lambda ps: mlp.Adagrad(ps, lr=0.1), [[1.0]] * 3, [0.0])[:, 0]
    steps = -np.diff(iterates, prepend=0.0)
    np.testing.assert_allclose(steps, 0.1 / np.sqrt([1.0, 2.0, 3.0]), rtol=1e-9)


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_alpha():
    # s_1 = (1 - alpha) g^2, so step 1 is lr * sign(g) / sqrt(0.01) = 10 * lr * sign(g)
    first = run_mlp(lambda ps: mlp.RMSprop(ps, lr=0.01), [[1e-2, -50.0, 3.0]], [0.0, 0.0, 0.0])[0]
    np.testing.assert_allclose(first, [-0.1, 0.1, -0.1], rtol=1e-4)


def test_adam_first_step_moves_each_coordinate_by_lr_whatever_the_gradient_scale():
    # bias correction: m_hat_1 = g and s_hat_1 = g^2, so the step is lr * sign(g).
    # Without it the step would be lr * 0.1 / sqrt(0.001) ~ 3.16 * lr.
    g = [1e-3, -50.0, 3.0]
    first = run_mlp(lambda ps: mlp.Adam(ps, lr=0.01), [g], [0.0, 0.0, 0.0])[0]
    np.testing.assert_allclose(first, -0.01 * np.sign(g), rtol=1e-4)


def test_adam_constant_gradient_moves_by_lr_every_step():
    # with g constant, m_hat_t = g and s_hat_t = g^2 exactly for every t
    iterates = run_mlp(lambda ps: mlp.Adam(ps, lr=0.01), [[4.0, -0.5]] * 3, [0.0, 0.0])
    np.testing.assert_allclose(iterates, [[-0.01, 0.01], [-0.02, 0.02], [-0.03, 0.03]], rtol=1e-6)


# ---------------------------------------------------------------- convergence

CURVATURES = np.array([1.0, 25.0])  # f(x, y) = 0.5 * (x^2 + 25 y^2): condition number 25


def minimize_quadratic(opt_factory, steps):
    p = mlp.Parameter(np.array([-4.0, 1.0]))
    opt = opt_factory([p])
    for _ in range(steps):
        opt.zero_grad()
        p.grad += CURVATURES * p.value  # grad f
        opt.step()
    return p.value


CONVERGING = {
    "sgd": lambda ps: mlp.SGD(ps, lr=0.07),
    "sgd_momentum": lambda ps: mlp.SGD(ps, lr=0.02, momentum=0.9),
    "sgd_nesterov": lambda ps: mlp.SGD(ps, lr=0.02, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda ps: mlp.SGD(ps, lr=0.07, weight_decay=0.01),
    "adagrad": lambda ps: mlp.Adagrad(ps, lr=1.0),
    "rmsprop": lambda ps: mlp.RMSprop(ps, lr=0.02),
    "adam": lambda ps: mlp.Adam(ps, lr=0.1),
}


@pytest.mark.parametrize("name", CONVERGING)
def test_optimizer_reaches_minimum_of_ill_conditioned_quadratic(name):
    theta = minimize_quadratic(CONVERGING[name], steps=500)
    assert np.linalg.norm(theta) < 1e-3, theta


def test_sgd_diverges_on_quadratic_when_lr_exceeds_two_over_curvature():
    # the stability limit 2 / 25 = 0.08 on the steep axis: a sanity check of the setup above
    theta = minimize_quadratic(lambda ps: mlp.SGD(ps, lr=0.09), steps=100)
    assert abs(theta[1]) > 1.0


# ---------------------------------------------------------------- contract

ALL_OPTIMIZERS = {
    "sgd": lambda ps: mlp.SGD(ps, lr=0.1),
    "sgd_momentum": lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9),
    "sgd_nesterov": lambda ps: mlp.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda ps: mlp.SGD(ps, lr=0.1, weight_decay=0.1),
    "adagrad": lambda ps: mlp.Adagrad(ps),
    "rmsprop": lambda ps: mlp.RMSprop(ps),
    "adam": lambda ps: mlp.Adam(ps),
}


def two_parameters():
    return [mlp.Parameter(np.ones((2, 3)), name="W"), mlp.Parameter(np.ones(3), name="b")]


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_zero_grad_clears_every_gradient(name):
    params = two_parameters()
    opt = ALL_OPTIMIZERS[name](params)
    for p in params:
        p.grad += 7.0
    opt.zero_grad()
    for p in params:
        assert np.array_equal(p.grad, np.zeros_like(p.value))


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_step_updates_parameter_values_in_place(name):
    params = two_parameters()
    opt = ALL_OPTIMIZERS[name](params)
    arrays = [p.value for p in params]
    for p in params:
        p.grad += 0.5
    opt.step()
    for p, array in zip(params, arrays):
        assert p.value is array
        assert not np.array_equal(array, np.ones_like(array))


def test_step_is_seen_by_the_layer_that_owns_the_parameter():
    layer = mlp.Dense(2, 1, rng=np.random.default_rng(0))
    x = np.ones((1, 2))
    before = layer.forward(x)
    layer.backward(np.ones((1, 1)))  # dL/dW = x.T = [[1], [1]], dL/db = [1]
    mlp.SGD(layer.parameters(), lr=0.1).step()
    # every one of the three weights the output sums over moved down by 0.1
    np.testing.assert_allclose(layer.forward(x), before - 0.3, rtol=1e-12)


def test_two_momentum_conventions_give_the_same_iterates_for_constant_lr():
    # PyTorch: v <- mu v + g ; theta <- theta - lr v        (mlp.SGD)
    # classic: u <- mu u - lr g ; theta <- theta + u        (u = -lr v)
    lr, mu = 0.02, 0.9
    p = mlp.Parameter(np.array([-4.0, 1.0]))
    opt = mlp.SGD([p], lr=lr, momentum=mu)
    theta, u = np.array([-4.0, 1.0]), np.zeros(2)
    for _ in range(50):
        opt.zero_grad()
        p.grad += CURVATURES * p.value
        opt.step()
        u = mu * u - lr * (CURVATURES * theta)
        theta = theta + u
        np.testing.assert_allclose(p.value, theta, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: mlp.SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda ps: mlp.Adam(ps, lr=-1e-3), "Invalid learning rate"),
        (lambda ps: mlp.Adagrad(ps, lr=float("nan")), "Invalid learning rate"),
        (lambda ps: mlp.SGD(ps, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda ps: mlp.SGD(ps, lr=0.1, momentum=1.0), "Invalid momentum value: 1.0"),
        (lambda ps: mlp.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum > 0"),
        (lambda ps: mlp.SGD(ps, lr=0.1, weight_decay=-1e-4), "Invalid weight_decay value"),
        (lambda ps: mlp.Adam(ps, weight_decay=-1.0), "Invalid weight_decay value"),
        (lambda ps: mlp.Adagrad(ps, eps=0.0), "Invalid epsilon value: 0.0"),
        (lambda ps: mlp.RMSprop(ps, eps=-1e-8), "Invalid epsilon value"),
        (lambda ps: mlp.Adam(ps, eps=0.0), "Invalid epsilon value"),
        (lambda ps: mlp.RMSprop(ps, alpha=1.0), "Invalid alpha value: 1.0"),
        (lambda ps: mlp.RMSprop(ps, alpha=-0.1), "Invalid alpha value"),
        (lambda ps: mlp.Adam(ps, betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
        (lambda ps: mlp.Adam(ps, betas=(-0.1, 0.999)), "Invalid beta parameter at index 0"),
        (lambda ps: mlp.Adam(ps, betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
        (lambda ps: mlp.Adam(ps, betas=(0.9, -0.5)), "Invalid beta parameter at index 1"),
    ],
)
def test_invalid_hyperparameter_raises_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make(two_parameters())


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_optimizer_rejects_an_empty_parameter_list(name):
    with pytest.raises(ValueError, match="empty parameter list"):
        ALL_OPTIMIZERS[name]([])
