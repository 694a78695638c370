"""Chapter 9 (The normalization family): which entries share statistics, batch-size sweeps, RNN steps.

* :func:`shared_statistics_mask` and :func:`normalize`: the four axis-based methods as one
  call, and which entries of an ``(N, C, H, W)`` tensor are pooled with a given one (the
  widget and the cube figure draw these).
* :func:`batch_size_sweep`: a small CNN or MLP on 8 x 8 digits with BN, GN or LN, trained
  at batch sizes 2 to 64 (the small-batch result of the GroupNorm paper, in miniature).
* :func:`train_rnn`: a tiny tanh RNN, trained with per-step BN or with LN on its recurrent
  pre-activations on short sequences, tested on longer ones (where per-step BN has no
  statistics of its own).
* :func:`batch_renorm_gap`: how far the training output of BN and of batch renorm is from
  the inference output, for small batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook import data, nets
from bnbook import layers as L
from bnbook import functional as F
from bnbook import inference as I
from bnbook import variants as V

__all__ = [
    "METHODS",
    "CNN_CHANNELS",
    "MLP_SIZES",
    "FULL_LR_BATCH",
    "stat_axes",
    "shared_statistics_mask",
    "normalize",
    "SweepResult",
    "batch_size_sweep",
    "running_sum_task",
    "rnn_init",
    "rnn_forward",
    "rnn_backward",
    "RNNTrainResult",
    "train_rnn",
    "batch_renorm_gap",
]

METHODS = ("bn", "ln", "in", "gn")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}.")


def stat_axes(method: str) -> tuple[int, ...]:
    """The axes of an ``(N, C, H, W)`` tensor that the mean and variance run over (GN: within a group)."""
    _check_method(method)
    return {"bn": (0, 2, 3), "ln": (1, 2, 3), "in": (2, 3), "gn": (1, 2, 3)}[method]


def shared_statistics_mask(shape: tuple[int, int, int, int], method: str, n: int, c: int,
                           num_groups: int = 2) -> np.ndarray:
    """Boolean mask of the entries pooled into one mean and variance with entry ``(n, c, :, :)``.

    Parameters
    ----------
    shape : (N, C, H, W)
    method : "bn", "ln", "in" or "gn"
    n, c : the sample and channel of the chosen entry
    num_groups : for "gn", the number of channel groups (must divide C)

    Returns
    -------
    mask : bool array of ``shape``
    """
    _check_method(method)
    N, C, H, W = shape
    if not (0 <= n < N and 0 <= c < C):
        raise ValueError(f"(n, c): expected 0 <= n < {N} and 0 <= c < {C}, got ({n}, {c}).")
    mask = np.zeros(shape, dtype=bool)
    if method == "bn":
        mask[:, c] = True
    elif method == "ln":
        mask[n] = True
    elif method == "in":
        mask[n, c] = True
    else:
        if C % num_groups:
            raise ValueError(f"num_groups: expected a divisor of C={C}, got {num_groups}.")
        size = C // num_groups
        first = (c // size) * size
        mask[n, first:first + size] = True
    return mask


def normalize(x: np.ndarray, method: str, num_groups: int = 2, eps: float = 1e-5) -> np.ndarray:
    """``x`` (N, C, H, W) normalized by ``method`` with gamma = 1, beta = 0, via :mod:`bnbook.functional`."""
    _check_method(method)
    C = x.shape[1]
    ones, zeros = np.ones(C), np.zeros(C)
    if method == "bn":
        return F.batch_norm_forward(x, ones, zeros, eps)[0]
    if method == "ln":
        return F.layer_norm_forward(x, np.ones(x.shape[1:]), np.zeros(x.shape[1:]), eps)[0]
    if method == "in":
        return F.instance_norm_forward(x, ones, zeros, eps)[0]
    return F.group_norm_forward(x, num_groups, ones, zeros, eps)[0]


# --------------------------------------------------------------------------------------
# Batch-size sweep
# --------------------------------------------------------------------------------------


CNN_CHANNELS = (4, 8)  # the sweep's small CNN: two 3 x 3 convolutions with these channels
MLP_SIZES = (64, 64, 64, 10)  # the sweep's MLP
FULL_LR_BATCH = 16  # below this batch size the sweep scales the learning rate down linearly


@dataclass
class SweepResult:
    """Final test accuracy ``accuracy[method][i]`` for ``batch_sizes[i]`` (eval mode), and the settings."""

    model: str
    batch_sizes: tuple[int, ...]
    accuracy: dict[str, list[float]]
    epochs: int = 0
    base_lr: float = 0.0


@cache
def batch_size_sweep(model: str = "cnn", methods: tuple[str, ...] = ("bn", "gn", "ln"),
                     batch_sizes: tuple[int, ...] = (2, 4, 8, 16, 32, 64), epochs: int = 2,
                     base_lr: float = 0.05, seed: int = 0) -> SweepResult:
    """Train one net per (method, batch size) on 8 x 8 digits and record its test accuracy.

    The learning rate follows the linear scaling rule below ``FULL_LR_BATCH`` = 16
    (``base_lr * b / 16``) and stays ``base_lr`` above, so a batch of 2 is not simply a too-large step. Every run sees
    the same number of epochs. The test accuracy is measured in eval mode, so BN uses its
    running statistics, estimated from batches of size ``b``.

    Parameters
    ----------
    model : "cnn" (``nets.small_cnn`` with ``CNN_CHANNELS`` = 4 and 8 channels, GN with 2
        groups; small to keep the page fast) or "mlp" (``MLP_SIZES`` = 64-64-64-10, GN with 4 groups)
    methods : subset of ("bn", "gn", "ln")
    batch_sizes, epochs, base_lr, seed

    Returns
    -------
    SweepResult
    """
    if model not in ("cnn", "mlp"):
        raise ValueError(f"model: expected 'cnn' or 'mlp', got {model!r}.")
    split = data.load_digits(seed=seed, images=model == "cnn")
    accuracy: dict[str, list[float]] = {}
    for method in methods:
        accuracy[method] = []
        for b in batch_sizes:
            if model == "cnn":
                net = nets.small_cnn(method, channels=CNN_CHANNELS, num_groups=2, seed=seed)
            else:
                net = nets.mlp(MLP_SIZES, method, seed=seed)
            nets.train(net, split.X_train, split.y_train, epochs=epochs, batch_size=b,
                       lr=base_lr * min(b, FULL_LR_BATCH) / FULL_LR_BATCH, momentum=0.9, seed=seed,
                       progress=False)
            accuracy[method].append(nets.accuracy(net, split.X_test, split.y_test))
    return SweepResult(model, tuple(batch_sizes), accuracy, epochs, base_lr)


# --------------------------------------------------------------------------------------
# A trained RNN with per-step BN or LN on its recurrent pre-activations
# --------------------------------------------------------------------------------------


def running_sum_task(rng: np.random.Generator, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of scalar inputs ``x_t ~ N(0, 1)``, labelled at every step by ``S_t > 0``.

    ``S_t = x_1 + ... + x_t`` is the running sum, so the net must integrate its input; the
    spread of ``S_t`` grows like ``sqrt(t)``, so the hidden state's distribution keeps
    changing with ``t`` (which is what per-step statistics are for).

    Returns
    -------
    x : (n, length, 1) float array
    y : (n, length) int array of 0/1
    """
    x = rng.normal(size=(n, length, 1))
    return x, (np.cumsum(x[..., 0], axis=1) > 0).astype(int)


def rnn_init(hidden: int = 16, inputs: int = 1, classes: int = 2, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Parameters of :math:`h_t = \tanh(\mathrm{norm}(x_t W_x + h_{t-1} W_h))`, logits ``h_t W_o + b_o``.

    gamma and beta of the norm are shared by all steps; gamma starts small (0.5), so tanh
    starts in its linear range, as Cooijmans et al. (2017) recommend for recurrent BN.
    """
    rng = np.random.default_rng(seed)
    return {"W_x": rng.normal(0.0, 1.0 / np.sqrt(inputs), (inputs, hidden)),
            "W_h": rng.normal(0.0, 0.5 / np.sqrt(hidden), (hidden, hidden)),
            "gamma": np.full(hidden, 0.5), "beta": np.zeros(hidden),
            "W_o": rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, classes)), "b_o": np.zeros(classes)}


def rnn_forward(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, norm: str,
                running: tuple[np.ndarray, np.ndarray] | None = None, training: bool = True,
                momentum: float = 0.1) -> tuple[float, np.ndarray, tuple]:
    """Run the RNN over ``x`` (N, T, D) and score every step against ``y`` (N, T).

    norm : "bn" (statistics per time step) or "ln" (per sequence, over the hidden units).
    running : for "bn", ``(mean, var)`` of shape (T_stats, H): updated in place when training
        (PyTorch's rule, unbiased variance), used when not; a step beyond ``T_stats`` uses the
        last step's statistics, as Cooijmans et al. (2017) do for longer test sequences.

    Returns
    -------
    loss : mean cross-entropy over steps and sequences
    correct : (T,) fraction of sequences classified correctly at each step
    cache : for :func:`rnn_backward`
    """
    if norm not in ("bn", "ln"):
        raise ValueError(f"norm: expected 'bn' or 'ln', got {norm!r}.")
    n, steps, _ = x.shape
    h = np.zeros((n, params["W_h"].shape[0]))
    hs, caches, dlogits = [h], [], []
    loss, correct = 0.0, np.zeros(steps)
    for t in range(steps):
        a = x[:, t] @ params["W_x"] + h @ params["W_h"]  # (N, H) pre-activation
        if norm == "ln":
            z, c = F.layer_norm_forward(a, params["gamma"], params["beta"])
        elif training:
            z, c = F.batch_norm_forward(a, params["gamma"], params["beta"])
            if running is not None:
                mean, var = running
                mean[t], var[t] = I.update_running_stats(mean[t], var[t], c.stats.mean[0],
                                                         I.unbiased_variance(c.stats.var[0], n), momentum)
        else:
            s = min(t, len(running[0]) - 1)
            z, c = I.batch_norm_inference(a, running[0][s], running[1][s], params["gamma"], params["beta"]), None
        h = np.tanh(z)
        logits = h @ params["W_o"] + params["b_o"]
        step_loss, dl = L.softmax_cross_entropy(logits, y[:, t])
        loss += step_loss / steps
        correct[t] = np.mean(logits.argmax(axis=1) == y[:, t])
        hs.append(h)
        caches.append(c)
        dlogits.append(dl / steps)
    return loss, correct, (norm, x, hs, caches, dlogits)


def rnn_backward(params: dict[str, np.ndarray], cache: tuple) -> dict[str, np.ndarray]:
    """Backpropagation through time for a training-mode :func:`rnn_forward`: one gradient per parameter.

    Each step's norm is differentiated by :mod:`bnbook.functional`'s analytic backward.
    """
    norm, x, hs, caches, dlogits = cache
    norm_backward = F.layer_norm_backward if norm == "ln" else F.batch_norm_backward
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(hs[0])  # gradient reaching h_t from step t + 1
    for t in reversed(range(len(caches))):
        h = hs[t + 1]
        grads["W_o"] += h.T @ dlogits[t]
        grads["b_o"] += dlogits[t].sum(axis=0)
        dz = (dlogits[t] @ params["W_o"].T + dh_next) * (1 - h**2)  # through tanh
        da, dgamma, dbeta = norm_backward(dz, caches[t])
        grads["gamma"] += dgamma
        grads["beta"] += dbeta
        grads["W_x"] += x[:, t].T @ da
        grads["W_h"] += hs[t].T @ da
        dh_next = da @ params["W_h"].T
    return grads


@dataclass(frozen=True)
class RNNTrainResult:
    """A trained RNN's per-step test accuracy (eval mode) on sequences longer than in training.

    accuracy : (test_length,) fraction correct at step t = 1 .. test_length (index t - 1), in
        eval mode (BN: the running statistics of each training step, the last one's beyond it)
    accuracy_test_stats : (test_length,) the same, but BN normalizes each step with the
        statistics of the whole test set at that step, which exist for every step (an oracle:
        a deployed model sees one sequence at a time); equal to ``accuracy`` for LN
    train_loss : (steps,) training loss at each update
    """

    norm: str
    batch_size: int
    train_length: int
    steps: int
    accuracy: np.ndarray
    accuracy_test_stats: np.ndarray
    train_loss: np.ndarray


@cache
def train_rnn(norm: str, batch_size: int = 16, train_length: int = 10, test_length: int = 30,
              steps: int = 500, hidden: int = 16, lr: float = 0.01, test_size: int = 2000,
              seed: int = 0) -> RNNTrainResult:
    """Train the RNN on :func:`running_sum_task` sequences of ``train_length``, test on ``test_length``.

    Adam (the usual betas) on fresh random sequences at every update; BN keeps running
    statistics for each of the ``train_length`` steps. The test set is the same for every
    call with the same seed, so results of different settings compare directly.
    """
    rng = np.random.default_rng(seed)
    params = rnn_init(hidden, seed=seed)
    running = (np.zeros((train_length, hidden)), np.ones((train_length, hidden)))
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    losses = np.empty(steps)
    for step in range(1, steps + 1):
        x, y = running_sum_task(rng, batch_size, train_length)
        losses[step - 1], _, cache = rnn_forward(params, x, y, norm, running)
        grads = rnn_backward(params, cache)
        for k, g in grads.items():
            m[k] = 0.9 * m[k] + 0.1 * g
            v[k] = 0.999 * v[k] + 0.001 * g**2
            params[k] -= lr * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
    x_test, y_test = running_sum_task(np.random.default_rng(seed + 1000), test_size, test_length)
    _, accuracy, _ = rnn_forward(params, x_test, y_test, norm, running, training=False)
    _, accuracy_test_stats, _ = rnn_forward(params, x_test, y_test, norm, running=None, training=True)
    return RNNTrainResult(norm, batch_size, train_length, steps, accuracy, accuracy_test_stats, losses)


# --------------------------------------------------------------------------------------
# Batch renormalization
# --------------------------------------------------------------------------------------


def batch_renorm_gap(batch_size: int, r_max: float = 3.0, d_max: float = 5.0, channels: int = 8,
                     trials: int = 200, seed: int = 0) -> tuple[float, float]:
    """Mean |y_train - y_inference| for batch norm and for batch renorm at one batch size.

    Activations are drawn from a fixed per-channel normal distribution whose mean and
    variance are the running statistics (as after long training). Batch norm's training
    output uses the mini-batch statistics and so differs from the inference output;
    batch renorm corrects it with ``r`` and ``d`` and differs only where they are clipped.

    Returns
    -------
    (bn_gap, renorm_gap) : floats
    """
    rng = np.random.default_rng(seed)
    mean = rng.normal(0.0, 2.0, size=channels)
    var = rng.uniform(0.5, 4.0, size=channels)
    gamma, beta = np.ones(channels), np.zeros(channels)
    bn_gap = renorm_gap = 0.0
    for _ in range(trials):
        x = rng.normal(mean, np.sqrt(var), size=(batch_size, channels))
        y_inf = I.batch_norm_inference(x, mean, var, gamma, beta)
        y_bn, _ = F.batch_norm_forward(x, gamma, beta)
        y_rn, _ = V.batch_renorm_forward(x, gamma, beta, mean, var, r_max, d_max)
        bn_gap += np.abs(y_bn - y_inf).mean() / trials
        renorm_gap += np.abs(y_rn - y_inf).mean() / trials
    return float(bn_gap), float(renorm_gap)
