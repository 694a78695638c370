"""Experiments of chapter 7 (``07_practice``): BN in practice, on the 8 x 8 digits.

Every function is deterministic under its seed and small enough for a page that executes
at build time (a few seconds each on two busy cores). They return plain dataclasses and
arrays; the chapter draws them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from bnbook import data as D
from bnbook import layers as L
from bnbook import nets

__all__ = [
    "SGD_MOMENTUM",
    "RunResult",
    "mlp_with_dropout",
    "run_mlp",
    "CNNRun",
    "train_cnn",
    "grid",
    "batch_size_sweep",
    "regularization",
    "bn_cost",
    "sample_batch_stats",
    "widget_population",
    "incomplete_last_batch",
]


SGD_MOMENTUM = 0.9  # every training run of the chapter: SGD with this momentum


@dataclass(frozen=True)
class RunResult:
    """One training run: final accuracies (eval mode), the loss per step, divergence."""

    train_accuracy: float
    test_accuracy: float
    step_loss: np.ndarray
    diverged: bool
    test_accuracy_per_epoch: np.ndarray  # eval mode, after each epoch


@cache
def _digits(images: bool = False, n_train: int | None = None) -> D.Split:
    split = D.load_digits(seed=0, images=images)
    if n_train is None:
        return split
    return D.Split(split.X_train[:n_train], split.y_train[:n_train], split.X_test, split.y_test)


def mlp_with_dropout(norm: str | None, p: float, sizes: Sequence[int] = (64, 100, 100, 10),
                     seed: int = 0) -> L.Sequential:
    """``Linear -> [BN] -> ReLU -> [Dropout(p)]`` per hidden layer, then a linear output.

    ``p = 0`` leaves dropout out, so ``mlp_with_dropout(norm, 0)`` is ``nets.mlp(sizes, norm)``.
    """
    rng = np.random.default_rng(seed)
    layers: list[L.Module] = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(L.Linear(fan_in, fan_out, bias=norm != "bn", rng=rng))
        if norm == "bn":
            layers.append(L.BatchNorm(fan_out))
        layers.append(L.ReLU())
        if p > 0:
            layers.append(L.Dropout(p, rng=np.random.default_rng(seed + 1000)))
    layers.append(L.Linear(sizes[-2], sizes[-1], rng=rng))
    return L.Sequential(*layers)


def _fit(model: L.Module, split: D.Split, *, epochs: int, batch_size: int, lr: float, seed: int) -> RunResult:
    # np.errstate: a diverging run overflows on purpose; History records it.
    with np.errstate(all="ignore"):
        hist = nets.train(model, split.X_train, split.y_train, epochs=epochs, batch_size=batch_size,
                          lr=lr, momentum=SGD_MOMENTUM, seed=seed, progress=False,
                          X_test=split.X_test, y_test=split.y_test)
        curve = np.asarray(hist.test_accuracy)
        if hist.diverged:
            return RunResult(float("nan"), float("nan"), np.asarray(hist.step_loss), True, curve)
        return RunResult(hist.train_accuracy[-1], hist.test_accuracy[-1], np.asarray(hist.step_loss), False, curve)


def run_mlp(norm: str | None = "bn", *, lr: float = 0.1, init_std: float | None = None,
            norm_position: str = "before", activation: str = "relu", batch_size: int = 32,
            epochs: int = 3, seed: int = 0) -> RunResult:
    """Train the 64-100-100-10 MLP of :func:`bnbook.nets.mlp` on the digits once."""
    model = nets.mlp((64, 100, 100, 10), norm=norm, activation=activation, init_std=init_std,
                     norm_position=norm_position, seed=seed)
    return _fit(model, _digits(), epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)


@dataclass(frozen=True)
class CNNRun:
    """A trained :func:`bnbook.nets.small_cnn` and its test accuracy (eval mode) after each epoch."""

    model: L.Sequential  # shared by the cache: copy it (copy.deepcopy) before a forward pass
    test_accuracy_per_epoch: np.ndarray  # (epochs,)
    diverged: bool


@cache
def train_cnn(norm: str | None = "bn", *, epochs: int = 3, batch_size: int = 32, lr: float = 0.1,
              seed: int = 0) -> CNNRun:
    """Train the small CNN of :mod:`bnbook.nets` (conv 3x3 with 8, then 16 channels) on the 8 x 8 digits.

    The same loop, optimizer (SGD with :data:`SGD_MOMENTUM`) and data as the MLP runs of this chapter
    and the CNN sweep of chapter 9; only the network differs. Cached.
    """
    model = nets.small_cnn(norm, seed=seed)
    res = _fit(model, _digits(images=True), epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    return CNNRun(model, res.test_accuracy_per_epoch, res.diverged)


def grid(param: str, values: Sequence[float], norms: Sequence[str | None] = (None, "bn"),
         seeds: Sequence[int] = (0,), **fixed) -> dict[str | None, np.ndarray]:
    """Test accuracy of :func:`run_mlp` for each ``norm`` and each value of ``param``.

    Returns ``{norm: array (len(values),)}``, the mean over ``seeds``; a diverged run
    counts as chance level (0.1), since its predictions are worthless.
    """
    out = {}
    for norm in norms:
        accs = []
        for v in values:
            runs = [run_mlp(norm, seed=s, **{param: v}, **fixed) for s in seeds]
            accs.append(np.mean([0.1 if r.diverged else r.test_accuracy for r in runs]))
        out[norm] = np.asarray(accs)
    return out


@dataclass(frozen=True)
class BatchSweep:
    """Accuracy against batch size, with and without BN, at a fixed number of epochs."""

    batch_sizes: np.ndarray
    test_accuracy: dict[str | None, np.ndarray]
    train_mode_gap: np.ndarray  # BN net: accuracy with batch statistics minus with running ones


def batch_size_sweep(batch_sizes: Sequence[int] = (2, 4, 8, 16, 32, 64, 128), epochs: int = 3,
                     lr: float = 0.02, n_train: int | None = None, seed: int = 0) -> BatchSweep:
    """Train the MLP with each batch size (same epochs and learning rate) with and without BN.

    ``train_mode_gap`` is, for the BN net, the test accuracy when each test batch of the same
    size is normalized with its own statistics (training mode) minus the eval-mode accuracy:
    it shows how far the running estimates sit from what the net saw in training.
    ``n_train`` keeps only the first training examples (fewer steps, a faster page).
    """
    split = _digits(n_train=n_train)
    acc: dict[str | None, list[float]] = {None: [], "bn": []}
    gap = []
    for b in batch_sizes:
        for norm in (None, "bn"):
            model = nets.mlp((64, 100, 100, 10), norm=norm, seed=seed)
            res = _fit(model, split, epochs=epochs, batch_size=b, lr=lr, seed=seed)
            acc[norm].append(res.test_accuracy)
            if norm == "bn":
                gap.append(_train_mode_accuracy(model, split.X_test, split.y_test, b) - res.test_accuracy)
    return BatchSweep(np.asarray(batch_sizes), {k: np.asarray(v) for k, v in acc.items()}, np.asarray(gap))


def _train_mode_accuracy(model: L.Module, X: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    """Accuracy with batch statistics of test batches of ``batch_size`` (running stats restored)."""
    saved = [(m.running_mean.copy(), m.running_var.copy(), m.num_batches_tracked)
             for m in model.layers if isinstance(m, L.BatchNorm)]
    model.train()
    n = len(X) - len(X) % batch_size  # whole batches only
    pred = np.concatenate([model.forward(X[i:i + batch_size]).argmax(1) for i in range(0, n, batch_size)])
    for m, (mean, var, k) in zip((m for m in model.layers if isinstance(m, L.BatchNorm)), saved):
        m.running_mean, m.running_var, m.num_batches_tracked = mean, var, k
    return float(np.mean(pred == y[:n]))


@dataclass(frozen=True)
class Regularization:
    """Train and test accuracy of the four nets (none, BN, dropout, BN + dropout)."""

    names: tuple[str, ...]
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        return self.train_accuracy - self.test_accuracy


def regularization(n_train: int = 300, epochs: int = 40, p: float = 0.3, lr: float = 0.05,
                   seeds: Sequence[int] = (0, 1)) -> Regularization:
    """Overfit a small training set (``n_train`` digits) with and without BN and dropout.

    Mean over ``seeds`` of the final train and test accuracy of each configuration.
    """
    split = _digits(n_train=n_train)
    configs = (("plain", None, 0.0), ("bn", "bn", 0.0), ("dropout", None, p), ("bn_dropout", "bn", p))
    tr, te = [], []
    for _, norm, drop in configs:
        runs = [_fit(mlp_with_dropout(norm, drop, seed=s), split, epochs=epochs, batch_size=32, lr=lr, seed=s)
                for s in seeds]
        tr.append(np.mean([r.train_accuracy for r in runs]))
        te.append(np.mean([r.test_accuracy for r in runs]))
    return Regularization(tuple(c[0] for c in configs), np.asarray(tr), np.asarray(te))


@dataclass(frozen=True)
class Cost:
    """Time of one forward + backward pass and the floats kept for backward, with and without BN."""

    seconds: dict[str, float]
    floats_kept: dict[str, int]

    @property
    def time_ratio(self) -> float:
        return self.seconds["bn"] / self.seconds["plain"]

    @property
    def memory_ratio(self) -> float:
        return self.floats_kept["bn"] / self.floats_kept["plain"]


def _floats_kept(model: L.Sequential) -> int:
    """Number of floats the layers hold after a forward pass to run backward later."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, L.Linear):
            total += layer._x.size
        elif isinstance(layer, L.ReLU):
            total += layer._mask.size
        elif isinstance(layer, L.BatchNorm):
            cache_ = layer._cache[1]
            total += cache_.x_hat.size + sum(np.size(s) for s in cache_.stats)
    return total


def bn_cost(width: int = 256, batch_size: int = 128, repeats: int = 30, seed: int = 0) -> Cost:
    """Time of forward + backward of a 64-width-width-10 MLP, with and without BN.

    The two nets are timed in alternation, on one BLAS thread, and the *fastest* of
    ``repeats`` passes is kept:
    on a shared machine other processes only ever add time, so the minimum is the most
    repeatable estimate of the cost itself (a median would mostly measure the load).
    The memory side counts the arrays each layer keeps for backward (inputs, masks,
    normalized activations and statistics), which is what a framework must store too.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch_size, 64))
    y = rng.integers(0, 10, size=batch_size)
    models = {"plain": nets.mlp((64, width, width, 10), norm=None, seed=seed),
              "bn": nets.mlp((64, width, width, 10), norm="bn", seed=seed)}
    times: dict[str, list[float]] = {name: [] for name in models}
    # one BLAS thread: a multi-threaded matmul on a loaded machine waits for its slowest thread
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(repeats):
            for name, model in models.items():
                t0 = time.perf_counter()
                loss, dlogits = L.softmax_cross_entropy(model.forward(X), y)
                model.backward(dlogits)
                times[name].append(time.perf_counter() - t0)
    return Cost({name: float(np.min(ts)) for name, ts in times.items()},
                {name: _floats_kept(model) for name, model in models.items()})


def sample_batch_stats(population: np.ndarray, batch_size: int, n_batches: int = 2000,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Means and biased variances of ``n_batches`` batches drawn without replacement.

    Parameters
    ----------
    population : array, shape (P,)
        The values of one feature over the whole training set.
    batch_size : int >= 1

    Returns
    -------
    mu_B, var_B : arrays, shape (n_batches,)
        What BN would compute on each batch (``var_B`` divides by the batch size).
    """
    if batch_size < 1 or batch_size > len(population):
        raise ValueError(f"batch_size: expected 1..{len(population)}, got {batch_size}.")
    idx = _orders(len(population), n_batches, seed)[:, :batch_size]
    batches = population[idx]  # (n_batches, batch_size)
    return batches.mean(axis=1), batches.var(axis=1)


@cache
def _orders(size: int, n_batches: int, seed: int) -> np.ndarray:
    """``n_batches`` random orders of ``range(size)``; the first m of a row are a batch of m.

    Drawn once and sliced for every batch size, so moving the widget's slider costs no sort.
    """
    rng = np.random.default_rng(seed)
    # argsort of uniform keys: n_batches independent draws without replacement at once
    return np.argsort(rng.random((n_batches, size)), axis=1)


@cache
def widget_population(unit: int = 0, seed: int = 0) -> np.ndarray:
    """The pre-activations of one hidden unit of a fresh MLP over the training digits.

    A real feature with a skewed distribution (not a Gaussian): the population that
    mini-batches sample in the batch-size widget of chapter 7.
    """
    split = _digits()
    first = nets.mlp((64, 100, 100, 10), norm=None, seed=seed)[0]
    return first.forward(split.X_train)[:, unit].copy()


def incomplete_last_batch(n: int, batch_size: int) -> list[int]:
    """The sizes of the batches of one epoch over ``n`` examples without dropping the last one."""
    if n < 1 or batch_size < 1:
        raise ValueError(f"n and batch_size: expected positive integers, got {n} and {batch_size}.")
    sizes = [batch_size] * (n // batch_size)
    if n % batch_size:
        sizes.append(n % batch_size)
    return sizes
