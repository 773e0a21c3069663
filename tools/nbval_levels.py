"""Run nbval on the chapters under several emulated CPU levels, to prove their outputs reproduce anywhere.

    python tools/nbval_levels.py           # the machine's own kernels and the baseline (make nbval)
    python tools/nbval_levels.py --all     # every level this machine can emulate, 1 and 2 BLAS threads
    python tools/nbval_levels.py chapters/05_xor_mlp.ipynb --levels avx2 --threads 2   # notebooks first

The stored outputs were made on one CPU; a reader's CPU may pick other numpy and
OpenBLAS kernels, whose last bits differ. This machine can imitate older CPUs:

- numpy skips its dispatched SIMD kernels named in NPY_DISABLE_CPU_FEATURES (only
  features this CPU has may be named, so the list is computed here);
- OpenBLAS uses the kernels of the core named in OPENBLAS_CORETYPE.

Levels (those the machine cannot emulate are skipped with a note):

    native    all kernels this CPU has (AVX-512 on a recent x86-64, NEON/ASIMD and more on arm64)
    avx2      x86-64 only: numpy up to X86_V3 (AVX2, FMA3), OpenBLAS's Haswell kernels
    baseline  numpy's baseline build (no dispatched kernels), OpenBLAS's Nehalem (x86-64) or ARMV8 kernels

Every run uses PYTHONHASHSEED=0 and the given OPENBLAS_NUM_THREADS. Two runs go at a
time; each one's pytest output is printed whole when it ends. The first run also writes
_build/nbval/timings.xml (pytest's JUnit report: the time of every cell), which the book's
execution-statistics page reads, so the book is executed once per test run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = ROOT / "_build" / "nbval" / "timings.xml"
NBVAL_OPTIONS = [
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with=tests/nbval_sanitize.cfg",
    "--nbval-cell-timeout=300",
    "-p",
    "no:cacheprovider",
    "-q",
]


def dispatched_features() -> tuple[list[str], list[str]]:
    """numpy's dispatchable SIMD features this CPU has, in numpy's order, and its baseline."""
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__

    return [f for f in __cpu_dispatch__ if __cpu_features__.get(f)], list(__cpu_baseline__)


def levels() -> dict[str, dict[str, str] | None]:
    """Each level's environment, or None where this machine cannot emulate it."""
    found, _ = dispatched_features()
    machine = platform.machine().lower()
    x86 = machine in ("x86_64", "amd64")
    above_avx2 = found[found.index("X86_V3") + 1 :] if "X86_V3" in found else []
    return {
        "native": {},
        "avx2": (
            {"NPY_DISABLE_CPU_FEATURES": " ".join(above_avx2), "OPENBLAS_CORETYPE": "Haswell"}
            if x86 and above_avx2
            else None
        ),
        "baseline": {
            "NPY_DISABLE_CPU_FEATURES": " ".join(found),
            "OPENBLAS_CORETYPE": "Nehalem" if x86 else "ARMV8",
        },
    }


def run(level: str, env_changes: dict[str, str], threads: int, notebooks: list[str], timings: bool):
    env = {**os.environ, **env_changes, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": str(threads)}
    if not env_changes.get("NPY_DISABLE_CPU_FEATURES"):
        env.pop("NPY_DISABLE_CPU_FEATURES", None)
    command = [sys.executable, "-m", "pytest", *NBVAL_OPTIONS, *notebooks]
    if timings:
        command.append(f"--junitxml={TIMINGS}")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    settings = " ".join(f"{k}={v!r}" for k, v in env_changes.items()) or "(the machine's own kernels)"
    header = f"== nbval, level {level}, {threads} BLAS thread(s): {settings}"
    return header, result.stdout + result.stderr, result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", default=["chapters"])
    parser.add_argument("--levels", nargs="+", choices=["native", "avx2", "baseline"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1])
    parser.add_argument("--all", action="store_true", help="every level, with 1 and 2 BLAS threads")
    args = parser.parse_args(argv)
    chosen = ["native", "avx2", "baseline"] if args.all else args.levels or ["native", "baseline"]
    threads = [1, 2] if args.all else args.threads

    available = levels()
    jobs = []
    for level in chosen:
        if available[level] is None:
            print(f"== nbval, level {level}: skipped, this CPU cannot emulate it ({platform.machine()})")
            continue
        jobs += [(level, available[level], n) for n in threads]
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)

    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        whole_book = args.notebooks == ["chapters"]
        futures = [
            pool.submit(run, level, env, n, args.notebooks, timings=whole_book and i == 0)
            for i, (level, env, n) in enumerate(jobs)
        ]
        for (level, _, n), future in zip(jobs, futures):
            header, output, code = future.result()
            print(header, flush=True)
            print(output.rstrip(), flush=True)
            if code != 0:
                failed.append(f"{level} with {n} thread(s)")
    if failed:
        print("failed at: " + "; ".join(failed))
    print(f"levels: {len(jobs) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
