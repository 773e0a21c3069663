"""mlp.plot: every function draws on the ax it is given, returns it, and never shows."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mlp


@pytest.fixture(autouse=True)
def no_show_and_close_figures(monkeypatch):
    def forbidden_show(*args, **kwargs):
        raise AssertionError("mlp.plot called plt.show()")

    monkeypatch.setattr(plt, "show", forbidden_show)
    yield
    plt.close("all")


@pytest.fixture
def ax_and_bystander():
    """The axes to draw on, and an axes of another, current figure that must stay empty."""
    _, ax = plt.subplots()
    _, bystander = plt.subplots()  # the current figure: plt.gca() would land here
    return ax, bystander


def xor_model_and_data():
    X, y = mlp.data.noisy_xor(n=40, rng=0)
    rng = np.random.default_rng(0)
    model = mlp.Sequential(mlp.Dense(2, 4, rng=rng), mlp.Tanh(), mlp.Dense(4, 2, rng=rng))
    return model, X, y


def assert_only_ax_was_drawn_on(ax, bystander):
    assert ax.lines or ax.collections
    assert not bystander.lines and not bystander.collections


def test_decision_boundary_draws_regions_and_points_on_the_given_ax(ax_and_bystander):
    ax, bystander = ax_and_bystander
    model, X, y = xor_model_and_data()
    returned = mlp.plot.decision_boundary(model, X, y, ax=ax, resolution=30)
    assert returned is ax
    assert len(ax.collections) >= 2  # filled contours and the scatter of the points
    assert_only_ax_was_drawn_on(ax, bystander)


def test_decision_boundary_accepts_one_hot_and_single_output_targets(ax_and_bystander):
    ax, _ = ax_and_bystander
    X, y = mlp.data.noisy_xor(n=40, rng=0)
    rng = np.random.default_rng(0)
    single_output = mlp.Sequential(mlp.Dense(2, 1, rng=rng), mlp.Sigmoid())
    assert mlp.plot.decision_boundary(single_output, X, y.astype(float), ax=ax, resolution=20) is ax
    model, _, _ = xor_model_and_data()
    assert mlp.plot.decision_boundary(model, X, mlp.data.one_hot(y, 2), ax=ax, resolution=20) is ax


def test_decision_boundary_rejects_points_that_are_not_2d(ax_and_bystander):
    ax, _ = ax_and_bystander
    model, _, _ = xor_model_and_data()
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\), got \(5, 3\)"):
        mlp.plot.decision_boundary(model, np.zeros((5, 3)), np.zeros(5, dtype=int), ax=ax)


def fitted_history(validation):
    model, X, y = xor_model_and_data()
    return mlp.fit(
        model,
        mlp.CrossEntropyLoss(),
        mlp.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=5,
        validation=(X, y) if validation else None,
    )


@pytest.mark.parametrize("metric", ["loss", "accuracy"])
def test_history_draws_training_and_validation_curves_on_the_given_ax(ax_and_bystander, metric):
    ax, bystander = ax_and_bystander
    hist = fitted_history(validation=True)
    returned = mlp.plot.history(hist, metric, ax=ax)
    assert returned is ax
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, 6))
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), getattr(hist, f"val_{metric}"))
    assert_only_ax_was_drawn_on(ax, bystander)


def test_history_without_validation_draws_one_curve(ax_and_bystander):
    ax, _ = ax_and_bystander
    mlp.plot.history(fitted_history(validation=False), ax=ax)
    assert len(ax.lines) == 1


def test_history_rejects_unknown_metric(ax_and_bystander):
    ax, _ = ax_and_bystander
    with pytest.raises(ValueError, match="metric must be 'loss' or 'accuracy'"):
        mlp.plot.history(fitted_history(validation=False), "val_loss", ax=ax)


def quadratic(x, y):
    return 0.5 * (x**2 + 25 * y**2)


def test_optimizer_paths_draws_contours_and_one_line_per_path(ax_and_bystander):
    ax, bystander = ax_and_bystander
    paths = {
        "SGD": np.array([[-4.0, 1.0], [-3.0, 0.5], [-2.0, 0.1]]),
        "Adam": np.array([[-4.0, 1.0], [-3.9, 0.9], [-3.8, 0.8]]),
    }
    returned = mlp.plot.optimizer_paths(quadratic, paths, ax=ax)
    assert returned is ax
    assert len(ax.collections) >= 1  # the contour set
    assert [line.get_label() for line in ax.lines] == ["SGD", "Adam"]
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), paths["SGD"])
    assert_only_ax_was_drawn_on(ax, bystander)


def test_optimizer_paths_with_log_levels_and_fixed_limits(ax_and_bystander):
    ax, _ = ax_and_bystander
    path = np.array([[-1.0, 2.0], [0.5, 0.5], [1.0, 1.0]])

    def rosenbrock(x, y):
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    mlp.plot.optimizer_paths(rosenbrock, {"GD": path}, ax=ax, xlim=(-2, 2), ylim=(-1, 3), log_levels=True)
    assert ax.get_xlim() == (-2, 2)
    assert ax.get_ylim() == (-1, 3)
    assert len(ax.lines) == 1
