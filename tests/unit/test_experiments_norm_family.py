"""Chapter 9 experiments: masks, normalize, the sweep, RNN per-step statistics, batch renorm gap."""

import numpy as np
import pytest

from bnbook import functional as F
from bnbook.experiments import norm_family as E


@pytest.mark.parametrize("method, count", [("bn", 3 * 5 * 5), ("ln", 4 * 5 * 5), ("in", 5 * 5), ("gn", 2 * 5 * 5)])
def test_mask_pools_the_right_entries(method, count):
    mask = E.shared_statistics_mask((3, 4, 5, 5), method, n=1, c=2, num_groups=2)
    assert mask.sum() == count and mask[1, 2].all()
    x = np.random.default_rng(0).normal(size=(3, 4, 5, 5))
    # Normalizing only the pooled entries with their own statistics reproduces the method's output there.
    pooled = x[mask]
    expected = (pooled - pooled.mean()) / np.sqrt(pooled.var() + 1e-5)
    np.testing.assert_allclose(E.normalize(x, method, 2)[mask], expected, rtol=1e-10)


def test_gn_with_one_group_is_ln_and_with_c_groups_is_in():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=(2, 4, 3, 3))
    np.testing.assert_allclose(E.normalize(x, "gn", 1), E.normalize(x, "ln"), rtol=1e-12)
    np.testing.assert_allclose(E.normalize(x, "gn", 4), E.normalize(x, "in"), rtol=1e-12)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="method"):
        E.shared_statistics_mask((2, 4, 1, 1), "xn", 0, 0)
    with pytest.raises(ValueError, match="num_groups"):
        E.shared_statistics_mask((2, 4, 1, 1), "gn", 0, 0, num_groups=3)
    with pytest.raises(ValueError, match=r"\(n, c\)"):
        E.shared_statistics_mask((2, 4, 1, 1), "bn", 2, 0)
    with pytest.raises(ValueError, match="model"):
        E.batch_size_sweep("rnn")


def test_batch_size_sweep_shows_bn_failing_on_tiny_batches_in_an_mlp():
    result = E.batch_size_sweep("mlp", methods=("bn", "gn"), batch_sizes=(2, 32), epochs=1)
    bn_2, bn_32 = result.accuracy["bn"]
    gn_2, _ = result.accuracy["gn"]
    assert bn_32 > 0.85 and gn_2 > 0.8
    assert bn_2 < bn_32 - 0.15 and bn_2 < gn_2 - 0.15


def test_batch_renorm_gap_is_smaller_than_bn_gap_and_shrinks_with_batch_size():
    bn_2, rn_2 = E.batch_renorm_gap(2, trials=50)
    bn_32, rn_32 = E.batch_renorm_gap(32, trials=50)
    assert rn_2 < 0.2 * bn_2 and bn_32 < bn_2
    assert rn_32 < 1e-10  # no clipping at batch 32: training output == inference output
    # r_max = 1, d_max = 0 turns renorm back into plain batch norm.
    bn, rn = E.batch_renorm_gap(4, r_max=1.0, d_max=0.0, trials=20)
    np.testing.assert_allclose(rn, bn, rtol=1e-12)


def test_normalize_bn_equals_functional():
    x = np.random.default_rng(2).normal(size=(3, 2, 4, 4))
    np.testing.assert_allclose(E.normalize(x, "bn"), F.batch_norm_forward(x, np.ones(2), np.zeros(2))[0])


@pytest.mark.parametrize("norm", ["bn", "ln"])
def test_rnn_backward_matches_finite_differences(norm):
    from bnbook.gradcheck import numerical_gradient, relative_error

    params = E.rnn_init(hidden=5, seed=3)
    x, y = E.running_sum_task(np.random.default_rng(4), 6, 4)
    _, _, cache = E.rnn_forward(params, x, y, norm)
    grads = E.rnn_backward(params, cache)
    for name, p in params.items():
        numeric = numerical_gradient(lambda _: E.rnn_forward(params, x, y, norm)[0], p)
        assert relative_error(grads[name], numeric) < 1e-6, name


def test_rnn_bn_eval_reuses_the_last_steps_statistics_beyond_training_length():
    params = E.rnn_init(hidden=4, seed=0)
    x, y = E.running_sum_task(np.random.default_rng(1), 8, 5)
    running = (np.zeros((2, 4)), np.ones((2, 4)))
    E.rnn_forward(params, x[:, :2], y[:, :2], "bn", running)  # training updates both steps' statistics
    assert not np.allclose(running[0][0], 0) and not np.allclose(running[0][1], 0)
    extended = (np.concatenate([running[0], running[0][[1, 1, 1]]]), np.concatenate([running[1], running[1][[1, 1, 1]]]))
    _, acc_reuse, _ = E.rnn_forward(params, x, y, "bn", running, training=False)
    _, acc_explicit, _ = E.rnn_forward(params, x, y, "bn", extended, training=False)
    np.testing.assert_array_equal(acc_reuse, acc_explicit)
    with pytest.raises(ValueError, match="norm"):
        E.rnn_forward(params, x, y, "gn")


def test_trained_rnn_learns_the_task_and_bn_degrades_beyond_the_training_length():
    bn, ln = E.train_rnn("bn"), E.train_rnn("ln")
    T = bn.train_length
    assert bn.accuracy.shape == (30,) and bn.train_loss[-50:].mean() < 0.5 * bn.train_loss[:10].mean()
    assert bn.accuracy[:T].mean() > 0.85 and ln.accuracy[:T].mean() > 0.85  # both learned the task
    drop_bn = bn.accuracy[:T].mean() - bn.accuracy[T:].mean()
    drop_ln = ln.accuracy[:T].mean() - ln.accuracy[T:].mean()
    assert drop_bn > drop_ln + 0.05
    np.testing.assert_array_equal(ln.accuracy, ln.accuracy_test_stats)  # LN has no batch statistics
    np.testing.assert_array_equal(E.train_rnn.__wrapped__("ln").accuracy, ln.accuracy)  # deterministic
