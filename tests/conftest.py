"""Fixtures shared by the test files."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with a fixed seed for every test, so each test is reproducible on its own."""
    return np.random.default_rng(0)
