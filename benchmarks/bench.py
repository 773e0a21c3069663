"""Benchmark: `mlp` against the hand-fused numpy floor (and PyTorch) on the same training steps.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench.py                 # full run (a few minutes)
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench.py --quick         # 7 repetitions instead of 31
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench.py --repeats 15    # any number of repetitions
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench.py --steps-only    # only the per-step table

For each workload it first asserts that `mlp` and the floor (`floor.py`) give the
same parameters after 20 steps (relative 1e-10), then times them interleaved
(mlp, floor, torch, mlp, floor, torch, ...; each sample is a run of steps of
about 20 ms) and reports the median time per step with min-max, the ratio
mlp/floor (median of the per-round ratios, and the ratio of the minima), and the
peak memory of one step measured with `tracemalloc` (which sees numpy's
allocations, not PyTorch's). Unless ``--steps-only``, it also times `mlp.fit`
against a hand-written loop with the same model, the whole 5000-step full-batch
digits run, and float32 models. PyTorch (float64, one thread) is added as a
column where it is importable; it is never a dependency. The load average is
printed at the start and after the per-step table: the figures mean little on a
busy machine unless compared side by side."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np
from floor import make_digits_step, make_xor_step  # benchmarks/floor.py, beside this file

import mlp

try:  # optional: never a dependency
    import torch
except ImportError:
    torch = None


# -- workloads ------------------------------------------------------------------------


def digits_model(rng, dtype=np.float64):
    return mlp.Sequential(
        mlp.Dense(64, 32, rng=rng, bias=False, dtype=dtype),
        mlp.BatchNorm(32, dtype=dtype),
        mlp.Sigmoid(),
        mlp.Dense(32, 16, rng=rng, bias=False, dtype=dtype),
        mlp.BatchNorm(16, dtype=dtype),
        mlp.ReLU(),
        mlp.Dense(16, 10, rng=rng, dtype=dtype),
    )


def xor_model(rng, dtype=np.float64):
    return mlp.Sequential(
        mlp.Dense(2, 10, rng=rng, dtype=dtype),
        mlp.Sigmoid(),
        mlp.Dense(10, 2, rng=rng, dtype=dtype),
        mlp.Sigmoid(),
    )


class Workload:
    """An `mlp` model with its loss and optimizer, a floor step from the same start,
    and a fixed list of batches that both consume in turn."""

    def __init__(self, name, batch_size, dtype=np.float64):
        rng = np.random.default_rng(0)
        self.name = name
        if name.startswith("digits"):
            X, y, self.X_val, self.y_val = mlp.data.digits(rng=None, val_fraction=297 / 1797)
            self.model = digits_model(rng, dtype)
            self.loss = mlp.CrossEntropyLoss()
            self.optimizer = mlp.Adam(self.model.parameters(), lr=0.001)
            d = self.model
            self.floor, self.floor_params, _ = make_digits_step(
                d[0].W.value.copy(), d[3].W.value.copy(), d[6].W.value.copy(), d[6].b.value.copy()
            )
            self.mlp_params = [d[0].W, d[1].gamma, d[1].beta, d[3].W, d[4].gamma, d[4].beta, d[6].W, d[6].b]
        else:
            X, labels = mlp.data.noisy_xor(300, rng=np.random.default_rng(1))
            y = mlp.data.one_hot(labels, 2)
            self.model = xor_model(rng, dtype)
            self.loss = mlp.MSELoss()
            self.optimizer = mlp.SGD(self.model.parameters(), lr=0.5)
            d = self.model
            self.floor, self.floor_params = make_xor_step(
                d[0].W.value.copy(), d[0].b.value.copy(), d[2].W.value.copy(), d[2].b.value.copy(), lr=0.5
            )
            self.mlp_params = [d[0].W, d[0].b, d[2].W, d[2].b]
        X = X.astype(dtype)
        if y.dtype.kind == "f":  # one-hot regression targets: in the model's dtype too, or float64 leaks in
            y = y.astype(dtype)
        self.X, self.y = X, y
        batch_rng = np.random.default_rng(2)
        self.batches = (
            [
                (X[rows], y[rows])
                for _ in range(4)
                for rows in np.array_split(batch_rng.permutation(len(X)), max(1, len(X) // batch_size))
            ]
            if batch_size < len(X)
            else [(X, y)]
        )
        self.i_mlp = self.i_floor = 0

    def mlp_step(self):
        X, y = self.batches[self.i_mlp % len(self.batches)]
        self.i_mlp += 1
        self.optimizer.zero_grad()
        self.loss.forward(self.model.forward(X, training=True), y)
        self.model.backward(self.loss.backward(), input_grad=False)  # as mlp.fit does: dL/dX is unused
        self.optimizer.step()

    def floor_step(self):
        X, y = self.batches[self.i_floor % len(self.batches)]
        self.i_floor += 1
        self.floor(X, y)

    def max_relative_difference(self):
        return max(
            np.max(np.abs(p.value - q)) / max(np.max(np.abs(q)), 1e-300)
            for p, q in zip(self.mlp_params, self.floor_params)
        )


WORKLOADS = [
    ("digits, full batch 1500", "digits-full", 1500),
    ("digits, mini-batch 32", "digits-mini", 32),
    ("noisy XOR 2-10-2, mini-batch 50", "xor-mini", 50),
]


# -- measurement ----------------------------------------------------------------------


def time_steps(step, n):
    t0 = time.perf_counter_ns()
    for _ in range(n):
        step()
    return (time.perf_counter_ns() - t0) / n / 1e3  # microseconds per step


def peak_memory_kib(step):
    step()  # warm: allocate optimizer state etc.
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def load_average():
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not available on this platform
        return "unknown"


def summary(samples):
    return statistics.median(samples), min(samples), max(samples)


def fmt(stats):
    med, lo, hi = stats
    return f"{med:8.1f} us  ({lo:.1f}-{hi:.1f})"


def steps_per_sample(step):
    """Enough steps for one sample to take about 20 ms (the fastest of three trials, after a warm-up)."""
    time_steps(step, 5)
    t = min(time_steps(step, 5) for _ in range(3))
    return max(5, int(20_000 / max(t, 1.0)))


def bench_workload(label, name, batch_size, repeats):
    w = Workload(name, batch_size)
    for _ in range(20):
        w.mlp_step()
        w.floor_step()
    diff = w.max_relative_difference()
    assert diff < 1e-10, f"{label}: mlp and floor disagree after 20 steps (relative {diff:.2e})"
    steps = {"mlp": w.mlp_step, "floor": w.floor_step}
    if torch is not None:
        steps["torch"] = torch_step(name, batch_size)
    n = steps_per_sample(w.mlp_step)
    for step in steps.values():  # warm up: buffers and optimizer state of every batch shape
        time_steps(step, n)
    times = {key: [] for key in steps}
    for _ in range(repeats):  # interleaved: mlp, floor, torch, mlp, floor, torch, ...
        for key, step in steps.items():
            times[key].append(time_steps(step, n))
    row = {
        "label": label,
        "agree": diff,
        "steps_per_sample": n,
        "ratio": statistics.median(m / f for m, f in zip(times["mlp"], times["floor"])),
        "ratio_min": min(times["mlp"]) / min(times["floor"]),
        "mem_mlp": peak_memory_kib(w.mlp_step),
        "mem_floor": peak_memory_kib(w.floor_step),
    }
    for key, samples in times.items():
        row[key] = summary(samples)
    if torch is not None:
        row["torch_ratio"] = statistics.median(t / f for t, f in zip(times["torch"], times["floor"]))
    return row


def torch_step(name, batch_size):
    """The same workload in PyTorch (float64, one thread, the same initial weights as mlp's),
    for comparison only. torch.optim uses its default (per-parameter) CPU implementation."""
    torch.set_num_threads(1)
    w = Workload(name, batch_size)
    nn = torch.nn
    if name.startswith("digits"):
        model = nn.Sequential(
            nn.Linear(64, 32, bias=False),
            nn.BatchNorm1d(32),
            nn.Sigmoid(),
            nn.Linear(32, 16, bias=False),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.Linear(16, 10),
        ).double()
        dense = [(0, 0), (3, 3), (6, 6)]
        loss_fn = nn.CrossEntropyLoss()
        make_opt = lambda ps: torch.optim.Adam(ps, lr=0.001)  # noqa: E731
    else:
        model = nn.Sequential(nn.Linear(2, 10), nn.Sigmoid(), nn.Linear(10, 2), nn.Sigmoid()).double()
        dense = [(0, 0), (2, 2)]
        loss_fn = nn.MSELoss()
        make_opt = lambda ps: torch.optim.SGD(ps, lr=0.5)  # noqa: E731
    with torch.no_grad():  # start from mlp's weights (torch stores W transposed)
        for i, j in dense:
            model[i].weight.copy_(torch.from_numpy(w.model[j].W.value.T))
            if w.model[j].b is not None:
                model[i].bias.copy_(torch.from_numpy(w.model[j].b.value))
    opt = make_opt(model.parameters())
    batches = [(torch.from_numpy(X), torch.from_numpy(y)) for X, y in w.batches]
    i = 0

    def step():
        nonlocal i
        X, y = batches[i % len(batches)]
        i += 1
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()

    return step


def bench_fit_overhead(repeats):
    """mlp.fit against the same loop written by hand, same model, same batches."""
    rows = []
    for label, name, batch_size, epochs in [
        ("digits, mini-batch 32", "digits-mini", 32, 3),
        ("digits, full batch 1500", "digits-full", 1500, 200),
    ]:
        w = Workload(name, batch_size)
        X, y = w.X, w.y

        def by_hand(w=w, X=X, y=y, batch_size=batch_size, epochs=epochs):
            order_rng = np.random.default_rng(3)
            for _ in range(epochs):
                for X_batch, y_batch in mlp.data.minibatches(X, y, batch_size, order_rng):
                    w.optimizer.zero_grad()
                    w.loss.forward(w.model.forward(X_batch, training=True), y_batch)
                    w.model.backward(w.loss.backward(), input_grad=False)
                    w.optimizer.step()

        def with_fit(w=w, X=X, y=y, batch_size=batch_size, epochs=epochs):
            mlp.fit(
                w.model,
                w.loss,
                w.optimizer,
                X,
                y,
                epochs=epochs,
                batch_size=batch_size,
                rng=np.random.default_rng(3),
            )

        hand_t, fit_t = [], []
        for _ in range(repeats):
            hand_t.append(time_steps(by_hand, 1))
            fit_t.append(time_steps(with_fit, 1))
        rows.append(
            (
                label,
                epochs,
                summary(hand_t),
                summary(fit_t),
                statistics.median(f / h for f, h in zip(fit_t, hand_t)),
            )
        )
    return rows


def bench_full_training():
    """5000 full-batch Adam steps on digits (first 1500 train, last 297 validation), mlp and the floor."""
    w = Workload("digits-full", 1500)
    t0 = time.perf_counter()
    for _ in range(5000):
        w.mlp_step()
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(5000):
        w.floor_step()
    floor_seconds = time.perf_counter() - t0
    return seconds, floor_seconds, mlp.accuracy(w.model, w.X_val, w.y_val)


def bench_float32(repeats):
    rows = []
    for label, name, batch_size in WORKLOADS:
        w64, w32 = Workload(name, batch_size), Workload(name, batch_size, dtype=np.float32)
        n = steps_per_sample(w64.mlp_step)
        t64, t32 = [], []
        for _ in range(repeats):
            t64.append(time_steps(w64.mlp_step, n))
            t32.append(time_steps(w32.mlp_step, n))
        rows.append((label, summary(t64), summary(t32), statistics.median(a / b for a, b in zip(t64, t32))))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repetitions (default 31)")
    parser.add_argument(
        "--steps-only", action="store_true", help="only the per-step table (no fit, 5000-step run, float32)"
    )
    args = parser.parse_args()
    repeats = args.repeats or (7 if args.quick else 31)

    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        print("note: set OPENBLAS_NUM_THREADS=1 for the reference figures")
    config = np.show_config(mode="dicts")
    blas = config["Build Dependencies"]["blas"]
    cpu = platform.processor() or platform.platform()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {cpu}")
    print(f"python {platform.python_version()}, numpy {np.__version__}", end=", ")
    print(f"BLAS {blas['name']} {blas['version']}")
    print(f"{repeats} interleaved repetitions per workload; load average {load_average()}\n")

    print("Time per training step (median, min-max); peak memory of one step by tracemalloc:")
    rows = [bench_workload(*spec, repeats) for spec in WORKLOADS]
    for r in rows:
        print(f"  {r['label']}  ({r['steps_per_sample']} steps per sample)")
        print(f"    mlp    {fmt(r['mlp'])}   peak {r['mem_mlp']:7.1f} KiB")
        print(f"    floor  {fmt(r['floor'])}   peak {r['mem_floor']:7.1f} KiB")
        if "torch" in r:
            print(f"    torch  {fmt(r['torch'])}   torch/floor {r['torch_ratio']:.2f}")
        print(
            f"    mlp/floor {r['ratio']:.2f} (median of pairs), {r['ratio_min']:.2f} (ratio of minima)"
            f"   parameters agree after 20 steps to {r['agree']:.1e}"
        )
    if torch is None:
        print("  (PyTorch not installed: skipped the torch column)")
    print(f"load average (1, 5, 15 min): {load_average()}")
    if args.steps_only:
        return

    print("\nmlp.fit against a hand-written loop (same model and batches):")
    for label, epochs, hand, fit_stats, ratio in bench_fit_overhead(max(9, repeats // 2)):
        print(
            f"  {label}, {epochs} epochs: loop {hand[0] / 1e3:.1f} ms, fit {fit_stats[0] / 1e3:.1f} ms, "
            f"fit/loop {ratio:.3f}"
        )

    seconds, floor_seconds, val_acc = bench_full_training()
    print(
        f"\nDigits, 5000 full-batch Adam steps: mlp {seconds:.2f} s (validation accuracy {val_acc:.4f}), "
        f"floor {floor_seconds:.2f} s, ratio {seconds / floor_seconds:.2f}; load average {load_average()}"
    )

    print("\nfloat32 models (mlp):")
    for label, t64, t32, speedup in bench_float32(max(5, repeats // 3)):
        print(f"  {label}: float64 {t64[0]:.1f} us, float32 {t32[0]:.1f} us, speed-up {speedup:.2f}x")


if __name__ == "__main__":
    main()
