"""Hidden checks of the ``norm-variants`` assignment (reference: ``bnbook.functional``).

Parts 1-4 compare the student's normalizations with ``normalize_over_axes`` and the three named
wrappers on fresh shapes, axes, scales and ``eps``. Part 5 looks up the student's dict ``choices``
for every scenario, in a fresh random order, and compares with the answers the course teaches
(chapter 9, "Where each one is used").
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import Case
from .mistakes import normalize as _norm


def _x(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values with a scale and an offset that differ along axis 1 (channels), so normalizing over
    the wrong axes, or with the variance of the wrong slice, is far off."""
    c = shape[1]
    bshape = (1, c) + (1,) * (len(shape) - 2)
    scale = 10.0 ** rng.uniform(-1.5, 1.5, size=c)
    shift = rng.uniform(-20, 20, size=c)
    return rng.normal(size=shape) * scale.reshape(bshape) + shift.reshape(bshape)


def _eps(rng: np.random.Generator) -> float:
    """Large enough that eps outside the square root, or a hard-coded 1e-5, is off by far more
    than the tolerance (the smallest variances are about 1e-3)."""
    return float(10.0 ** rng.uniform(-4, -1))


def _params(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(1.0, 0.5, size=shape), rng.normal(0.0, 1.0, size=shape)


# Part 1: normalize(x, axes, eps) -> x_hat, over any axes of an array of 2 to 4 dimensions.
def _normalize_inputs(rng):
    ndim = int(rng.integers(2, 5))
    shape = tuple(int(n) for n in rng.integers(2, 6, size=ndim))
    while True:  # any non-empty set of axes, in any order; rarely a leading block such as (0, 1),
        # where statistics without keepdims happen to broadcast right
        axes = rng.permutation(ndim)[: int(rng.integers(1, ndim + 1))]
        if sorted(axes) != list(range(len(axes))) or rng.random() < 0.2:
            break
    return _x(rng, shape), axes.astype(np.int64), _eps(rng)


def _normalize_call(fn, x, axes, eps):
    return fn(x, tuple(int(a) for a in axes), eps)  # axes travel as an array; students get a tuple


def _normalize_reference(x, axes, eps):
    from bnbook.functional import normalize_over_axes

    x_hat, _ = normalize_over_axes(x, tuple(sorted(int(a) for a in axes)), eps=eps)
    return (x_hat,)


# Part 2: layer_norm(x, gamma, beta, eps) -> y; x of 2 to 4 dimensions, gamma/beta of x.shape[1:].
def _layer_inputs(rng):
    ndim = int(rng.choice([2, 3, 4], p=[0.2, 0.4, 0.4]))  # mostly >= 3: "last axis only" must fail
    shape = (int(rng.integers(2, 6)),) + tuple(int(n) for n in rng.integers(2, 6, size=ndim - 1))
    return (_x(rng, shape), *_params(rng, shape[1:]), _eps(rng))


def _layer_reference(x, gamma, beta, eps):
    from bnbook.functional import layer_norm_forward

    y, _ = layer_norm_forward(x, gamma, beta, eps=eps)
    return (y,)


# Part 3: instance_norm(x, gamma, beta, eps) -> y; x (N, C, H, W), gamma/beta (C,).
def _instance_inputs(rng):
    # N >= 2 and C >= 2, so batch norm's and layer norm's axes give other answers
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 7)), int(rng.integers(2, 7)))
    return (_x(rng, shape), *_params(rng, (shape[1],)), _eps(rng))


def _instance_reference(x, gamma, beta, eps):
    from bnbook.functional import instance_norm_forward

    y, _ = instance_norm_forward(x, gamma, beta, eps=eps)
    return (y,)


# Part 4: group_norm(x, num_groups, gamma, beta, eps) -> y; x (N, C, H, W), gamma/beta (C,).
def _group_inputs(rng):
    # 2 to 4 groups of 2 to 4 channels: never G = 1 (layer norm) nor G = C (instance norm), and
    # groups of consecutive channels differ from groups of every G-th channel; never as many groups
    # as channels per group, where reading num_groups as the group size gives the same groups
    groups = int(rng.integers(2, 5))
    per_group = int(rng.choice([k for k in (2, 3, 4) if k != groups]))
    shape = (int(rng.integers(1, 5)), groups * per_group, int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    return (_x(rng, shape), groups, *_params(rng, (shape[1],)), _eps(rng))


def _group_call(fn, x, num_groups, gamma, beta, eps):
    return fn(x, int(num_groups), gamma, beta, eps)


def _group_reference(x, num_groups, gamma, beta, eps):
    from bnbook.functional import group_norm_forward

    y, _ = group_norm_forward(x, int(num_groups), gamma, beta, eps=eps)
    return (y,)


# Part 5: the dict ``choices``: scenario key -> "batch", "layer", "instance" or "group".
WORDS = ("batch", "layer", "instance", "group")
ANSWERS = {
    "transformer_lm": "layer",           # per token, no batch statistics (Vaswani et al., 2017)
    "rnn_variable_length": "layer",      # per example at every step; BN needs per-step statistics
    "online_batch_1": "layer",           # a batch of one has no batch statistics; no channels to group
    "style_transfer": "instance",        # removes each image's own contrast (Ulyanov et al., 2016)
    "detection_2_per_gpu": "group",      # few images per device (Wu & He, 2018)
    "video_2_clips_per_gpu": "group",    # same, for video
    "imagenet_cnn_batch_256": "batch",   # the default for CNNs with reasonable batches
    "fold_into_conv": "batch",           # fixed statistics at inference: an affine map to fold
}


REASONS = {
    "transformer_lm": "per token, with no batch statistics to share between sequences (Vaswani et al., 2017)",
    "rnn_variable_length": "per example at every step; batch norm would need statistics per time step",
    "online_batch_1": "a batch of one has no batch statistics, and a vector has no channels to group",
    "style_transfer": "it removes each image's own contrast, the style to replace (Ulyanov et al., 2016)",
    "detection_2_per_gpu": ("two images per device are too few for batch statistics; groups do not need them "
                            "(Wu & He, 2018)"),
    "video_2_clips_per_gpu": "as for detection: too few clips per device for batch statistics",
    "imagenet_cnn_batch_256": "large batches give good statistics, and batch norm is the CNN default",
    "fold_into_conv": "fixed running statistics make it an affine map that folds into the convolution",
}


def _choices_explain(inputs, got):
    """One line per scenario: the student's answer, the course's, and why."""
    keys = [str(k) for k in inputs[0]]
    answers = [str(a) for a in np.asarray(got[0]).reshape(-1)] if got else []
    lines = []
    for key in sorted(keys):
        theirs = answers[keys.index(key)] if len(answers) == len(keys) else "?"
        mark = "right" if theirs == ANSWERS[key] else f"you chose {theirs!r}"
        lines.append(f"  {key}: {ANSWERS[key]} ({mark}): {REASONS[key]}")
    return "\n".join(lines)


def _choices_inputs(rng):
    """Every scenario, in a fresh order: a student's grade never depends on which were drawn."""
    return (rng.permutation(np.array(sorted(ANSWERS))),)


def _choices_call(choices, keys):
    if not isinstance(choices, Mapping):
        raise TypeError(f"pass the dict `choices` itself (scenario -> answer), got {type(choices).__name__}")
    answers = []
    for key in (str(k) for k in keys):
        if key not in choices:
            raise ValueError(f"choices has no answer for the scenario {key!r}: keep every key of the template")
        value = choices[key]
        word = value.strip().lower() if isinstance(value, str) else value
        if word not in WORDS:
            raise ValueError(f"choices[{key!r}] is {value!r}; answer with one of "
                             + ", ".join(repr(w) for w in WORDS))
        answers.append(word)
    return np.array(answers)


def _choices_reference(keys):
    return (np.array([ANSWERS[str(k)] for k in keys]),)


# The usual mistakes, in the student's signatures.
UNBIASED = "the variance divides by n - 1 (ddof=1) instead of n"
EPS_OUTSIDE = "eps is added outside the square root (std + eps) instead of inside sqrt(var + eps)"
FIXED_EPS = "eps is fixed at 1e-5 instead of the eps argument"


def _normalize_mistakes():
    return {
        UNBIASED: lambda x, axes, eps=1e-5: _norm(x, axes, eps, ddof=1),
        EPS_OUTSIDE: lambda x, axes, eps=1e-5: _norm(x, axes, eps, eps_outside=True),
        FIXED_EPS: lambda x, axes, eps=1e-5: _norm(x, axes, 1e-5),
        "the statistics are taken over every axis instead of the given axes":
            lambda x, axes, eps=1e-5: _norm(x, tuple(range(x.ndim)), eps),
        "the mean and variance lose their reduced axes (keepdims=True is missing), so they broadcast "
        "along the wrong axes": lambda x, axes, eps=1e-5: _norm(x, axes, eps, keepdims=False),
    }


def _layer(axes_of, **slip):
    def layer_norm(x, gamma, beta, eps=1e-5):
        return gamma * _norm(x, axes_of(x), eps, **slip) + beta
    return layer_norm


def _per_channel(axes, **slip):
    def instance_norm(x, gamma, beta, eps=1e-5):
        shape = (1, -1, 1, 1)
        return np.reshape(gamma, shape) * _norm(x, axes, eps, **slip) + np.reshape(beta, shape)
    return instance_norm


def _group(strided=False, groups_of=None, **slip):
    def group_norm(x, num_groups, gamma, beta, eps=1e-5):
        n, c, h, w = x.shape
        g = num_groups if groups_of is None else groups_of(c, num_groups)
        if strided:  # every G-th channel in one group
            xg = x.reshape(n, c // g, g, h, w)
            x_hat = _norm(xg, (1, 3, 4), eps, **slip).reshape(x.shape)
        else:
            x_hat = _norm(x.reshape(n, g, c // g, h, w), (2, 3, 4), eps, **slip).reshape(x.shape)
        return gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1)
    return group_norm


def _all(word):
    return {key: word for key in ANSWERS}


def _normalize(x, axes, eps=1e-5):
    """Part 1 done right, lent to parts 2-4 while they are checked."""
    return _norm(np.asarray(x, dtype=float), axes, eps)


_PART_1 = {"normalize": _normalize}
_ALL_FEATURES = lambda x: tuple(range(1, x.ndim))  # noqa: E731 - the course's layer-norm axes

CASES = {
    "normalize": Case(make_inputs=_normalize_inputs, reference=_normalize_reference, call=_normalize_call,
                      outputs=("x_hat",), rtol=1e-6, atol=1e-8, draws=8, mistakes=_normalize_mistakes()),
    "layer_norm": Case(make_inputs=_layer_inputs, reference=_layer_reference,
                       outputs=("y",), rtol=1e-6, atol=1e-8, draws=8, uses=_PART_1,
                       mistakes={"the statistics are taken over the last axis only instead of every axis "
                                 "but the batch axis 0": _layer(lambda x: (x.ndim - 1,)),
                                 "the statistics are taken over the batch (axis 0), as batch norm does, "
                                 "instead of per example": _layer(lambda x: (0,)),
                                 UNBIASED: _layer(_ALL_FEATURES, ddof=1),
                                 EPS_OUTSIDE: _layer(_ALL_FEATURES, eps_outside=True)}),
    "instance_norm": Case(make_inputs=_instance_inputs, reference=_instance_reference,
                          outputs=("y",), rtol=1e-6, atol=1e-8, draws=5, uses=_PART_1,
                          mistakes={"the statistics are taken over W only (axis 3) instead of H and W (axes 2, 3)":
                                    _per_channel((3,)),
                                    "the statistics are taken over the batch too, axes (0, 2, 3) (batch norm), "
                                    "instead of per image, axes (2, 3)": _per_channel((0, 2, 3)),
                                    "the statistics are taken over every channel, axes (1, 2, 3) (layer norm), "
                                    "instead of per channel, axes (2, 3)": _per_channel((1, 2, 3)),
                                    UNBIASED: _per_channel((2, 3), ddof=1),
                                    EPS_OUTSIDE: _per_channel((2, 3), eps_outside=True)}),
    "group_norm": Case(make_inputs=_group_inputs, reference=_group_reference, call=_group_call,
                       outputs=("y",), rtol=1e-6, atol=1e-8, draws=5, uses=_PART_1,
                       mistakes={"a group holds every G-th channel (strided) instead of C/G consecutive "
                                 "channels": _group(strided=True),
                                 "num_groups is read as the number of channels per group":
                                     _group(groups_of=lambda c, g: c // g),
                                 "one group per channel (instance norm) instead of num_groups groups":
                                     _group(groups_of=lambda c, g: c),
                                 "one group of every channel (layer norm) instead of num_groups groups":
                                     _group(groups_of=lambda c, g: 1),
                                 UNBIASED: _group(ddof=1), EPS_OUTSIDE: _group(eps_outside=True)}),
    "choices": Case(make_inputs=_choices_inputs, reference=_choices_reference, call=_choices_call,
                    outputs=("answers",), draws=2, explain=_choices_explain,
                    mistakes={"batch norm is chosen everywhere: look again at where a batch has too few "
                              "examples, or none to share": _all("batch"),
                              "layer norm is chosen everywhere: batch, instance and group norm each have "
                              "scenarios of their own": _all("layer")}),
}
