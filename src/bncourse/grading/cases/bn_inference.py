"""Hidden checks of the ``bn-inference`` assignment (reference: ``bnbook.layers.BatchNorm`` and
``bnbook.inference``: the running update and folding).

The inputs are drawn so that each convention matters by far more than the tolerance: momentum is
never close to 0.5 (so its direction shows), batches are often tiny (so ``m / (m - 1)`` is far from
1), ``eps`` is often large (so its place shows), and the running statistics start from values that
only a correct initialization reproduces.
"""
from __future__ import annotations

import numpy as np

from . import Case


def _momentum(rng: np.random.Generator) -> float:
    """PyTorch momentum in [0.02, 0.4] or [0.6, 0.98]: the wrong direction is always far off."""
    u = float(rng.uniform(0.02, 0.4))
    return u if rng.random() < 0.5 else 1.0 - u


def _batch_size(rng: np.random.Generator) -> int:
    """Often 2 or 3 (where the unbiased correction doubles or adds half), sometimes up to 40."""
    return int(rng.integers(2, 4)) if rng.random() < 0.4 else int(rng.integers(2, 41))


def _features(rng: np.random.Generator, n: int, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    return rng.normal(size=(n, scale.size)) * scale + shift


# Part 1: update_running(running_mean, running_var, batch_mean, batch_var_biased, m, momentum)
#         -> (new running_mean, new running_var), PyTorch's convention, unbiased variance.
def _update_inputs(rng):
    d = int(rng.integers(1, 9))
    running_mean = rng.normal(size=d) * 3.0
    running_var = 10.0 ** rng.uniform(-1, 1, size=d)
    batch_mean = rng.uniform(-10, 10, size=d)
    batch_var = 10.0 ** rng.uniform(-1, 2, size=d)
    return running_mean, running_var, batch_mean, batch_var, _batch_size(rng), _momentum(rng)


def _update_reference(running_mean, running_var, batch_mean, batch_var_biased, m, momentum):
    from bnbook.inference import unbiased_variance, update_running_stats

    return update_running_stats(running_mean, running_var, batch_mean, unbiased_variance(batch_var_biased, m),
                                momentum)


# Parts 2 and 3: class BatchNorm1d(num_features, eps=1e-5, momentum=0.1) with attributes gamma, beta,
# running_mean, running_var; train() / eval() return self; forward(x) for x of shape (N, D).
def _layer_inputs(rng):
    """A few training batches whose statistics drift, stacked into one array with their sizes."""
    d = int(rng.integers(1, 7))
    k = int(rng.integers(1, 6))
    sizes = np.array([_batch_size(rng) for _ in range(k)], dtype=np.int64)
    scale = 10.0 ** rng.uniform(-1, 1, size=d)
    shift = rng.uniform(-5, 5, size=d)
    x_train = np.concatenate([_features(rng, int(n), scale, shift + rng.normal(size=d) * scale)
                              for n in sizes])
    use_defaults = int(rng.random() < 0.15)  # BatchNorm1d(d): eps=1e-5, momentum=0.1
    # otherwise never the defaults, so a layer that ignores its arguments fails
    eps, momentum = (1e-5, 0.1) if use_defaults else (float(10.0 ** rng.uniform(-4, -1)), _momentum(rng))
    set_params = int(rng.random() < 0.7)  # else gamma, beta stay what the constructor made
    gamma = rng.normal(1.0, 0.5, size=d) if set_params else np.ones(d)
    beta = rng.normal(0.0, 1.0, size=d) if set_params else np.zeros(d)
    return x_train, sizes, gamma, beta, eps, momentum, use_defaults, set_params


def _split(x_train, sizes):
    return np.split(x_train, np.cumsum(sizes)[:-1])


def _build(cls, gamma, beta, eps, momentum, use_defaults, set_params):
    d = gamma.shape[0]
    bn = cls(d) if use_defaults else cls(d, eps=eps, momentum=momentum)
    if set_params:
        bn.gamma, bn.beta = gamma.copy(), beta.copy()
    return bn


def _bnbook_layer(gamma, beta, eps, momentum):
    from bnbook.layers import BatchNorm

    bn = BatchNorm(gamma.shape[0], eps=eps, momentum=momentum)
    bn.gamma, bn.beta = gamma.copy(), beta.copy()
    return bn


def _switch(bn, method):
    returned = getattr(bn, method)()
    if returned is not bn:
        raise TypeError(f"{method}() should return self (the layer), got {type(returned).__name__}")


def _copy(a):
    return np.array(a, dtype=float, copy=True)


# Part 2: a new layer (training mode from the start) sees every training batch.
def _train_call(cls, x_train, sizes, gamma, beta, eps, momentum, use_defaults, set_params):
    bn = _build(cls, gamma, beta, eps, momentum, use_defaults, set_params)
    y = None
    for xb in _split(x_train, sizes):
        y = bn.forward(xb)
    running_mean, running_var = _copy(bn.running_mean), _copy(bn.running_var)
    _switch(bn, "train")
    return running_mean, running_var, y


def _train_reference(x_train, sizes, gamma, beta, eps, momentum, use_defaults, set_params):
    bn = _bnbook_layer(gamma, beta, eps, momentum)
    y = None
    for xb in _split(x_train, sizes):
        y = bn.forward(xb)
    return bn.running_mean, bn.running_var, y


# Part 3: after some training, the running statistics are set directly (so that this part does not
# depend on part 2's update), eval() on a test batch (often of one example), then train() again.
def _eval_inputs(rng):
    inputs = _layer_inputs(rng)
    d = inputs[2].size
    running_mean = rng.normal(size=d) * 3.0
    running_var = 10.0 ** rng.uniform(-1, 1, size=d)
    n_test = 1 if rng.random() < 0.4 else int(rng.integers(2, 21))
    x_test = rng.normal(size=(n_test, d)) * np.sqrt(running_var) * 2.0 + running_mean + rng.normal(size=d)
    return (*inputs, running_mean, running_var, x_test)


def _eval_call(cls, x_train, sizes, gamma, beta, eps, momentum, use_defaults, set_params,
               running_mean, running_var, x_test):
    bn = _build(cls, gamma, beta, eps, momentum, use_defaults, set_params)
    batches = _split(x_train, sizes)
    for xb in batches:
        bn.forward(xb)
    bn.running_mean, bn.running_var = running_mean.copy(), running_var.copy()
    _switch(bn, "eval")
    y_eval = _copy(bn.forward(x_test))
    mean_after, var_after = _copy(bn.running_mean), _copy(bn.running_var)
    _switch(bn, "train")
    return y_eval, mean_after, var_after, bn.forward(batches[-1])


def _eval_reference(x_train, sizes, gamma, beta, eps, momentum, use_defaults, set_params,
                    running_mean, running_var, x_test):
    bn = _bnbook_layer(gamma, beta, eps, momentum)
    batches = _split(x_train, sizes)
    for xb in batches:
        bn.forward(xb)
    bn.running_mean, bn.running_var = running_mean.copy(), running_var.copy()
    y_eval = bn.eval().forward(x_test)
    mean_after, var_after = bn.running_mean.copy(), bn.running_var.copy()
    return y_eval, mean_after, var_after, bn.train().forward(batches[-1])


# Part 4: fold_bn_into_linear(W, b, gamma, beta, running_mean, running_var, eps) -> (W_folded, b_folded).
def _fold_inputs(rng):
    n_in = int(rng.integers(1, 9))
    n_out = n_in if rng.random() < 0.3 else int(rng.integers(1, 9))  # square W: a wrong axis still fits
    W = rng.normal(size=(n_in, n_out))
    b = rng.normal(size=n_out) * 3.0
    gamma = rng.normal(1.0, 0.5, size=n_out)
    beta = rng.normal(size=n_out)
    running_mean = rng.normal(size=n_out) * 3.0
    running_var = 10.0 ** rng.uniform(-3, 1, size=n_out)
    eps = float(10.0 ** rng.uniform(-4, -1))
    return W, b, gamma, beta, running_mean, running_var, eps


def _fold_reference(W, b, gamma, beta, running_mean, running_var, eps):
    from bnbook.inference import fold_batch_norm

    return fold_batch_norm(W, b, running_mean, running_var, gamma, beta, eps)


CASES = {
    "update_running": Case(make_inputs=_update_inputs, reference=_update_reference,
                           outputs=("running_mean", "running_var"), rtol=1e-8, atol=1e-10, draws=6),
    "train_mode": Case(make_inputs=_layer_inputs, reference=_train_reference, call=_train_call,
                       outputs=("running_mean after the training batches",
                                "running_var after the training batches",
                                "y of the last training batch"),
                       rtol=1e-7, atol=1e-9, draws=8),
    "eval_mode": Case(make_inputs=_eval_inputs, reference=_eval_reference, call=_eval_call,
                      outputs=("y in eval mode", "running_mean after the eval-mode forward",
                               "running_var after the eval-mode forward",
                               "y after train() again"),
                      rtol=1e-7, atol=1e-9, draws=8),
    "fold": Case(make_inputs=_fold_inputs, reference=_fold_reference,
                 outputs=("W_folded", "b_folded"), rtol=1e-8, atol=1e-10, draws=5),
}
