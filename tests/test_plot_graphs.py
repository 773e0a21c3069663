"""mlp.plot.network_diagram and mlp.plot.computation_graph: pictures of the computation."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Circle

import mlp


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def gids(ax, prefix):
    artists = [*ax.patches, *ax.lines, *ax.texts]
    return sorted(a.get_gid() for a in artists if (a.get_gid() or "").startswith(prefix))


def png_bytes(draw) -> bytes:
    fig, ax = plt.subplots(figsize=(5, 3))
    draw(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    plt.close(fig)
    return buffer.getvalue()


def one_step_of_3_4_1():
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))]
    x = np.array([1.0, 0.0, 1.0])
    h = np.maximum(x @ W[0], 0)
    out = h @ W[1]
    return W, [x, h, out], [None, rng.normal(size=4), out - 1.0]


BN_NODES = {
    "x": "x",
    "mu": "μ (7.1)",
    "xc": "x − μ",
    "var": "σ² (7.2)",
    "xhat": "x̂ (7.3)",
    "g": "γ",
    "b": "β",
    "y": "y (7.4)",
}
BN_EDGES = [
    ("x", "mu"),
    ("x", "xc"),
    ("mu", "xc"),
    ("xc", "var"),
    ("xc", "xhat"),
    ("var", "xhat"),
    ("xhat", "y"),
    ("g", "y"),
    ("b", "y"),
]


# -- network_diagram ----------------------------------------------------------------------------


def test_network_diagram_draws_one_circle_per_unit_and_one_line_per_weight():
    _, ax = plt.subplots()
    W, values, deltas = one_step_of_3_4_1()
    returned = mlp.plot.network_diagram((3, 4, 1), values=values, deltas=deltas, weights=W, ax=ax)
    assert returned is ax
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 8
    assert len(gids(ax, "unit:")) == 8
    assert len(gids(ax, "weight:")) == 3 * 4 + 4 * 1
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("δ=") for t in texts) == 5  # 4 hidden and 1 output delta
    assert f"{np.round(values[1][0], 2) + 0.0:.2f}" in texts
    assert {"input", "hidden", "output"} <= set(texts)


def test_network_diagram_line_width_grows_with_the_weight_and_colour_shows_its_sign():
    _, ax = plt.subplots()
    W = [np.array([[0.1, -2.0]]), np.array([[1.0], [0.5]])]
    mlp.plot.network_diagram((1, 2, 1), weights=W, ax=ax)
    lines = {line.get_gid(): line for line in ax.lines}
    assert lines["weight:0:0:1"].get_linewidth() > lines["weight:0:0:0"].get_linewidth()
    assert lines["weight:0:0:1"].get_color() != lines["weight:0:0:0"].get_color()


def test_network_diagram_prints_no_signed_zero():
    _, ax = plt.subplots()
    mlp.plot.network_diagram((2, 1), values=[[-0.0001, 0.5], None], ax=ax)
    assert "0.00" in [t.get_text() for t in ax.texts]
    assert not any(t.get_text() == "-0.00" for t in ax.texts)


def test_network_diagram_draws_on_the_current_axes_without_ax():
    _, ax = plt.subplots()
    assert mlp.plot.network_diagram((2, 2)) is ax


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(layer_sizes=(3, 0, 1)), r"network_diagram: layer_sizes must be positive integers"),
        (dict(layer_sizes=(3, 4.5, 1)), r"network_diagram: layer_sizes must be positive integers"),
        (
            dict(layer_sizes=(3, 4, 1), values=[None, None]),
            r"network_diagram: values must have one entry per layer \(3\), got 2",
        ),
        (
            dict(layer_sizes=(3, 4, 1), deltas=[None, np.zeros(3), None]),
            r"network_diagram: deltas\[1\] must hold 4 numbers",
        ),
        (
            dict(layer_sizes=(3, 4, 1), weights=[np.zeros((4, 3)), np.zeros((4, 1))]),
            r"network_diagram: weights\[0\] must have shape \(3, 4\), got \(4, 3\)",
        ),
        (dict(layer_sizes=(3, 4, 1), weights=[np.zeros((3, 4))]), r"network_diagram: weights must have one"),
        (
            dict(layer_sizes=(3, 1), layer_labels=["in"]),
            r"network_diagram: layer_labels must have one entry per layer",
        ),
    ],
)
def test_network_diagram_rejects_bad_input_naming_itself(kwargs, message):
    _, ax = plt.subplots()
    sizes = kwargs.pop("layer_sizes")
    with pytest.raises(ValueError, match=message):
        mlp.plot.network_diagram(sizes, ax=ax, **kwargs)


def test_network_diagram_is_deterministic():
    W, values, deltas = one_step_of_3_4_1()

    def draw(ax):
        mlp.plot.network_diagram((3, 4, 1), values=values, deltas=deltas, weights=W, ax=ax)

    assert png_bytes(draw) == png_bytes(draw)


# -- computation_graph --------------------------------------------------------------------------


def test_computation_graph_draws_one_box_per_node_and_one_arrow_per_edge():
    _, ax = plt.subplots()
    returned = mlp.plot.computation_graph(BN_NODES, BN_EDGES, ax=ax)
    assert returned is ax
    assert gids(ax, "node:") == sorted(f"node:{n}" for n in BN_NODES)
    assert gids(ax, "edge:") == sorted(f"edge:{a}->{b}" for a, b in BN_EDGES)
    labels = {t.get_gid(): t.get_text() for t in ax.texts}
    assert labels["node:mu"] == "μ (7.1)"
    assert all(t.get_bbox_patch() is not None for t in ax.texts if t.get_gid().startswith("node:"))


def test_computation_graph_prints_values_and_gradients_under_the_labels():
    _, ax = plt.subplots()
    mlp.plot.computation_graph(
        ["a", "b", "c"],
        [("a", "c"), ("b", "c")],
        values={"a": 2.0, "c": -0.0001},
        grads={"a": 0.12345},
        ax=ax,
    )
    labels = {t.get_gid(): t.get_text() for t in ax.texts}
    assert labels["node:a"] == "a\n= 2.000\ngrad 0.123"
    assert labels["node:b"] == "b"
    assert labels["node:c"] == "c\n= 0.000"


def test_computation_graph_layout_puts_each_node_after_its_inputs():
    _, ax = plt.subplots()
    mlp.plot.computation_graph(BN_NODES, BN_EDGES, ax=ax)
    x = {t.get_gid()[5:]: t.get_position()[0] for t in ax.texts if t.get_gid().startswith("node:")}
    assert all(x[a] < x[b] for a, b in BN_EDGES)


def test_computation_graph_uses_given_positions_and_any_hashable_ids():
    _, ax = plt.subplots()
    mlp.plot.computation_graph({1: "u", 2: "v"}, [(1, 2)], positions={1: (0.0, 0.0), 2: (3.0, 1.0)}, ax=ax)
    boxes = {t.get_gid(): t.get_position() for t in ax.texts if t.get_gid().startswith("node:")}
    assert boxes == {"node:1": (0.0, 0.0), "node:2": (3.0, 1.0)}


@pytest.mark.parametrize(
    "nodes, edges, kwargs, message",
    [
        (["a", "b"], [("a", "c")], {}, r"computation_graph: edge \('a', 'c'\) refers to unknown node 'c'"),
        (["a", "b"], [("a", "b"), ("b", "a")], {}, r"computation_graph: the edges contain a cycle"),
        (["a", "b"], [("a", "b", "c")], {}, r"computation_graph: each edge must be a pair"),
        (["a", "a"], [], {}, r"computation_graph: node ids must be unique"),
        ([], [], {}, r"computation_graph: nodes is empty"),
        (
            ["a", "b"],
            [],
            {"values": {"z": 1.0}},
            r"computation_graph: values has an entry for unknown node 'z'",
        ),
        (
            ["a", "b"],
            [],
            {"positions": {"a": (0, 0)}},
            r"computation_graph: positions has no entry for node\(s\) \['b'\]",
        ),
    ],
)
def test_computation_graph_rejects_bad_input_naming_itself(nodes, edges, kwargs, message):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        mlp.plot.computation_graph(nodes, edges, ax=ax, **kwargs)


def test_computation_graph_is_deterministic():
    def draw(ax):
        mlp.plot.computation_graph(BN_NODES, BN_EDGES, values={"x": 1.5}, grads={"x": 0.25}, ax=ax)

    assert png_bytes(draw) == png_bytes(draw)
