"""Experiments of chapter 8 (``08_why_bn_works``): why does BN help optimization?

Small-scale reproductions, on the 8 x 8 digits, of the evidence of Santurkar et al. (2018),
"How Does Batch Normalization Help Optimization?" (arXiv:1805.11604):

* :func:`noisy_bn_runs`: noise injected after BN, which shifts and rescales every
  activation differently at every step, hardly hurts training;
* :func:`gradient_probes`: along the gradient direction the loss changes less, the gradient
  stays more predictive and the "effective beta-smoothness" is lower with BN;
* :func:`loss_slice`: a 1-D or 2-D slice of the loss surface along filter-normalized random
  directions (Li et al. 2018, arXiv:1712.09913).

All functions are deterministic under their seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook import data as D
from bnbook import layers as L
from bnbook import nets

__all__ = [
    "NoisyShift",
    "noisy_bn_runs",
    "Probes",
    "gradient_probes",
    "filter_normalized_direction",
    "loss_slice",
    "weight_norm_growth",
]

SIZES = (64, 100, 100, 10)


@cache
def _digits() -> D.Split:
    return D.load_digits(seed=0)


# --------------------------------------------------------------------------------------
# (a) noise after BN
# --------------------------------------------------------------------------------------


class NoisyShift(L.Module):
    """Multiply each unit by a random scale and add a random shift, new at every training step.

    ``y = s * x + b`` with ``s ~ U(1, 1 + scale_noise)`` and ``b ~ U(-shift_noise, shift_noise)``
    drawn per unit at every forward pass in training mode (identity in eval mode): after a BN
    layer, the next layer then sees a distribution that moves at every step, the
    "internal covariate shift" BN is supposed to remove.
    """

    def __init__(self, num_features: int, scale_noise: float = 1.0, shift_noise: float = 1.0,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.num_features, self.scale_noise, self.shift_noise = num_features, scale_noise, shift_noise
        self.rng = rng if rng is not None else np.random.default_rng()
        self._scale = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training:
            self._scale = None
            return x
        self._scale = self.rng.uniform(1.0, 1.0 + self.scale_noise, size=self.num_features)
        shift = self.rng.uniform(-self.shift_noise, self.shift_noise, size=self.num_features)
        return x * self._scale + shift

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy if self._scale is None else dy * self._scale


def noisy_bn_mlp(scale_noise: float = 1.0, shift_noise: float = 1.0, seed: int = 0) -> L.Sequential:
    """``nets.mlp(SIZES, "bn")`` with a :class:`NoisyShift` right after each BN layer."""
    base = nets.mlp(SIZES, norm="bn", seed=seed)
    rng = np.random.default_rng(seed + 7)
    layers: list[L.Module] = []
    for layer in base.layers:
        layers.append(layer)
        if isinstance(layer, L.BatchNorm):
            layers.append(NoisyShift(layer.num_features, scale_noise, shift_noise, rng=rng))
    return L.Sequential(*layers)


@dataclass(frozen=True)
class NoisyRuns:
    """Per-epoch test accuracy and per-step loss of the three nets of experiment (a)."""

    names: tuple[str, ...]
    test_accuracy: dict[str, np.ndarray]
    step_loss: dict[str, np.ndarray]
    input_mean_drift: dict[str, float]


def noisy_bn_runs(epochs: int = 4, lr: float = 0.05, batch_size: int = 32, scale_noise: float = 1.0,
                  shift_noise: float = 1.0, seed: int = 0) -> NoisyRuns:
    """Train the plain MLP, the BN MLP and the BN MLP with noise after BN (Santurkar et al., fig. 2).

    ``input_mean_drift`` measures the distribution shift the second linear layer sees: the
    standard deviation, over training steps, of the mean of its input (averaged over units).
    It is largest for the noisy net, which should train worst if ICS were the problem.
    """
    split = _digits()
    models = {"plain": nets.mlp(SIZES, None, seed=seed), "bn": nets.mlp(SIZES, "bn", seed=seed),
              "bn_noise": noisy_bn_mlp(scale_noise, shift_noise, seed=seed)}
    acc, loss, drift = {}, {}, {}
    for name, model in models.items():
        second = next(i for i, m in enumerate(model.layers) if isinstance(m, L.Linear) and i > 0)
        means: list[np.ndarray] = []

        def record(step: int, model: L.Module, second=second, means=means) -> None:
            means.append(model.layers[second]._x.mean(axis=0))

        hist = nets.train(model, split.X_train, split.y_train, epochs=epochs, batch_size=batch_size, lr=lr,
                          momentum=0.9, seed=seed, X_test=split.X_test, y_test=split.y_test, on_step=record,
                          progress=False)
        acc[name] = np.asarray(hist.test_accuracy)
        loss[name] = np.asarray(hist.step_loss)
        drift[name] = float(np.mean(np.std(np.asarray(means), axis=0)))
    return NoisyRuns(tuple(models), acc, loss, drift)


# --------------------------------------------------------------------------------------
# (b), (c) the landscape along the gradient
# --------------------------------------------------------------------------------------


def _params(model: L.Module) -> list[np.ndarray]:
    return [getattr(layer, name) for layer, name in model.parameters()]


def _grads(model: L.Module) -> list[np.ndarray]:
    return [layer.grads[name].copy() for layer, name in model.parameters()]


def _loss_and_grad(model: L.Module, X: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    loss, dlogits = L.softmax_cross_entropy(model.forward(X), y)
    model.backward(dlogits)
    return loss, _grads(model)


def _bn_state(model: L.Module) -> list[tuple]:
    return [(m, m.running_mean.copy(), m.running_var.copy(), m.num_batches_tracked)
            for m in getattr(model, "layers", []) if isinstance(m, L.BatchNorm)]


def _restore_bn(state: list[tuple]) -> None:
    for m, mean, var, k in state:
        m.running_mean, m.running_var, m.num_batches_tracked = mean, var, k


@dataclass(frozen=True)
class Probes:
    """What :func:`gradient_probes` measured at each probed step of one training run.

    Attributes
    ----------
    steps : (S,) training step of each probe
    etas : (E,) step sizes tried along the gradient
    loss : (S, E) loss on the probe batch at ``w - eta * g``
    grad_change : (S, E) ``||grad(w - eta g) - grad(w)||``
    grad_norm : (S,) ``||g||``
    loss0 : (S,) loss at ``w``
    weight_norm : (S,) norm of the first layer's weights
    lr, batch_size, epochs : the training run's plain-SGD settings
    """

    steps: np.ndarray
    etas: np.ndarray
    loss: np.ndarray
    grad_change: np.ndarray
    grad_norm: np.ndarray
    loss0: np.ndarray
    weight_norm: np.ndarray
    lr: float = 0.0
    batch_size: int = 0
    epochs: int = 0

    @property
    def loss_range(self) -> np.ndarray:
        """(S,) max minus min of the loss over the step sizes: the "loss landscape" variation."""
        return self.loss.max(axis=1) - self.loss.min(axis=1)

    @property
    def smoothness(self) -> np.ndarray:
        """(S,) effective beta-smoothness: ``max_eta ||grad change|| / ||eta g||``."""
        return (self.grad_change / (self.etas[None, :] * self.grad_norm[:, None])).max(axis=1)

    @property
    def best_eta(self) -> np.ndarray:
        """(S,) the step size with the lowest loss along the gradient."""
        return self.etas[self.loss.argmin(axis=1)]


def probe_model(model: L.Module, X: np.ndarray, y: np.ndarray, etas: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Loss and gradient at ``w`` and at ``w - eta g`` for each eta, on the batch ``(X, y)``.

    The model's weights and running statistics are left as they were.

    Returns
    -------
    loss0 : float
    grad0 : list of arrays (the gradient at w)
    loss : (E,) array
    grad_change : (E,) array
    """
    state = _bn_state(model)
    loss0, g = _loss_and_grad(model, X, y)
    params = _params(model)
    saved = [p.copy() for p in params]
    losses, changes = [], []
    for eta in etas:
        for p, w, gi in zip(params, saved, g):
            p[...] = w - eta * gi
        loss_eta, g_eta = _loss_and_grad(model, X, y)
        losses.append(loss_eta)
        changes.append(np.sqrt(sum(float(np.sum((a - b) ** 2)) for a, b in zip(g_eta, g))))
    for p, w in zip(params, saved):
        p[...] = w
    _restore_bn(state)
    _loss_and_grad(model, X, y)  # the training step's own pass: gradients of w, one running-stat update
    return loss0, g, np.asarray(losses), np.asarray(changes)


def gradient_probes(norm: str | None, *, lr: float = 0.1, epochs: int = 2, batch_size: int = 64,
                    etas: Sequence[float] = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6), every: int = 4,
                    seed: int = 0) -> Probes:
    """Train the MLP with plain SGD and, every ``every`` steps, probe along the gradient.

    At a probed step with weights w and batch gradient g, measure the loss and the gradient at
    ``w - eta g`` for each eta (on the same batch), as Santurkar et al. do in their figure 4,
    then take the ordinary SGD step ``w - lr g``.
    """
    split = _digits()
    X, y = split.X_train, split.y_train
    model = nets.mlp(SIZES, norm=norm, seed=seed)
    optimizer = L.SGD(model, lr=lr, momentum=0.0)
    etas_arr = np.asarray(etas, dtype=float)
    rng = np.random.default_rng(seed)
    rec: dict[str, list] = {k: [] for k in ("steps", "loss", "change", "gnorm", "loss0", "wnorm")}
    step = 0
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for i in range(len(X) // batch_size):
            idx = order[i * batch_size:(i + 1) * batch_size]
            if step % every == 0:
                loss0, g, losses, changes = probe_model(model, X[idx], y[idx], etas_arr)
                rec["steps"].append(step)
                rec["loss"].append(losses)
                rec["change"].append(changes)
                rec["gnorm"].append(np.sqrt(sum(float(np.sum(a ** 2)) for a in g)))
                rec["loss0"].append(loss0)
                rec["wnorm"].append(float(np.linalg.norm(model.layers[0].W)))
            else:
                _loss_and_grad(model, X[idx], y[idx])
            optimizer.step()
            step += 1
    return Probes(np.asarray(rec["steps"]), etas_arr, np.asarray(rec["loss"]), np.asarray(rec["change"]),
                  np.asarray(rec["gnorm"]), np.asarray(rec["loss0"]), np.asarray(rec["wnorm"]),
                  lr, batch_size, epochs)


def cached_probes(norm: str | None, lr: float = 0.1, epochs: int = 2, seed: int = 0) -> Probes:
    """:func:`gradient_probes` with the chapter's settings, computed once per process.

    The page and the widget share the result, however they spell the arguments.
    """
    return _cached_probes(norm, float(lr), int(epochs), int(seed))


@cache
def _cached_probes(norm: str | None, lr: float, epochs: int, seed: int) -> Probes:
    return gradient_probes(norm, lr=lr, epochs=epochs, seed=seed)


# --------------------------------------------------------------------------------------
# scale invariance
# --------------------------------------------------------------------------------------


def weight_norm_growth(norms_sq: np.ndarray, lr: float, grad_norms: np.ndarray) -> np.ndarray:
    """Predicted ``||W_t||^2`` under plain SGD when the gradient is orthogonal to W.

    ``||W - lr g||^2 = ||W||^2 + lr^2 ||g||^2`` because ``W . g = 0`` for a scale-invariant
    loss; ``norms_sq[0]`` is the start, ``grad_norms`` the gradient norm at each step.
    """
    return norms_sq[0] + lr**2 * np.concatenate([[0.0], np.cumsum(grad_norms**2)])


# --------------------------------------------------------------------------------------
# slices of the loss surface
# --------------------------------------------------------------------------------------


def filter_normalized_direction(model: L.Module, rng: np.random.Generator) -> list[np.ndarray]:
    """A random direction in weight space, normalized filter by filter (Li et al. 2018).

    For each weight matrix (``Linear.W`` of shape (in, out)) each output unit's column
    ``d_j`` gets the norm of the corresponding weights ``w_j``. Biases and BN's gamma and beta
    get a zero direction. Returns one array per entry of ``model.parameters()``.
    """
    out = []
    for layer, name in model.parameters():
        p = getattr(layer, name)
        if isinstance(layer, L.Linear) and name == "W":
            d = rng.normal(size=p.shape)
            d *= np.linalg.norm(p, axis=0, keepdims=True) / np.linalg.norm(d, axis=0, keepdims=True)
        else:
            d = np.zeros_like(p)
        out.append(d)
    return out


def loss_slice(model: L.Module, X: np.ndarray, y: np.ndarray, alphas: np.ndarray,
               betas: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Loss of ``w + alpha d1 (+ beta d2)`` on ``(X, y)`` for filter-normalized random d1, d2.

    The model is evaluated in training mode, so a BN net normalizes with the statistics of
    ``X`` (one big batch), i.e. the loss that training sees; weights and running statistics
    are restored. Returns shape (A,) for a 1-D slice, (B, A) for a 2-D one.
    """
    rng = np.random.default_rng(seed)
    d1 = filter_normalized_direction(model, rng)
    d2 = filter_normalized_direction(model, rng) if betas is not None else None
    params = _params(model)
    saved = [p.copy() for p in params]
    state = _bn_state(model)
    was_training = model.training
    model.train()
    grid_b = [0.0] if betas is None else betas
    out = np.empty((len(grid_b), len(alphas)))
    with np.errstate(over="ignore"):
        for i, b in enumerate(grid_b):
            for j, a in enumerate(alphas):
                for k, p in enumerate(params):
                    p[...] = saved[k] + a * d1[k] + (b * d2[k] if d2 is not None else 0.0)
                out[i, j] = L.softmax_cross_entropy(model.forward(X), y)[0]
    for p, w in zip(params, saved):
        p[...] = w
    _restore_bn(state)
    if not was_training:
        model.eval()
    return out[0] if betas is None else out


@cache
def trained_pair(epochs: int = 5, lr: float = 0.1, seed: int = 0) -> dict[str | None, L.Sequential]:
    """The MLP trained with and without BN (same seed, same steps), for the loss slices."""
    split = _digits()
    out = {}
    for norm in (None, "bn"):
        model = nets.mlp(SIZES, norm=norm, seed=seed)
        nets.train(model, split.X_train, split.y_train, epochs=epochs, lr=lr, momentum=0.9, seed=seed,
                   progress=False)
        out[norm] = model
    return out
