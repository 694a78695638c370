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


def test_rnn_steps_thin_out_and_bn_error_grows():
    r = E.rnn_step_statistics(max_train_length=12, max_test_length=15, pool=400, batches=60)
    assert r.alive[0] == 16 and np.all(np.diff(r.alive) <= 0)
    assert np.all(r.too_few[12:] == 1) and np.isnan(r.bn_error[12:]).all()
    assert r.too_few[0] == 0
    finite = r.bn_error[:10]
    assert finite[-1] > 1.5 * finite[0]


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
