"""The training loop of the book's experiments: it learns, and a seed fixes the result."""

from __future__ import annotations

import warnings

import numpy as np

from bnbook import data, nets


def _train_mlp(seed: int):
    split = data.load_digits(seed=0)
    model = nets.mlp([64, 100, 100, 10], norm="bn", seed=seed)
    history = nets.train(model, split.X_train, split.y_train, epochs=10, batch_size=64, lr=0.1, seed=seed,
                         X_test=split.X_test, y_test=split.y_test)
    return model, history, split


def test_mlp_with_batchnorm_learns_digits_deterministically():
    model, history, split = _train_mlp(seed=3)
    model.eval()
    assert nets.accuracy(model, split.X_test, split.y_test) >= 0.95
    assert not history.diverged
    _, again, _ = _train_mlp(seed=3)
    assert again.step_loss == history.step_loss  # bit-for-bit under the same seed
    _, other, _ = _train_mlp(seed=4)
    assert other.step_loss != history.step_loss


def test_small_cnn_with_batchnorm_learns_digits():
    split = data.load_digits(seed=0, images=True)
    model = nets.small_cnn(norm="bn", seed=0)
    nets.train(model, split.X_train, split.y_train, epochs=3, batch_size=32, lr=0.05, seed=0)
    model.eval()
    assert nets.accuracy(model, split.X_test, split.y_test) >= 0.9


def test_divergence_is_reported_not_raised():
    split = data.load_digits(seed=0)
    model = nets.mlp([64, 100, 10], norm=None, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow on the way must not leak out as a warning either
        history = nets.train(model, split.X_train, split.y_train, epochs=2, lr=1e200, seed=0)
    assert history.diverged
    assert len(history.step_loss) < 2 * (len(split.X_train) // 64)


def test_digits_need_no_download_and_split_by_seed():
    split = data.load_digits(seed=0, images=True)
    assert split.X_train.shape[1:] == (1, 8, 8) and len(split.X_train) + len(split.X_test) == 1797
    assert 0.0 <= split.X_train.min() and split.X_train.max() <= 1.0  # fixed pixel scale, nothing fitted
    again, other = data.load_digits(seed=0, images=True), data.load_digits(seed=1, images=True)
    np.testing.assert_array_equal(split.y_test, again.y_test)
    assert not np.array_equal(split.y_test, other.y_test)
