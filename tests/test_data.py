"""The small data sets and the batching helpers of mlp.data."""

import socket

import numpy as np
import pytest
from sklearn.datasets import load_digits

import mlp

# ---------------------------------------------------------------- streetlights, xor_table


def test_streetlights_shapes():
    X, y = mlp.data.streetlights()
    assert X.shape == (6, 3)
    assert y.shape == (6,)


def test_streetlights_middle_light_decides():
    X, y = mlp.data.streetlights()
    np.testing.assert_array_equal(X[:, 1], y)


def test_xor_table_is_the_truth_table():
    X, y = mlp.data.xor_table()
    assert X.shape == (4, 2)
    assert {tuple(row) for row in X} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))


# ---------------------------------------------------------------- noisy_xor


def test_noisy_xor_shapes_and_integer_labels():
    X, y = mlp.data.noisy_xor(n=50, rng=1)
    assert X.shape == (50, 2)
    assert y.shape == (50,)
    assert np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1}


def test_noisy_xor_labels_are_xor_of_signs():
    X, y = mlp.data.noisy_xor(n=300, rng=2)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))


def test_noisy_xor_is_reproducible_with_the_same_seed():
    X1, y1 = mlp.data.noisy_xor(n=100, rng=3)
    X2, y2 = mlp.data.noisy_xor(n=100, rng=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_noisy_xor_differs_with_another_seed():
    X1, _ = mlp.data.noisy_xor(n=100, rng=3)
    X2, _ = mlp.data.noisy_xor(n=100, rng=4)
    assert not np.array_equal(X1, X2)


def test_noisy_xor_draws_from_a_given_generator():
    rng = np.random.default_rng(5)
    X1, _ = mlp.data.noisy_xor(n=20, rng=rng)
    X2, _ = mlp.data.noisy_xor(n=20, rng=rng)  # the generator has moved on
    assert not np.array_equal(X1, X2)


# ---------------------------------------------------------------- digits


def test_digits_shapes_and_pixel_range():
    X_train, y_train, X_val, y_val = mlp.data.digits(rng=np.random.default_rng(0), val_fraction=0.2)
    assert X_train.shape == (1438, 64)
    assert X_val.shape == (359, 64)
    assert y_train.shape == (1438,)
    assert y_val.shape == (359,)
    for X in (X_train, X_val):
        assert X.dtype == np.float64
        assert X.min() == 0.0
        assert X.max() == 1.0
    assert set(np.unique(np.concatenate([y_train, y_val]))) == set(range(10))


def test_digits_without_rng_keeps_sklearn_order_for_the_1500_297_split():
    X_train, y_train, X_val, y_val = mlp.data.digits(rng=None, val_fraction=297 / 1797)
    bunch = load_digits()
    assert len(X_train) == 1500
    assert len(X_val) == 297
    np.testing.assert_array_equal(X_train, bunch.data[:1500] / 16.0)
    np.testing.assert_array_equal(y_train, bunch.target[:1500])
    np.testing.assert_array_equal(X_val, bunch.data[1500:] / 16.0)
    np.testing.assert_array_equal(y_val, bunch.target[1500:])


def sorted_rows_with_labels(X, y):
    """Rows of [X | y] in lexicographic order: equal for two orderings of the same pairs."""
    table = np.column_stack([X, y])
    return table[np.lexsort(table.T[::-1])]


def test_digits_with_rng_is_a_shuffle_that_keeps_images_with_their_labels():
    X_train, y_train, X_val, y_val = mlp.data.digits(rng=np.random.default_rng(0), val_fraction=0.2)
    X, y = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
    bunch = load_digits()
    assert not np.array_equal(y, bunch.target)
    np.testing.assert_array_equal(
        sorted_rows_with_labels(X, y), sorted_rows_with_labels(bunch.data / 16.0, bunch.target)
    )


def test_digits_shuffle_is_reproducible_with_the_same_seed():
    first = mlp.data.digits(rng=np.random.default_rng(7))
    second = mlp.data.digits(rng=np.random.default_rng(7))
    other = mlp.data.digits(rng=np.random.default_rng(8))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


def test_digits_needs_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("mlp.data.digits tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    X_train, *_ = mlp.data.digits(rng=np.random.default_rng(0))
    assert len(X_train) > 0


@pytest.mark.parametrize("val_fraction", [-0.1, 1.0])
def test_digits_rejects_val_fraction_outside_zero_one(val_fraction):
    with pytest.raises(ValueError, match=r"val_fraction must be in \[0, 1\)"):
        mlp.data.digits(val_fraction=val_fraction)


# ---------------------------------------------------------------- one_hot


def test_one_hot_values():
    expected = [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    out = mlp.data.one_hot(np.array([2, 0, 1, 2]), 3)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)


def test_one_hot_allows_classes_absent_from_the_labels():
    np.testing.assert_array_equal(mlp.data.one_hot([1], 4), [[0.0, 1.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0.0, 1.0]), "must be a 1-D integer array"),
        (np.array([[0, 1]]), "must be a 1-D integer array"),
        (np.array([0, 3]), r"labels must be in \[0, 2\], got \[0, 3\]"),
        (np.array([-1, 2]), r"labels must be in \[0, 2\], got \[-1, 2\]"),
    ],
    ids=["float", "2-D", "too large", "negative"],
)
def test_one_hot_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        mlp.data.one_hot(labels, 3)


# ---------------------------------------------------------------- minibatches


def paired_data(n=10):
    X = np.arange(2 * n, dtype=np.float64).reshape(n, 2)  # row i is [2i, 2i + 1]
    y = np.arange(n)  # label i belongs to row i
    return X, y


def test_minibatches_cover_every_row_once_with_a_smaller_last_batch():
    X, y = paired_data(10)
    batches = list(mlp.data.minibatches(X, y, batch_size=4, rng=np.random.default_rng(0)))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate([yb for _, yb in batches])), np.arange(10))


def test_minibatches_without_rng_keep_the_stored_order():
    X, y = paired_data(10)
    batches = list(mlp.data.minibatches(X, y, batch_size=3))
    np.testing.assert_array_equal(np.concatenate([Xb for Xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)


def test_minibatches_with_rng_shuffle_the_rows():
    X, y = paired_data(50)
    order = np.concatenate([yb for _, yb in mlp.data.minibatches(X, y, 8, rng=np.random.default_rng(0))])
    assert not np.array_equal(order, y)


def test_minibatches_shuffle_again_every_call():
    X, y = paired_data(50)
    rng = np.random.default_rng(0)
    first = np.concatenate([yb for _, yb in mlp.data.minibatches(X, y, 8, rng)])
    second = np.concatenate([yb for _, yb in mlp.data.minibatches(X, y, 8, rng)])
    assert not np.array_equal(first, second)


def test_minibatches_keep_inputs_and_targets_paired():
    X, y = paired_data(23)
    for Xb, yb in mlp.data.minibatches(X, y, 5, rng=np.random.default_rng(1)):
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)


def test_minibatches_batch_larger_than_data_is_one_full_batch():
    X, y = paired_data(5)
    batches = list(mlp.data.minibatches(X, y, batch_size=100))
    assert len(batches) == 1
    np.testing.assert_array_equal(batches[0][0], X)


def test_minibatches_reject_mismatched_rows():
    X, y = paired_data(5)
    with pytest.raises(ValueError, match="X has 5 rows but y has 4"):
        list(mlp.data.minibatches(X, y[:4], 2))


def test_minibatches_reject_non_positive_batch_size():
    X, y = paired_data(5)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        list(mlp.data.minibatches(X, y, 0))
