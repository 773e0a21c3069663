"""Optimizers: hand-computed steps, convergence on a 2-D quadratic, and the contract.

The reference updates below are written out from the pseudocode of the PyTorch
``torch.optim`` documentation (SGD, Adagrad, RMSprop, Adam with their default
dampening 0, lr_decay 0, initial accumulator 0, no amsgrad), coordinate by
coordinate in plain Python floats, so they share no code with ``mlp``.
"""

import math
import re

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


def torch_adamw(lr, beta1, beta2, eps, weight_decay):
    adam = torch_adam(lr, beta1, beta2, eps)

    def update(theta, g, state, t):
        theta = theta * (1 - lr * weight_decay)  # decoupled: the gradient stays g
        return adam(theta, g, state, t)

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
    "adamw": (
        lambda ps: mlp.AdamW(ps, lr=0.05, weight_decay=0.5),
        torch_adamw(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.5),
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
    "adamw": lambda ps: mlp.AdamW(ps),
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
        (lambda ps: mlp.SGD(ps, lr=-0.1), "SGD: invalid learning rate -0.1 (must be >= 0)"),
        (lambda ps: mlp.Adam(ps, lr=-1e-3), "Adam: invalid learning rate -0.001"),
        (lambda ps: mlp.Adagrad(ps, lr=float("nan")), "Adagrad: invalid learning rate nan"),
        (lambda ps: mlp.SGD(ps, lr=0.1, momentum=-0.5), "SGD: invalid momentum -0.5 (must be in [0, 1))"),
        (lambda ps: mlp.SGD(ps, lr=0.1, momentum=1.0), "SGD: invalid momentum 1.0"),
        (lambda ps: mlp.SGD(ps, lr=0.1, nesterov=True), "SGD: Nesterov momentum requires a momentum > 0"),
        (lambda ps: mlp.SGD(ps, lr=0.1, weight_decay=-1e-4), "SGD: invalid weight_decay -0.0001"),
        (lambda ps: mlp.Adam(ps, weight_decay=-1.0), "Adam: invalid weight_decay -1.0"),
        (lambda ps: mlp.AdamW(ps, weight_decay=-1.0), "AdamW: invalid weight_decay -1.0"),
        (lambda ps: mlp.Adagrad(ps, eps=0.0), "Adagrad: invalid eps 0.0 (must be > 0)"),
        (lambda ps: mlp.RMSprop(ps, eps=-1e-8), "RMSprop: invalid eps -1e-08"),
        (lambda ps: mlp.Adam(ps, eps=0.0), "Adam: invalid eps 0.0"),
        (lambda ps: mlp.AdamW(ps, eps=-1e-8), "AdamW: invalid eps -1e-08"),
        (lambda ps: mlp.RMSprop(ps, alpha=1.0), "RMSprop: invalid alpha 1.0"),
        (lambda ps: mlp.RMSprop(ps, alpha=-0.1), "RMSprop: invalid alpha -0.1"),
        (lambda ps: mlp.Adam(ps, betas=(1.0, 0.999)), "Adam: invalid beta1 (betas[0]) 1.0"),
        (lambda ps: mlp.Adam(ps, betas=(-0.1, 0.999)), "Adam: invalid beta1 (betas[0]) -0.1"),
        (lambda ps: mlp.Adam(ps, betas=(0.9, 1.0)), "Adam: invalid beta2 (betas[1]) 1.0"),
        (lambda ps: mlp.Adam(ps, betas=(0.9, -0.5)), "Adam: invalid beta2 (betas[1]) -0.5"),
        (lambda ps: mlp.Adam(ps, betas=(0.9, 0.99, 0.999)), "Adam: betas must be a pair (beta1, beta2)"),
        (lambda ps: mlp.AdamW(ps, betas=0.9), "AdamW: betas must be a pair (beta1, beta2), got 0.9"),
    ],
)
def test_invalid_hyperparameter_raises_value_error_naming_the_optimizer(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make(two_parameters())


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_optimizer_rejects_an_empty_parameter_list(name):
    with pytest.raises(ValueError, match="empty parameter list"):
        ALL_OPTIMIZERS[name]([])


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_optimizer_given_the_parameters_method_uncalled_says_to_call_it(name):
    model = mlp.Sequential(mlp.Dense(2, 1, rng=0))
    optimizer_name = type(ALL_OPTIMIZERS[name](model.parameters())).__name__
    with pytest.raises(TypeError, match=re.escape(f"{optimizer_name}: params is a function")) as info:
        ALL_OPTIMIZERS[name](model.parameters)
    assert "model.parameters()" in str(info.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: mlp.SGD(ps, lr="0.1"), "SGD: invalid learning rate '0.1' (must be a number >= 0)"),
        (lambda ps: mlp.Adam(ps, lr="0.1"), "Adam: invalid learning rate '0.1'"),
        (lambda ps: mlp.RMSprop(ps, lr=None), "RMSprop: invalid learning rate None"),
        (lambda ps: mlp.AdamW(ps, betas=("0.9", 0.999)), "AdamW: invalid beta1 (betas[0]) '0.9'"),
        (lambda ps: mlp.SGD(ps, lr=0.1, momentum=True), "SGD: invalid momentum True"),
        (lambda ps: mlp.SGD([*ps, np.ones(3)], lr=0.1), "SGD: params[2] is a ndarray, expected a Parameter"),
        (lambda ps: mlp.Adagrad(42), "Adagrad: params must be an iterable of Parameters, got int"),
    ],
)
def test_optimizer_argument_of_the_wrong_type_raises_type_error_naming_the_optimizer(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make(two_parameters())


# ---------------------------------------------------------------- learning rate changed between steps

LRS = [0.1, 0.5, 0.05, 0.2]  # one learning rate per step of GRADIENTS


def run_mlp_with_schedule(make_optimizer, lrs=LRS):
    """Like run_mlp, with ``optimizer.lr`` set before every step (a learning-rate schedule)."""
    p = mlp.Parameter(np.array(THETA_0))
    opt = make_optimizer([p])
    iterates = []
    for lr, g in zip(lrs, GRADIENTS):
        opt.lr = lr
        opt.zero_grad()
        p.grad += np.array(g)
        opt.step()
        iterates.append(p.value.copy())
    return np.array(iterates)


def torch_sgd_with_schedule(momentum, nesterov=False, lrs=LRS):
    """torch.optim.SGD's rule, v <- mu v + g ; theta <- theta - lr_t * v, with lr_t changing."""
    iterates, theta, v = [], np.array(THETA_0), np.zeros(3)
    for lr, g in zip(lrs, GRADIENTS):
        g = np.array(g)
        v = momentum * v + g
        theta = theta - lr * (g + momentum * v if nesterov else v)
        iterates.append(theta)
    return np.array(iterates)


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_momentum_uses_the_current_learning_rate_on_the_whole_velocity(nesterov):
    # The velocity holds gradients, not steps: changing lr rescales the next step, past
    # gradients included. A velocity with lr folded in (v <- mu v + lr g) would differ.
    got = run_mlp_with_schedule(lambda ps: mlp.SGD(ps, lr=LRS[0], momentum=0.9, nesterov=nesterov))
    np.testing.assert_allclose(got, torch_sgd_with_schedule(0.9, nesterov), rtol=1e-12, atol=1e-14)


def test_lr_inside_the_velocity_differs_once_the_learning_rate_changes():
    # What the test above rules out: v <- mu v + lr g ; theta <- theta - v.
    theta, v, folded = np.array(THETA_0), np.zeros(3), []
    for lr, g in zip(LRS, GRADIENTS):
        v = 0.9 * v + lr * np.array(g)
        theta = theta - v
        folded.append(theta)
    assert not np.allclose(folded, torch_sgd_with_schedule(0.9), rtol=1e-3)


def test_sgd_plain_uses_the_current_learning_rate():
    got = run_mlp_with_schedule(lambda ps: mlp.SGD(ps, lr=LRS[0]))
    np.testing.assert_allclose(got, torch_sgd_with_schedule(0.0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("name", "make", "reference"),
    [
        ("adagrad", lambda ps: mlp.Adagrad(ps), lambda lr: torch_adagrad(lr, 1e-10)),
        ("rmsprop", lambda ps: mlp.RMSprop(ps), lambda lr: torch_rmsprop(lr, 0.99, 1e-8)),
        ("adam", lambda ps: mlp.Adam(ps), lambda lr: torch_adam(lr, 0.9, 0.999, 1e-8)),
        (
            "adamw",
            lambda ps: mlp.AdamW(ps, weight_decay=0.3),
            lambda lr: torch_adamw(lr, 0.9, 0.999, 1e-8, 0.3),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_adaptive_optimizer_uses_the_current_learning_rate(name, make, reference):
    expected, thetas, states = [], list(THETA_0), [{} for _ in THETA_0]
    for t, (lr, g) in enumerate(zip(LRS, GRADIENTS), start=1):
        thetas = [reference(lr)(th, g_i, st, t) for th, g_i, st in zip(thetas, g, states)]
        expected.append(thetas)
    np.testing.assert_allclose(run_mlp_with_schedule(make), expected, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- AdamW


def test_adamw_with_zero_gradient_shrinks_theta_by_one_minus_lr_times_decay_each_step():
    p = mlp.Parameter(np.array([1.0, -3.0]))
    opt = mlp.AdamW([p], lr=0.01, weight_decay=0.1)
    for _ in range(100):
        opt.step()  # gradient stays zero: m = s = 0, the Adam step is 0
    np.testing.assert_allclose(p.value, np.array([1.0, -3.0]) * (1 - 0.01 * 0.1) ** 100, rtol=1e-12)


def test_adamw_decay_is_not_divided_by_the_gradient_scale_unlike_adam_l2():
    # Adam's L2 term goes through m / sqrt(s): a big gradient hides it. AdamW's does not.
    def final(make):
        p = mlp.Parameter(np.array([1.0]))
        opt = make([p])
        for k in range(200):
            p.grad[...] = 10.0 * (-1) ** k
            opt.step()
        return p.value[0]

    adamw = final(lambda ps: mlp.AdamW(ps, lr=0.01, weight_decay=0.1))
    adam_l2 = final(lambda ps: mlp.Adam(ps, lr=0.01, weight_decay=0.1))
    assert abs(adamw - (1 - 0.001) ** 200) < 0.02
    assert adam_l2 > adamw + 0.1  # Adam + L2 barely decays: 0.96 here


def test_adamw_default_hyperparameters_are_torchs():
    opt = mlp.AdamW(two_parameters())
    assert (opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay) == (0.001, 0.9, 0.999, 1e-8, 0.01)


# ---------------------------------------------------------------- clip_grad_norm


def test_clip_grad_norm_returns_the_norm_before_clipping_and_rescales_to_max_norm():
    a, b = mlp.Parameter(np.zeros(2)), mlp.Parameter(np.zeros((1, 1)))
    a.grad[...] = [3.0, 0.0]
    b.grad[...] = 4.0  # global norm sqrt(9 + 16) = 5
    assert mlp.clip_grad_norm([a, b], max_norm=1.0) == 5.0
    scale = 1.0 / (5.0 + 1e-6)  # torch's guard against division by zero
    np.testing.assert_allclose(a.grad, [3.0 * scale, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [[4.0 * scale]], rtol=1e-15)


def test_clip_grad_norm_keeps_the_direction_of_the_whole_gradient(rng):
    params = [mlp.Parameter(rng.standard_normal((3, 4))), mlp.Parameter(rng.standard_normal(4))]
    for p in params:
        p.grad[...] = 10 * rng.standard_normal(p.shape)
    before = np.concatenate([p.grad.ravel() for p in params])
    norm = mlp.clip_grad_norm(params, max_norm=2.0)
    after = np.concatenate([p.grad.ravel() for p in params])
    assert norm == pytest.approx(np.linalg.norm(before), rel=1e-12)
    assert np.linalg.norm(after) == pytest.approx(2.0, rel=1e-6)
    np.testing.assert_allclose(after / np.linalg.norm(after), before / norm, rtol=1e-12)


def test_clip_grad_norm_leaves_a_small_gradient_unchanged():
    p = mlp.Parameter(np.zeros(3))
    p.grad[...] = [0.1, -0.2, 0.2]
    assert mlp.clip_grad_norm([p], max_norm=1.0) == pytest.approx(0.3, rel=1e-15)
    np.testing.assert_array_equal(p.grad, [0.1, -0.2, 0.2])


@pytest.mark.parametrize("max_norm", [0.0, -1.0, float("nan")])
def test_clip_grad_norm_rejects_a_non_positive_max_norm(max_norm):
    with pytest.raises(ValueError, match="clip_grad_norm: invalid max_norm"):
        mlp.clip_grad_norm(two_parameters(), max_norm)


def test_clip_grad_norm_given_the_parameters_method_uncalled_says_to_call_it():
    model = mlp.Sequential(mlp.Dense(2, 1, rng=0))
    with pytest.raises(TypeError, match=re.escape("clip_grad_norm: params is a function")):
        mlp.clip_grad_norm(model.parameters, 1.0)
