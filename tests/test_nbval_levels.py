"""tools/nbval_levels.py: the emulated CPU levels that nbval runs the chapters under."""

import importlib.util
import platform
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "nbval_levels", Path(__file__).resolve().parents[1] / "tools" / "nbval_levels.py"
)
nbval_levels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbval_levels)

found, baseline = nbval_levels.dispatched_features()
levels = nbval_levels.levels()


def test_native_level_changes_nothing():
    assert levels["native"] == {}


def test_baseline_level_disables_every_dispatched_feature_the_cpu_has():
    assert levels["baseline"]["NPY_DISABLE_CPU_FEATURES"].split() == found
    assert levels["baseline"]["OPENBLAS_CORETYPE"] in ("Nehalem", "ARMV8")


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 only")
def test_avx2_level_keeps_avx2_and_disables_everything_above_it():
    if levels["avx2"] is None:
        assert "X86_V4" not in found, "an AVX-512 CPU must be able to emulate the AVX2 level"
        return
    disabled = levels["avx2"]["NPY_DISABLE_CPU_FEATURES"].split()
    assert "X86_V3" not in disabled and "X86_V4" in disabled
    assert disabled == found[found.index("X86_V3") + 1 :]
