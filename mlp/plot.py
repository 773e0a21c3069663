"""Plots used across the chapters. Each takes an optional ``ax`` and returns it;
none calls ``plt.show()`` or changes global matplotlib settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .train import _predicted_classes, predict


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def decision_boundary(
    model,
    X: np.ndarray,
    y: np.ndarray,
    *,
    ax=None,
    resolution: int = 200,
    padding: float = 0.5,
    cmap: str = "coolwarm",
):
    """Shade the plane by the class ``model`` predicts and scatter the 2-D points ``X``
    coloured by their labels ``y`` (int labels, one-hot rows or 0/1 targets)."""
    ax = _axes(ax)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2), got {X.shape}")
    y = np.asarray(y)
    labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - padding, X.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, resolution), np.linspace(x1_min, x1_max, resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])  # (resolution**2, 2)
    classes = _predicted_classes(predict(model, grid)).reshape(g0.shape)
    n_classes = int(max(classes.max(), labels.max())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(g0, g1, classes, levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=labels,
        cmap=cmap,
        vmin=0,
        vmax=n_classes - 1,
        s=14,
        edgecolors="k",
        linewidths=0.4,
    )
    ax.set_xlim(x0_min, x0_max)
    ax.set_ylim(x1_min, x1_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def history(hist, metric: str = "loss", *, ax=None, label: str | None = None):
    """Plot ``hist.<metric>`` and, if recorded, ``hist.val_<metric>`` against the epoch."""
    ax = _axes(ax)
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"history: metric must be 'loss' or 'accuracy', got {metric!r}")
    prefix = f"{label} " if label else ""
    train = getattr(hist, metric)
    validation = getattr(hist, f"val_{metric}")
    epochs = np.arange(1, len(train) + 1)
    (line,) = ax.plot(epochs, train, label=f"{prefix}training")
    if validation:
        ax.plot(epochs, validation, linestyle="--", color=line.get_color(), label=f"{prefix}validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()
    return ax


def optimizer_paths(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, np.ndarray],
    *,
    ax=None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int | np.ndarray = 30,
    log_levels: bool = False,
):
    """Contours of ``f(x, y)`` with each optimizer's path (an array of shape (T, 2)) on top.

    ``f`` must accept coordinate arrays (it is evaluated on a grid). The limits
    default to the paths' extent plus a margin; ``log_levels`` spaces the contour
    levels logarithmically, which suits valleys such as Rosenbrock's.
    """
    ax = _axes(ax)
    points = np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in paths.values()])
    if xlim is None or ylim is None:
        low, high = points.min(axis=0), points.max(axis=0)
        margin = 0.15 * np.maximum(high - low, 1e-3)
        xlim = xlim or (low[0] - margin[0], high[0] + margin[0])
        ylim = ylim or (low[1] - margin[1], high[1] + margin[1])
    gx, gy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    fz = np.asarray(f(gx, gy), dtype=np.float64)
    if log_levels and np.ndim(levels) == 0:
        low = max(fz.min(), 1e-12 * max(fz.max(), 1e-12))
        levels = np.geomspace(low, fz.max(), int(levels))
    ax.contour(gx, gy, fz, levels=levels, colors="0.6", linewidths=0.6)  # one mid grey: every level visible
    for name, path in paths.items():
        path = np.asarray(path).reshape(-1, 2)
        ax.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1.2, label=name)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend()
    return ax


# -- pictures of the computation ------------------------------------------------------------------


def _rounded(x, digits: int) -> str:
    """``x`` printed with ``digits`` decimals and never as ``-0.00``."""
    return f"{np.round(float(x), digits) + 0.0:.{digits}f}"


def _per_layer(name: str, what: str, given, layer_sizes) -> list:
    """Check ``given`` is one entry (None or ``n`` numbers) per layer; return the flat arrays."""
    if given is None:
        return [None] * len(layer_sizes)
    if len(given) != len(layer_sizes):
        raise ValueError(
            f"{name}: {what} must have one entry per layer ({len(layer_sizes)}), got {len(given)}"
        )
    arrays = []
    for layer, (entry, size) in enumerate(zip(given, layer_sizes)):
        if entry is None:
            arrays.append(None)
            continue
        entry = np.asarray(entry, dtype=np.float64)
        if entry.size != size or (entry.ndim > 1 and max(entry.shape) != entry.size):
            raise ValueError(
                f"{name}: {what}[{layer}] must hold {size} numbers (one per unit), got shape {entry.shape}"
            )
        arrays.append(entry.reshape(size))
    return arrays


def network_diagram(
    layer_sizes,
    *,
    values=None,
    deltas=None,
    weights=None,
    ax=None,
    layer_labels=None,
    digits: int = 2,
    fontsize: float = 8,
):
    """Draw a layered network (e.g. 3-4-1) as circles joined by lines, left to right.

    ``layer_sizes``: units per layer, input first, e.g. ``(3, 4, 1)``.
    ``values``: one entry per layer, each None or the layer's ``n`` forward values (for one
    example), printed inside the units. ``deltas``: the same shape, printed beside each unit
    as ``δ=...``. Numbers are rounded to ``digits`` decimals. ``weights``: one ``(n_in, n_out)``
    array per pair of consecutive layers (``Dense.W.value``); a line's width grows with
    ``|w|`` and its colour says the sign (blue positive, red negative).
    ``layer_labels``: a name under each column (default: input, hidden..., output).

    The layout is fixed (no randomness), so the same arguments give the same picture.
    Every unit is a ``Circle`` patch with gid ``"unit:<layer>:<index>"`` and every connection a
    line with gid ``"weight:<layer>:<from>:<to>"``. Returns the Axes.
    """
    name = "network_diagram"
    sizes = list(layer_sizes)
    if not sizes or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(
            f"{name}: layer_sizes must be positive integers, e.g. (3, 4, 1), got {layer_sizes!r}"
        )
    values = _per_layer(name, "values", values, sizes)
    deltas = _per_layer(name, "deltas", deltas, sizes)
    if weights is not None:
        if len(weights) != len(sizes) - 1:
            raise ValueError(
                f"{name}: weights must have one (n_in, n_out) array per pair of layers "
                f"({len(sizes) - 1}), got {len(weights)}"
            )
        weights = [np.asarray(w, dtype=np.float64) for w in weights]
        for layer, w in enumerate(weights):
            if w.shape != (sizes[layer], sizes[layer + 1]):
                raise ValueError(
                    f"{name}: weights[{layer}] must have shape "
                    f"{(sizes[layer], sizes[layer + 1])}, got {w.shape}"
                )
    if layer_labels is None:
        layer_labels = ["input"] + ["hidden"] * (len(sizes) - 2) + ["output"] if len(sizes) > 1 else ["input"]
    elif len(layer_labels) != len(sizes):
        raise ValueError(
            f"{name}: layer_labels must have one entry per layer ({len(sizes)}), got {len(layer_labels)}"
        )

    from matplotlib.patches import Circle

    ax = _axes(ax)
    radius, dx = 0.32, 2.4
    tallest = max(sizes)
    centres = [[(dx * layer, (n - 1) / 2 - i) for i in range(n)] for layer, n in enumerate(sizes)]
    largest = max((np.abs(w).max() for w in weights), default=0.0) if weights is not None else 0.0
    for layer in range(len(sizes) - 1):
        for i, (x0, y0) in enumerate(centres[layer]):
            for j, (x1, y1) in enumerate(centres[layer + 1]):
                if weights is None or largest == 0.0:
                    width, colour = 0.8, "0.55"
                else:
                    w = weights[layer][i, j]
                    width = 0.4 + 3.0 * abs(w) / largest
                    colour = "tab:blue" if w >= 0 else "tab:red"
                ax.plot(
                    [x0 + radius, x1 - radius],
                    [y0, y1],
                    color=colour,
                    linewidth=width,
                    zorder=1,
                    gid=f"weight:{layer}:{i}:{j}",
                )
    for layer, column in enumerate(centres):
        for i, (x, y) in enumerate(column):
            ax.add_patch(
                Circle(
                    (x, y),
                    radius,
                    facecolor="white",
                    edgecolor="0.2",
                    linewidth=1.2,
                    zorder=2,
                    gid=f"unit:{layer}:{i}",
                )
            )
            if values[layer] is not None:
                ax.text(
                    x,
                    y,
                    _rounded(values[layer][i], digits),
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    zorder=3,
                )
            if deltas[layer] is not None:
                ax.text(
                    x + 0.9 * radius,
                    y + 1.05 * radius,
                    f"δ={_rounded(deltas[layer][i], digits)}",
                    ha="left",
                    va="bottom",
                    fontsize=fontsize,
                    color="tab:red",
                    zorder=3,
                )
        ax.text(
            dx * layer,
            -(tallest - 1) / 2 - 0.85,
            layer_labels[layer],
            ha="center",
            va="top",
            fontsize=fontsize + 1,
        )
    ax.set_xlim(-1.0, dx * (len(sizes) - 1) + 1.6)
    ax.set_ylim(-(tallest - 1) / 2 - 1.3, (tallest - 1) / 2 + 0.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def _layered_positions(order, edges) -> dict:
    """A fixed layered layout: a node's column is the length of its longest path from an input
    (an input that feeds only later nodes moves up to just before its first consumer); inside
    a column, nodes sit in the mean row of their parents, ties broken by the order given."""
    parents = {node: [] for node in order}
    children = {node: [] for node in order}
    for source, target in edges:
        parents[target].append(source)
        children[source].append(target)
    column, visiting = {}, set()

    def depth(node):
        if node in column:
            return column[node]
        if node in visiting:
            raise ValueError(f"computation_graph: the edges contain a cycle through node {node!r}")
        visiting.add(node)
        column[node] = max((depth(p) + 1 for p in parents[node]), default=0)
        visiting.discard(node)
        return column[node]

    for node in order:
        depth(node)
    for node in order:
        if not parents[node] and children[node]:
            column[node] = min(column[c] for c in children[node]) - 1
    rank = {node: i for i, node in enumerate(order)}
    positions = {}
    for c in sorted(set(column.values())):
        members = [node for node in order if column[node] == c]

        def key(node):
            placed = [positions[p][1] for p in parents[node] if p in positions]
            return (-float(np.mean(placed)) if placed else 0.0, rank[node])

        if c > min(column.values()):
            members.sort(key=key)
        for r, node in enumerate(members):
            positions[node] = (float(c), (len(members) - 1) / 2 - r)
    return positions


def computation_graph(
    nodes,
    edges,
    *,
    positions=None,
    values=None,
    grads=None,
    ax=None,
    digits: int = 3,
    fontsize: float = 8,
    spacing: tuple[float, float] = (1.0, 1.0),
):
    """Draw a small directed acyclic graph: a box per node, an arrow per edge.

    ``nodes``: a mapping ``{id: label}`` (ids may be any hashable, labels are shown, e.g.
    ``"μ (7.1)"``), or a sequence of ids shown as their own labels. ``edges``: pairs
    ``(from_id, to_id)`` in the direction of the forward pass. ``positions``: optional
    ``{id: (x, y)}`` for every node; by default a layered layout puts each node in the column
    given by its longest path from an input, in the order the nodes were given (no randomness:
    the same arguments give the same picture), columns ``spacing[0]`` apart and rows
    ``spacing[1]`` apart. ``values`` and ``grads``: optional ``{id: number}`` printed under the
    label as the forward value and the gradient (rounded to ``digits`` decimals).

    Each node is a text with gid ``"node:<id>"`` in a rounded box; each edge an arrow with gid
    ``"edge:<from>-><to>"``. Returns the Axes.
    """
    name = "computation_graph"
    if isinstance(nodes, Mapping):
        labels = {node: str(label) for node, label in nodes.items()}
    else:
        nodes = list(nodes)
        labels = {node: str(node) for node in nodes}
        if len(labels) != len(nodes):
            raise ValueError(f"{name}: node ids must be unique, got {nodes!r}")
    if not labels:
        raise ValueError(f"{name}: nodes is empty; give at least one node")
    edges = [tuple(edge) for edge in edges]
    for edge in edges:
        if len(edge) != 2:
            raise ValueError(f"{name}: each edge must be a pair (from_id, to_id), got {edge!r}")
        for end in edge:
            if end not in labels:
                raise ValueError(f"{name}: edge {edge!r} refers to unknown node {end!r}")
    for what, given in (("values", values), ("grads", grads)):
        for node in given or {}:
            if node not in labels:
                raise ValueError(f"{name}: {what} has an entry for unknown node {node!r}")
    if positions is None:
        layered = _layered_positions(list(labels), edges)
        positions = {n: (x * spacing[0], y * spacing[1]) for n, (x, y) in layered.items()}
    else:
        missing = [node for node in labels if node not in positions]
        if missing:
            raise ValueError(f"{name}: positions has no entry for node(s) {missing!r}")
        _layered_positions(list(labels), edges)  # refuses a cycle with the same message

    ax = _axes(ax)

    def number(x):
        return _rounded(x, digits)

    boxes = {}
    for node, label in labels.items():
        lines = [label]
        if values is not None and node in values:
            lines.append(f"= {number(values[node])}")
        if grads is not None and node in grads:
            lines.append(f"grad {number(grads[node])}")
        x, y = positions[node]
        boxes[node] = ax.text(
            x,
            y,
            "\n".join(lines),
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=3,
            gid=f"node:{node}",
            linespacing=1.3,
            bbox=dict(boxstyle="round,pad=0.35", facecolor="white", edgecolor="0.25", linewidth=1.0),
        )
    for source, target in edges:
        skips = abs(positions[target][0] - positions[source][0]) > 1.01 * spacing[0]
        ax.annotate(
            # drawn after the boxes (zorder 4): a box's outline is placed when it is drawn, and
            # the arrow is clipped to the outlines at both ends
            "",
            xy=positions[target],
            xytext=positions[source],
            zorder=4,
            gid=f"edge:{source}->{target}",
            arrowprops=dict(
                arrowstyle="-|>",
                color="0.3",
                linewidth=1.0,
                shrinkA=2,
                shrinkB=2,
                patchA=boxes[source].get_bbox_patch(),
                patchB=boxes[target].get_bbox_patch(),
                # an edge that skips a column bends, so it does not run through the nodes between
                connectionstyle=f"arc3,rad={-0.25 if skips else 0.0}",
            ),
        )
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.6 * spacing[0], max(xs) + 0.6 * spacing[0])
    ax.set_ylim(min(ys) - 0.6 * spacing[1], max(ys) + 0.6 * spacing[1])
    ax.set_axis_off()
    return ax
