"""The experiments of chapter 7 on small sizes: they measure what they claim."""

import numpy as np
import pytest

from bnbook import layers as L
from bnbook import nets
from bnbook.experiments import practice as P


def test_sample_batch_stats_are_those_of_batches_without_replacement():
    pop = np.arange(10.0)
    mu, var = P.sample_batch_stats(pop, 10, n_batches=5)
    np.testing.assert_allclose(mu, 4.5)  # the whole population in every batch
    np.testing.assert_allclose(var, pop.var())
    mu1, var1 = P.sample_batch_stats(pop, 1, n_batches=200)
    assert set(mu1) <= set(pop) and np.all(var1 == 0)
    with pytest.raises(ValueError, match="batch_size"):
        P.sample_batch_stats(pop, 11)


def test_incomplete_last_batch_sizes():
    assert P.incomplete_last_batch(1025, 64) == [64] * 16 + [1]
    assert P.incomplete_last_batch(128, 64) == [64, 64]
    assert sum(P.incomplete_last_batch(1348, 100)) == 1348


def test_a_last_batch_of_one_breaks_training_unless_dropped():
    split = P._digits()
    X, y = split.X_train[:65], split.y_train[:65]
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nets.train(nets.mlp((64, 16, 10), "bn"), X, y, epochs=1, batch_size=64, drop_last=False, progress=False)
    hist = nets.train(nets.mlp((64, 16, 10), "bn"), X, y, epochs=1, batch_size=64, drop_last=True, progress=False)
    assert len(hist.step_loss) == 1


def test_mlp_with_dropout_without_dropout_is_the_plain_mlp():
    x = np.random.default_rng(0).normal(size=(8, 64))
    a = P.mlp_with_dropout("bn", 0.0, seed=3)
    b = nets.mlp((64, 100, 100, 10), "bn", seed=3)
    np.testing.assert_allclose(a.forward(x), b.forward(x))
    c = P.mlp_with_dropout(None, 0.5, seed=3)
    assert sum(isinstance(m, L.Dropout) for m in c.layers) == 2


def test_grid_averages_the_runs_and_a_huge_learning_rate_fails():
    res = P.grid("lr", [0.05, 50.0], norms=(None,), seeds=(0, 1), epochs=1)
    runs = [P.run_mlp(None, lr=0.05, epochs=1, seed=s).test_accuracy for s in (0, 1)]
    assert res[None][0] == pytest.approx(np.mean(runs))
    assert res[None][0] > 0.8
    assert res[None][1] < 0.2  # no better than guessing


def test_bn_cost_counts_the_extra_arrays():
    cost = P.bn_cost(width=32, batch_size=16, repeats=3)
    # plain: inputs of 3 Linear (16*64 + 16*32 + 16*32) + 2 ReLU masks (16*32 each)
    assert cost.floats_kept["plain"] == 16 * 64 + 4 * 16 * 32
    # BN adds x_hat (16*32) and 3 statistics of 32 per BN layer
    assert cost.floats_kept["bn"] == cost.floats_kept["plain"] + 2 * (16 * 32 + 3 * 32)
    assert cost.seconds["plain"] > 0 and cost.seconds["bn"] > 0


def test_train_mode_accuracy_leaves_running_statistics_alone():
    split = P._digits()
    model = nets.mlp((64, 16, 10), "bn", seed=0)
    nets.train(model, split.X_train[:256], split.y_train[:256], epochs=1, batch_size=32, progress=False)
    bn = model.layers[1]
    before = bn.running_mean.copy(), bn.running_var.copy(), bn.num_batches_tracked
    acc = P._train_mode_accuracy(model, split.X_test, split.y_test, 16)
    assert 0 <= acc <= 1
    np.testing.assert_array_equal(bn.running_mean, before[0])
    np.testing.assert_array_equal(bn.running_var, before[1])
    assert bn.num_batches_tracked == before[2]


def test_widget_population_is_a_real_pre_activation():
    pop = P.widget_population()
    split = P._digits()
    first = nets.mlp((64, 100, 100, 10), seed=0)[0]
    np.testing.assert_allclose(pop, split.X_train @ first.W[:, 0] + first.b[0])


def test_train_cnn_is_deterministic_and_bn_learns_faster_with_per_channel_statistics():
    import copy

    bn_run = P.train_cnn("bn", epochs=1)
    plain_run = P.train_cnn(None, epochs=1)
    assert bn_run.test_accuracy_per_epoch.shape == (1,) and not bn_run.diverged
    again = P.train_cnn.__wrapped__("bn", epochs=1)  # a fresh run, bypassing the cache
    np.testing.assert_array_equal(again.test_accuracy_per_epoch, bn_run.test_accuracy_per_epoch)
    # the effect chapter 7 relies on: after one epoch the BN net is clearly ahead
    assert bn_run.test_accuracy_per_epoch[0] > plain_run.test_accuracy_per_epoch[0] + 0.02
    # its first BN layer keeps one statistic per channel, over N, H and W
    net = copy.deepcopy(bn_run.model)
    bn = net[1]
    assert isinstance(bn, L.BatchNorm) and bn.running_mean.shape == (8,)
    x = net[0].forward(P._digits(images=True).X_train[:16])  # (16, 8, 8, 8)
    net[1].forward(x)
    np.testing.assert_allclose(bn.batch_mean, x.mean(axis=(0, 2, 3)))
    m = 16 * 8 * 8
    np.testing.assert_allclose(bn.batch_var_unbiased, x.var(axis=(0, 2, 3)) * m / (m - 1))
    # the cached model was not touched by the forward pass on the copy
    assert not np.array_equal(bn_run.model[1].running_mean, bn.running_mean)
