"""Chapter 2 (``02_internal_covariate_shift``): how a hidden layer's inputs move during training.

A small sigmoid MLP is trained on the 8 x 8 digits with and without batch normalization
(after Figure 1 of Ioffe & Szegedy, 2015, there on MNIST; see :func:`record_training` for
what differs). Every few steps the
pre-activations (the inputs of each hidden layer's nonlinearity) on a fixed probe batch
are summarized: a histogram pooled over the layer's units, and the 15th, 50th and 85th
percentiles of every unit. The recording never changes the model: batch normalization
is evaluated with :func:`bnbook.functional.batch_norm_forward` on the probe batch, so the
running statistics are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook import functional as F
from bnbook import layers as L
from bnbook.data import load_digits
from bnbook.nets import mlp, train

__all__ = ["hidden_preactivations", "ShiftRecord", "record_training", "unit_drift",
           "ignore_normalization_demo", "batch_mean_error", "final_accuracy"]

PERCENTILES = (15.0, 50.0, 85.0)


def hidden_preactivations(model: L.Sequential, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The inputs of every hidden nonlinearity on the batch ``X``, without touching the model's state.

    Returns
    -------
    z : list of arrays (N, units)
        Each hidden ``Linear`` layer's output (the input of its BatchNorm, if any).
    pre : list of arrays (N, units)
        What enters the nonlinearity: ``z`` itself without BN, the BN output with it
        (computed with the statistics of ``X``, as BN does in training).
    """
    z_list, pre_list = [], []
    h = X
    for layer in model.layers:
        if isinstance(layer, L.Linear):
            z = h @ layer.W + (layer.b if layer.b is not None else 0.0)  # (N, units); no cache written
            h = z
        elif isinstance(layer, L.BatchNorm):
            h, _ = F.batch_norm_forward(h, layer.gamma, layer.beta, layer.eps)
        elif isinstance(layer, (L.Sigmoid, L.Tanh, L.ReLU)):
            z_list.append(z)
            pre_list.append(h)
            h = layer.forward(h)
        else:
            raise TypeError(f"hidden_preactivations: unexpected layer {layer!r}")
    return z_list, pre_list


@dataclass(frozen=True)
class ShiftRecord:
    """What :func:`record_training` saw, every ``steps[i]`` updates (step 0 = before training).

    Shapes: S snapshots, H hidden layers, U units per layer, B histogram bins.
    """

    steps: np.ndarray  # (S,)
    bin_edges: np.ndarray  # (B + 1,)
    hist: np.ndarray  # (S, H, B) density of the pre-activations, pooled over units and probe examples
    percentiles: np.ndarray  # (S, H, U, 3) 15th, 50th, 85th percentile of each unit's pre-activation
    z_percentiles: np.ndarray  # (S, H, U, 3) the same for the Linear outputs (BN inputs)
    mean: np.ndarray  # (S, H, U)
    std: np.ndarray  # (S, H, U)
    z_mean: np.ndarray  # (S, H, U)
    z_std: np.ndarray  # (S, H, U)
    step_loss: np.ndarray  # (steps,)
    test_accuracy: np.ndarray  # (epochs,)
    settings: dict  # the arguments of the run (hidden, epochs, lr, momentum, batch_size, every, ...)


@cache
def record_training(norm: str | None, hidden: tuple[int, ...] = (100, 100, 100), activation: str = "sigmoid",
                    epochs: int = 20, lr: float = 0.1, momentum: float = 0.9, batch_size: int = 64,
                    every: int = 5, probe_size: int = 256, init_std: float = 1.0, bins: int = 80,
                    hist_range: tuple[float, float] = (-16.0, 16.0), seed: int = 0) -> ShiftRecord:
    """Train ``mlp((64, *hidden, 10), norm, activation)`` on digits and record its pre-activations.

    The shape follows the BN paper's MNIST network (three fully connected hidden layers of
    100 sigmoid units), but not its initialization: the paper drew the weights from a Gaussian
    with a small standard deviation, while ``init_std=1`` here draws every initial weight from
    N(0, 1), with no fan-in scaling. The raw pre-activations then start wide and partly
    saturated, so the drift is visible within a few hundred steps on a small data set. The
    probe batch is the first ``probe_size`` test digits, the same for every snapshot.
    ``ShiftRecord.settings`` holds the arguments, for the chapter to quote. Cached: the
    widget and the chapter share one run per setting.
    """
    data = load_digits(seed=seed)
    probe = data.X_test[:probe_size]
    model = mlp((64, *hidden, 10), norm=norm, activation=activation, init_std=init_std, seed=seed)
    edges = np.linspace(*hist_range, bins + 1)
    snaps: dict[str, list] = {k: [] for k in ("steps", "hist", "pct", "zpct", "mean", "std", "zmean", "zstd")}

    def snapshot(step: int, net: L.Sequential) -> None:
        if step % every:
            return
        z_list, pre_list = hidden_preactivations(net, probe)
        pre = np.stack(pre_list)  # (H, N, U)
        z = np.stack(z_list)
        snaps["steps"].append(step)
        snaps["hist"].append(np.stack([np.histogram(p.ravel(), bins=edges, density=False)[0] for p in pre])
                             / (pre.shape[1] * pre.shape[2] * np.diff(edges)))  # density; mass outside is lost
        snaps["pct"].append(np.moveaxis(np.percentile(pre, PERCENTILES, axis=1), 0, -1))  # (H, U, 3)
        snaps["zpct"].append(np.moveaxis(np.percentile(z, PERCENTILES, axis=1), 0, -1))
        snaps["mean"].append(pre.mean(axis=1))
        snaps["std"].append(pre.std(axis=1))
        snaps["zmean"].append(z.mean(axis=1))
        snaps["zstd"].append(z.std(axis=1))

    snapshot(0, model)
    history = train(model, data.X_train, data.y_train, epochs=epochs, batch_size=batch_size, lr=lr,
                    momentum=momentum, seed=seed, X_test=data.X_test, y_test=data.y_test, on_step=snapshot,
                    progress=False)
    a = {k: np.array(v) for k, v in snaps.items()}
    settings = dict(hidden=hidden, activation=activation, epochs=epochs, lr=lr, momentum=momentum,
                    batch_size=batch_size, every=every, probe_size=probe_size, init_std=init_std, seed=seed)
    return ShiftRecord(a["steps"], edges, a["hist"], a["pct"], a["zpct"], a["mean"], a["std"],
                       a["zmean"], a["zstd"], np.array(history.step_loss), np.array(history.test_accuracy),
                       settings)


def unit_drift(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """How far each unit's mean moved from the first snapshot to the last, in its first std (H, U).

    ``|mean[-1] - mean[0]| / std[0]`` for arrays (S, H, U) of per-unit means and stds.
    """
    return np.abs(mean[-1] - mean[0]) / std[0]


def ignore_normalization_demo(steps: int = 50, lr: float = 0.5, n: int = 32, seed: int = 0,
                              through_mean: bool = False) -> dict[str, np.ndarray]:
    """Section 2 of the BN paper: centring that gradient descent does not know about.

    A layer computes ``x = u + b`` and its output is centred over the data set,
    ``x_hat = x - mean(x)``; the loss is ``mean((x_hat - target)^2) / 2``. If the gradient
    treats ``mean(x)`` as a constant (``through_mean=False``), the update of ``b`` is
    ``-lr * mean(x_hat - target)``; but adding any constant to ``b`` leaves ``x_hat`` unchanged,
    so the loss stays put while ``b`` keeps moving the same way every step. Taking the
    derivative through the mean (``through_mean=True``) gives exactly 0 for ``b``.

    Returns
    -------
    dict with ``b`` (steps + 1,) and ``loss`` (steps + 1,)
    """
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    target = rng.normal(size=n) + 1.0  # a target with a nonzero mean the centred output can never reach
    b = 0.0
    bs, losses = [b], []
    for step in range(steps + 1):
        x = u + b
        x_hat = x - x.mean()
        r = x_hat - target
        losses.append(0.5 * float(np.mean(r * r)))
        if step == steps:
            break
        dx_hat = r / n
        # d loss / d b: through x_hat = x - mean(x), d x_hat_i / d b = 1 - 1 = 0
        grad_b = 0.0 if through_mean else float(np.sum(dx_hat))
        b -= lr * grad_b
        bs.append(b)
    return {"b": np.array(bs), "loss": np.array(losses)}


def batch_mean_error(z: np.ndarray, batch_sizes: tuple[int, ...], draws: int = 400,
                     seed: int = 0) -> np.ndarray:
    """RMS error of a random mini-batch's per-unit mean against the full data's, in units of the std.

    ``z`` (N, U) are one layer's values on the whole training set. For each batch size m,
    ``draws`` batches are drawn without replacement; the result (len(batch_sizes),) is the
    root mean square over draws and units of ``(mean_batch - mean_all) / std_all``, which
    statistics predicts to be close to ``sqrt((N - m) / ((N - 1) m))``.
    """
    rng = np.random.default_rng(seed)
    mu, sd = z.mean(axis=0), z.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    out = []
    for m in batch_sizes:
        errs = [((z[rng.choice(len(z), size=m, replace=False)].mean(axis=0) - mu) / sd) for _ in range(draws)]
        out.append(float(np.sqrt(np.mean(np.square(errs)))))
    return np.array(out)


def final_accuracy(record: ShiftRecord) -> float:
    """Test accuracy after the last epoch of a recorded run."""
    return float(record.test_accuracy[-1])

