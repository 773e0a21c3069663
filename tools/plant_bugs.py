"""Plant known bugs in mlp, one at a time, and check that the unit tests catch each.

For every bug below (a named replacement of one piece of text in one file of mlp/),
this script copies mlp/ into a temporary directory, applies the replacement there,
and runs the unit tests against the mutated copy:

    PYTHONPATH=<tmp> python -P -m pytest -x -q -p no:cacheprovider tests \
        --ignore=tests/browser --ignore=tests/oracle

from the repository root (so pyproject's settings apply, warnings as errors included;
-P keeps the working directory, and with it the real mlp/, off sys.path).
The repository's own mlp/ is never touched. A bug is "caught" when the run fails, and
"missed" when it passes. Exit status: 0 if every bug is caught, 1 otherwise.

    .venv/bin/python tools/plant_bugs.py                # all bugs, 2 at a time
    .venv/bin/python tools/plant_bugs.py -k adam -j 1   # bugs whose name contains "adam"
    .venv/bin/python tools/plant_bugs.py --with-oracle  # also run tests/oracle (needs torch)

A maintainer's tool, not part of `make test`: run it after changing mlp or its tests.
Most bugs are mistakes seen in from-scratch code and tutorials; the forward-value and
convention bugs (the second half) are the ones a gradient check cannot see.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bug:
    name: str
    file: str  # relative to mlp/
    old: str  # must occur exactly once in the file
    new: str


BUGS = [
    # -- activations -----------------------------------------------------------------
    Bug("relu_derivative_one_at_zero", "activations.py", "self.mask = x > 0", "self.mask = x >= 0"),
    Bug(
        "leaky_relu_slopes_swapped",
        "activations.py",
        "np.where(x > 0, 1.0, self.alpha)",
        "np.where(x > 0, self.alpha, 1.0)",
    ),
    Bug(
        "elu_ignores_alpha",
        "activations.py",
        "negative = self.alpha * np.expm1(np.minimum(x, 0))",
        "negative = np.expm1(np.minimum(x, 0))",
    ),
    Bug("elu_derivative_plus_one_not_alpha", "activations.py", "negative + self.alpha", "negative + 1.0"),
    Bug(
        "sigmoid_derivative_without_one_minus_y",
        "activations.py",
        "grad_x *= 1.0 - self.y",
        "grad_x *= self.y",
    ),
    Bug("sigmoid_of_minus_x", "activations.py", "t = np.negative(x)", "t = np.array(x, copy=True)"),
    Bug(
        "sigmoid_exponent_not_clipped",
        "activations.py",
        "    np.minimum(t, _EXP_LIMIT.get(x.dtype, 709.0), out=t)\n",
        "",
    ),
    Bug("tanh_derivative_one_minus_y", "activations.py", "(1.0 - self.y**2)", "(1.0 - self.y)"),
    Bug(
        "softmax_diagonal_jacobian",
        "activations.py",
        "return self.p * (g - (g * self.p).sum(axis=-1, keepdims=True))",
        "return self.p * (1 - self.p) * g",
    ),
    Bug(
        "softmax_without_max_shift",
        "activations.py",
        "e = np.exp(z - np.max(z, axis=axis, keepdims=True))",
        "e = np.exp(z)",
    ),
    Bug(
        "softmax_normalized_over_everything",
        "activations.py",
        "e /= e.sum(axis=axis, keepdims=True)",
        "e /= e.sum()",
    ),
    # -- Dense and Dropout -------------------------------------------------------------
    Bug(
        "dense_weight_gradient_assigned_not_accumulated",
        "layers.py",
        "self.W.grad += self.x.T @ grad_y",
        "self.W.grad = self.x.T @ grad_y",
    ),
    Bug(
        "dense_bias_gradient_mean_not_sum",
        "layers.py",
        "self.b.grad += batch_sum(grad_y)",
        "self.b.grad += batch_sum(grad_y) / len(grad_y)",
    ),
    Bug("dense_forward_ignores_bias", "layers.py", "            y += self.b.value\n", "            pass\n"),
    Bug(
        "dense_input_gradient_with_abs_weights",
        "layers.py",
        "return grad_y @ self.W.value.T",
        "return grad_y @ np.abs(self.W.value).T",
    ),
    Bug(
        "dropout_without_inverse_scale",
        "layers.py",
        "self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / keep",
        "self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype)",
    ),
    Bug(
        "dropout_keeps_with_probability_p",
        "layers.py",
        "self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / keep",
        "self.mask = (self.rng.random(x.shape) < self.p).astype(x.dtype) / keep",
    ),
    Bug(
        "dropout_backward_ignores_mask",
        "layers.py",
        "return grad_y if self.mask is None else grad_y * self.mask",
        "return grad_y",
    ),
    Bug(
        "dropout_active_in_evaluation", "layers.py", "if not training or self.p == 0.0:", "if self.p == 0.0:"
    ),
    # -- initialization ------------------------------------------------------------------
    Bug("xavier_std_too_small", "init.py", "np.sqrt(2.0 / (n_in + n_out))", "np.sqrt(1.0 / (n_in + n_out))"),
    Bug("he_std_without_factor_two", "init.py", "np.sqrt(2.0 / n_in)", "np.sqrt(1.0 / n_in)"),
    Bug("he_std_from_n_out", "init.py", "np.sqrt(2.0 / n_in)", "np.sqrt(2.0 / n_out)"),
    Bug(
        "uniform_glorot_limit",
        "init.py",
        "limit = 1.0 / np.sqrt(n_in)",
        "limit = np.sqrt(6.0 / (n_in + n_out))",
    ),
    Bug("uniform_limit_over_n_not_sqrt_n", "init.py", "limit = 1.0 / np.sqrt(n_in)", "limit = 1.0 / n_in"),
    # -- batch normalization --------------------------------------------------------------
    Bug("batchnorm_running_var_biased", "normalization.py", "m * var * (n / (n - 1))", "m * var"),
    Bug(
        "batchnorm_momentum_weight_on_old_value",
        "normalization.py",
        "self.running_mean *= 1 - m\n            self.running_mean += m * mu",
        "self.running_mean *= m\n            self.running_mean += (1 - m) * mu",
    ),
    Bug(
        "batchnorm_running_var_momentum_flipped",
        "normalization.py",
        "self.running_var *= 1 - m\n            self.running_var += m * var",
        "self.running_var *= m\n            self.running_var += (1 - m) * var",
    ),
    Bug(
        "batchnorm_evaluation_uses_batch_mean",
        "normalization.py",
        "centered = x - self.running_mean",
        "centered = x - x.mean(axis=0)",
    ),
    Bug(
        "batchnorm_input_gradient_without_mean_and_variance_paths",
        "normalization.py",
        "        grad_x -= grad_beta\n        grad_x -= self.xhat * grad_gamma\n",
        "",
    ),
    Bug(
        "batchnorm_input_gradient_without_gamma",
        "normalization.py",
        "grad_x *= self.gamma.value * (self.inv_std / n)",
        "grad_x *= self.inv_std / n",
    ),
    Bug(
        "batchnorm_eps_outside_the_sqrt",
        "normalization.py",
        "1.0 / np.sqrt(var + self.eps)",
        "1.0 / (np.sqrt(var) + self.eps)",
    ),
    Bug(
        "batchnorm_gamma_gradient_without_xhat",
        "normalization.py",
        "grad_gamma = batch_sum(grad_y * self.xhat)",
        "grad_gamma = batch_sum(grad_y)",
    ),
    # -- losses ------------------------------------------------------------------------------
    Bug("mse_gradient_without_factor_two", "losses.py", "(2.0 / self.diff.size)", "(1.0 / self.diff.size)"),
    Bug("mse_mean_over_rows_only", "losses.py", "/ self.diff.size  # sum", "/ len(self.diff)  # sum"),
    Bug("bce_gradient_of_the_sum", "losses.py", "(p * (1.0 - p) * p.size)", "(p * (1.0 - p))"),
    Bug("bce_without_clipping", "losses.py", "self.p = np.clip(p, self.eps, 1.0 - self.eps)", "self.p = p"),
    Bug(
        "cross_entropy_gradient_not_divided_by_n",
        "losses.py",
        "grad = self.p / n\n        grad[_arange(n), self.labels] -= 1.0 / n",
        "grad = self.p.copy()\n        grad[_arange(n), self.labels] -= 1.0",
    ),
    Bug(
        "cross_entropy_without_max_shift",
        "losses.py",
        "shifted = z - z.max(axis=1, keepdims=True)",
        "shifted = z + 0.0",
    ),
    Bug(
        "cross_entropy_one_hot_gradient_sign",
        "losses.py",
        "return (self.p - self.y) / n",
        "return (self.y - self.p) / n",
    ),
    Bug(
        "bce_with_logits_naive_log_sigmoid",
        "losses.py",
        "terms = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))",
        "terms = -(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z)))",
    ),
    Bug(
        "bce_with_logits_gradient_of_the_sum",
        "losses.py",
        "return (sigmoid(self.z) - self.y) / self.z.size",
        "return sigmoid(self.z) - self.y",
    ),
    # -- optimizers -------------------------------------------------------------------------
    Bug(
        "sgd_momentum_with_lr_inside_the_velocity",
        "optimizers.py",
        "                v += g\n"
        "                g = g + mu * v if self.nesterov else v\n"
        "            p.value -= self.lr * g",
        "                v += self.lr * g\n"
        "                p.value -= self.lr * g + mu * v if self.nesterov else v\n"
        "                continue\n"
        "            p.value -= self.lr * g",
    ),
    Bug("sgd_nesterov_is_plain_momentum", "optimizers.py", "g = g + mu * v if self.nesterov else v", "g = v"),
    Bug(
        "weight_decay_with_the_wrong_sign",
        "optimizers.py",
        "return p.grad + self.weight_decay * p.value",
        "return p.grad - self.weight_decay * p.value",
    ),
    Bug(
        "adagrad_without_sqrt",
        "optimizers.py",
        "p.value -= self.lr * g / (np.sqrt(G) + self.eps)",
        "p.value -= self.lr * g / (G + self.eps)",
    ),
    Bug(
        "rmsprop_alpha_swapped",
        "optimizers.py",
        "s *= self.alpha\n            s += (1 - self.alpha) * g * g",
        "s *= 1 - self.alpha\n            s += self.alpha * g * g",
    ),
    Bug(
        "adam_bias_correction_without_power_t",
        "optimizers.py",
        "m_hat = m / (1 - b1**self.t)",
        "m_hat = m / (1 - b1)",
    ),
    Bug(
        "adam_eps_inside_the_sqrt",
        "optimizers.py",
        "(np.sqrt(s_hat) + self.eps)",
        "np.sqrt(s_hat + self.eps)",
    ),
    Bug(
        "adam_step_count_stuck_at_one",
        "optimizers.py",
        "self.t += 1\n        b1, b2",
        "self.t = 1\n        b1, b2",
    ),
    Bug(
        "adamw_decay_coupled_into_the_gradient",
        "optimizers.py",
        "return p.grad  # the decay is applied to theta in step(), never added to g",
        "return p.grad + self.weight_decay * p.value",
    ),
    Bug(
        "adamw_decay_without_lr",
        "optimizers.py",
        "shrink = 1.0 - self.lr * self.weight_decay",
        "shrink = 1.0 - self.weight_decay",
    ),
    Bug(
        "clip_grad_norm_also_scales_up",
        "optimizers.py",
        "scale = min(1.0, max_norm / (norm + 1e-6))",
        "scale = max_norm / (norm + 1e-6)",
    ),
    # -- core, training, gradient checking ------------------------------------------------------
    Bug(
        "sequential_drops_the_training_flag",
        "core.py",
        "x = layer.forward(x, training=training)",
        "x = layer.forward(x)",
    ),
    Bug(
        "state_dict_without_running_statistics",
        "core.py",
        "[(n, p.value) for n, p in self.named_parameters()] + self.named_buffers()",
        "[(n, p.value) for n, p in self.named_parameters()]",
    ),
    Bug(
        "load_state_dict_rebinds_instead_of_copying",
        "core.py",
        "current[name][...] = value",
        "current[name] = value",
    ),
    Bug("fit_without_zero_grad", "train.py", "                optimizer.zero_grad()\n", ""),
    Bug("fit_checks_only_the_loss", "train.py", "            _check_finite_state(model, epoch)\n", ""),
    Bug(
        "predict_in_training_mode",
        "train.py",
        "return model.forward(X, training=False)",
        "return model.forward(X, training=True)",
    ),
    Bug(
        "numerical_gradient_without_the_two",
        "gradcheck.py",
        "grad[index] = (f_plus - f_minus) / (2 * eps)",
        "grad[index] = (f_plus - f_minus) / eps",
    ),
    Bug("relative_error_without_abs", "gradcheck.py", "np.max(np.abs(a - b))", "np.max(a - b)"),
    Bug(
        "int_input_kept_as_int",
        "core.py",
        '    if kind in "biu":\n        return x.astype(np.float64)\n',
        '    if kind in "biu":\n        return x\n',
    ),
]


def plant(bug: Bug, destination: Path) -> None:
    """Copy mlp/ into ``destination``/mlp with ``bug`` applied."""
    package = destination / "mlp"
    shutil.copytree(ROOT / "mlp", package, ignore=shutil.ignore_patterns("__pycache__"))
    path = package / bug.file
    text = path.read_text()
    count = text.count(bug.old)
    if count != 1:
        raise ValueError(
            f"{bug.name}: the text to replace occurs {count} times in mlp/{bug.file}, expected once"
        )
    path.write_text(text.replace(bug.old, bug.new))


def run_tests(bug: Bug, with_oracle: bool) -> tuple[bool, str, float]:
    """(caught, last line of pytest's output, seconds) for ``bug`` planted alone."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"plant_{bug.name}_") as tmp:
        plant(bug, Path(tmp))
        env = {**os.environ, "PYTHONPATH": tmp, "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1"}
        where = subprocess.run(
            [sys.executable, "-P", "-c", "import mlp; print(mlp.__file__)"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if not where.stdout.startswith(tmp):
            raise RuntimeError(f"{bug.name}: the tests would import {where.stdout.strip()!r}, not the copy")
        command = [sys.executable, "-P", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "tests"]
        command += ["--ignore=tests/browser"] + ([] if with_oracle else ["--ignore=tests/oracle"])
        result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    failed = [line for line in lines if line.startswith("FAILED")]
    summary = (failed[0] if failed else lines[-1] if lines else result.stderr.strip()[-200:])[:160]
    return result.returncode != 0, summary, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", default="", help="only bugs whose name contains this text")
    parser.add_argument("-j", type=int, default=2, help="bugs tested in parallel (default 2)")
    parser.add_argument("--with-oracle", action="store_true", help="also run tests/oracle")
    parser.add_argument("--list", action="store_true", help="list the bugs and exit")
    args = parser.parse_args()
    bugs = [bug for bug in BUGS if args.k in bug.name]
    if args.list:
        for bug in bugs:
            print(f"{bug.name:55} mlp/{bug.file}")
        return 0
    for bug in bugs:  # fail fast on a stale replacement before running anything
        text = (ROOT / "mlp" / bug.file).read_text()
        if text.count(bug.old) != 1:
            print(f"stale bug {bug.name}: its text occurs {text.count(bug.old)} times in mlp/{bug.file}")
            return 2
    # pytest itself runs with -x; a fresh cwd-independent interpreter for each bug
    missed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        futures = {pool.submit(run_tests, bug, args.with_oracle): bug for bug in bugs}
        for future in concurrent.futures.as_completed(futures):
            bug = futures[future]
            caught, summary, seconds = future.result()
            print(f"{'caught' if caught else 'MISSED'}  {bug.name:55} {seconds:5.1f}s  {summary}", flush=True)
            if not caught:
                missed.append(bug.name)
    print(f"\n{len(bugs) - len(missed)} of {len(bugs)} planted bugs caught")
    if missed:
        print("missed: " + ", ".join(sorted(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
