"""Chapter 10 (Summary and review): the pros and cons of BN, measured once more in miniature.

* :func:`lr_init_grid`: an MLP with and without BN trained on digits over a grid of learning
  rates and initial weight scales (BN's tolerance of both, chapters 2 and 8 in one picture).
* :func:`fold_bn_into_linear`: BN costs nothing at inference: it folds into the layer before.
* :func:`bn_flop_share`: the extra arithmetic of BN in training, relative to the linear layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook import data, nets
from bnbook import layers as L
from bnbook.inference import fold_batch_norm

__all__ = ["SIZES", "EPOCHS", "FLOPS_PER_VALUE", "GridRun", "lr_init_grid", "fold_bn_into_linear", "bn_flop_share"]

SIZES = (64, 100, 100, 10)  # the MLP of the chapter's experiments
EPOCHS = 3  # training epochs of every run of the grid
FLOPS_PER_VALUE = 10  # BN's arithmetic per activation in training, forward and backward (a round count)


@dataclass
class GridRun:
    """One training run of the grid: per-step losses, final test accuracy, divergence."""

    step_loss: np.ndarray
    test_accuracy: float
    diverged: bool


@cache
def lr_init_grid(lrs: tuple[float, ...] = (0.01, 0.1, 1.0), init_stds: tuple[float, ...] = (0.01, 0.1, 1.0),
                 epochs: int = EPOCHS, batch_size: int = 64, seed: int = 0) -> dict[tuple[str, float, float], GridRun]:
    """Train the ``SIZES`` (64-100-100-10) ReLU MLP with and without BN for every (learning rate, init std).

    Returns
    -------
    dict
        ``{(norm, lr, init_std): GridRun}`` with ``norm`` in ``("none", "bn")``. A diverged run
        (NaN or infinite loss) stops early and has test accuracy 0.
    """
    split = data.load_digits(seed=seed)
    runs = {}
    for norm in ("none", "bn"):
        for lr in lrs:
            for std in init_stds:
                net = nets.mlp(SIZES, None if norm == "none" else norm, init_std=std, seed=seed)
                with np.errstate(all="ignore"):  # a diverging run overflows on purpose
                    history = nets.train(net, split.X_train, split.y_train, epochs=epochs,
                                         batch_size=batch_size, lr=lr, seed=seed, progress=False)
                    acc = 0.0 if history.diverged else nets.accuracy(net, split.X_test, split.y_test)
                runs[(norm, lr, std)] = GridRun(np.asarray(history.step_loss), acc, history.diverged)
    return runs


def fold_bn_into_linear(W: np.ndarray, b: np.ndarray | None, bn: L.BatchNorm) -> tuple[np.ndarray, np.ndarray]:
    r"""Merge an eval-mode BatchNorm into the Linear layer before it: ``x @ W' + b'``.

    In inference BN is a fixed affine map per feature, :math:`y = s z + t` with
    :math:`s = \gamma / \sqrt{\sigma^2 + \epsilon}`, :math:`t = \beta - s \mu` and
    :math:`z = x W + b`, so :math:`W' = W \operatorname{diag}(s)`, :math:`b' = s b + t`, and the
    deployed network pays nothing for BN (:func:`bnbook.inference.fold_batch_norm`).

    Parameters
    ----------
    W : (in, out); b : (out,) or None; bn : BatchNorm(out) with its running statistics

    Returns
    -------
    W_folded : (in, out), b_folded : (out,)
    """
    return fold_batch_norm(W, b, bn.running_mean, bn.running_var, bn.gamma, bn.beta, bn.eps)


def bn_flop_share(sizes: tuple[int, ...] = SIZES, flops_per_value: int = FLOPS_PER_VALUE) -> float:
    """Extra arithmetic of BN after every hidden Linear layer, as a fraction of the Linear layers'.

    A Linear layer costs about ``2 * in * out`` operations per example (one multiply and one
    add per weight), BN about ``flops_per_value`` per output value in training (mean,
    centring, square, variance, scale, shift, and as much again in the backward; 10 is a
    round count). The share is small because it scales with ``out``, not ``in * out``; in
    practice BN costs more time than this, since each pass also reads and writes memory.
    """
    linear = sum(2 * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    bn = sum(flops_per_value * b for b in sizes[1:-1])
    return bn / linear
