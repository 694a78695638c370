"""Chapter 10 experiments: the learning-rate / init grid, BN folding, BN's arithmetic share."""

import numpy as np

from bnbook import layers as L
from bnbook.experiments import review as R


def test_bn_trains_over_the_whole_grid_and_plain_sgd_does_not():
    runs = R.lr_init_grid(lrs=(0.1, 1.0), init_stds=(0.1, 1.0))
    assert len(runs) == 8
    bn = [run.test_accuracy for key, run in runs.items() if key[0] == "bn"]
    plain = {key[1:]: run.test_accuracy for key, run in runs.items() if key[0] == "none"}
    assert min(bn) > 0.85
    assert plain[(0.1, 0.1)] > 0.9  # a well-tuned plain net does learn ...
    assert all(plain[key] < 0.2 for key in [(0.1, 1.0), (1.0, 0.1), (1.0, 1.0)])  # ... the others stay at chance


def test_folding_bn_into_the_linear_layer_gives_the_same_eval_output():
    rng = np.random.default_rng(0)
    lin = L.Linear(5, 4, bias=True, rng=rng)
    lin.b = rng.normal(size=4)
    bn = L.BatchNorm(4)
    for _ in range(5):  # give it non-trivial running statistics and parameters
        bn.forward(lin.forward(rng.normal(1.0, 2.0, size=(16, 5))))
    bn.gamma, bn.beta = rng.normal(size=4), rng.normal(size=4)
    bn.eval()
    x = rng.normal(size=(7, 5))
    W, b = R.fold_bn_into_linear(lin.W, lin.b, bn)
    np.testing.assert_allclose(x @ W + b, bn.forward(lin.forward(x)), rtol=1e-12, atol=1e-12)
    W0, b0 = R.fold_bn_into_linear(lin.W, None, bn)
    np.testing.assert_allclose(x @ W0 + b0 + lin.b * bn.gamma / np.sqrt(bn.running_var + bn.eps),
                               bn.forward(lin.forward(x)), rtol=1e-12, atol=1e-12)


def test_bn_flop_share_counts():
    # One hidden layer of width 10 after a 5-wide input: BN 10*10 against 2*(5*10 + 10*2).
    np.testing.assert_allclose(R.bn_flop_share((5, 10, 2)), 100 / 140)
    assert R.bn_flop_share((64, 100, 100, 10)) < 0.1
