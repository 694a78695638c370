"""Writes solutions/norm-variants/norm-variants.ipynb (run from anywhere)."""
from pathlib import Path

from nbtools import code, markdown, scratch, solution, test, write

A = "norm-variants"

cells = [
    markdown("intro", r"""
    # Exercise: layer, instance and group normalization / 练习：层归一化、实例归一化与组归一化

    **Goal.** Batch, layer, instance and group normalization are one operation: standardize with a
    mean and a biased variance, then scale by $\gamma$ and shift by $\beta$. They differ only in the
    axes the statistics are taken over. You write that operation once, `normalize(x, axes)`, build
    layer norm (Ba et al., 2016, [arXiv:1607.06450](https://arxiv.org/abs/1607.06450)), instance norm
    (Ulyanov et al., 2016, [arXiv:1607.08022](https://arxiv.org/abs/1607.08022)) and group norm
    (Wu & He, 2018, [arXiv:1803.08494](https://arxiv.org/abs/1803.08494)) on top of it, and then
    decide which normalization suits which model. 20 points in 5 parts.

    **目标**：批量归一化、层归一化、实例归一化和组归一化其实是同一个运算：先用均值和有偏方差做标准化，再乘以
    $\gamma$、加上 $\beta$。四者唯一的区别，是统计量沿哪些轴计算。本练习先把这个运算写成一个函数
    `normalize(x, axes)`，再在它的基础上搭出层归一化、实例归一化和组归一化，最后判断不同的模型该选哪一种
    归一化。共 5 个部分，满分 20 分。

    Use NumPy only. Run the test cell below each part to check your work; the grade comes from more
    checks on fresh random inputs of other shapes, axes and `eps`, so write code that works for any
    of them. Chapter 9 of the book ("The normalization family") covers everything you need.

    只用 NumPy 即可。每个部分下方的测试单元格可以用来自查；评分时还会换用新的随机输入、形状、轴和 `eps`
    做更多检查，所以代码要对这些情况都成立。所需的知识都在教材第 9 章"归一化家族"里。
    """),
    code("imports", """
    import numpy as np
    """),
    markdown("part1-text", r"""
    ## Part 1 (5 points): normalize over any axes / 第 1 部分（5 分）：沿任意轴归一化

    Write `normalize(x, axes, eps=1e-5)` for an array `x` of any number of dimensions and a tuple
    of axes, such as `(0,)`, `(1, 2)` or `(0, 2, 3)`. Every slice that the axes span gets its own
    mean and biased variance (divide by the number $m$ of values in the slice):

    $$\mu = \frac{1}{m}\sum x, \qquad \sigma^2 = \frac{1}{m}\sum (x-\mu)^2, \qquad
    \hat x = \frac{x-\mu}{\sqrt{\sigma^2+\epsilon}} .$$

    Return $\hat x$, with the shape of `x`. Hint: `x.mean(axis=axes, keepdims=True)` keeps the
    reduced axes with size 1, so the mean broadcasts back against `x`.

    编写 `normalize(x, axes, eps=1e-5)`：`x` 可以是任意维数的数组，`axes` 是一个由轴编号组成的元组，例如
    `(0,)`、`(1, 2)` 或 `(0, 2, 3)`。这些轴张成的每一个切片都用自己的均值和有偏方差（除以切片中数值的个数
    $m$）做标准化，公式如上。返回与 `x` 形状相同的 $\hat x$。提示：`x.mean(axis=axes, keepdims=True)`
    会把被归约的轴保留为长度 1，这样均值就能直接和 `x` 广播。
    """),
    solution("normalize", '''
    def normalize(x, axes, eps=1e-5):
        """Standardize x over `axes` (tuple of int): each slice gets mean 0 and biased variance ~1.

        x: array of any shape; returns x_hat, same shape as x.
        """
        ### BEGIN SOLUTION
        mu = x.mean(axis=axes, keepdims=True)                 # size 1 along `axes`
        var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)  # biased: divide by m
        return (x - mu) / np.sqrt(var + eps)
        ### END SOLUTION
    '''),
    test("test_normalize", 5, '''
    """Part 1: normalize standardizes every slice over the given axes, with the biased variance."""
    x_small = np.array([[1.0, 3.0], [5.0, 7.0]])
    rows = normalize(x_small, (1,), eps=0.0)
    cols = normalize(x_small, (0,), eps=0.0)
    everything = normalize(x_small, (0, 1), eps=0.0)
    print("over axis 1:", rows.tolist(), " expected: [[-1.0, 1.0], [-1.0, 1.0]]")
    print("over axis 0:", cols.tolist(), " expected: [[-1.0, -1.0], [1.0, 1.0]]")
    print("over both:  ", np.round(everything, 4).tolist(), " expected: (x - 4) / sqrt(5)")
    assert not np.allclose(everything, (x_small - 4.0) / np.sqrt(20.0 / 3.0)), "the variance divides by m - 1: divide by m"
    assert np.allclose(rows, [[-1.0, 1.0], [-1.0, 1.0]]) and np.allclose(cols, [[-1.0, -1.0], [1.0, 1.0]]), \
        "normalize(x, axes) should take the mean and variance over the given axes only"
    assert np.allclose(everything, (x_small - 4.0) / np.sqrt(5.0)), "over both axes: (x - 4) / sqrt(5)"
    tiny = normalize(np.array([[0.01, -0.01]]), (1,), eps=1e-4)   # variance 1e-4, as small as eps
    assert np.allclose(tiny, [[0.01, -0.01]] / np.sqrt(2e-4)), \
        "eps belongs inside the square root: (x - mean) / sqrt(var + eps), and use the eps argument"
    x_3d = np.random.default_rng(0).normal(3.0, 5.0, size=(4, 3, 5))
    x_hat = normalize(x_3d, (0, 2))
    print("shape:", np.shape(x_hat), " expected: (4, 3, 5)")
    print("means over axes (0, 2):", np.round(x_hat.mean(axis=(0, 2)), 6), " expected: ~0")
    print("variances over axes (0, 2):", np.round(x_hat.var(axis=(0, 2)), 4), " expected: ~1")
    assert np.shape(x_hat) == (4, 3, 5), "x_hat should have the shape of x"
    assert np.allclose(x_hat.mean(axis=(0, 2)), 0.0, atol=1e-7) and np.allclose(x_hat.var(axis=(0, 2)), 1.0, rtol=1e-3), \
        "over axes (0, 2) every slice x[:, j, :] should have mean 0 and variance 1: keepdims=True keeps them lined up"
    ''', A, "normalize", "normalize"),
    markdown("part2-text", r"""
    ## Part 2 (4 points): layer normalization / 第 2 部分（4 分）：层归一化

    Layer norm standardizes each example on its own, over **all its non-batch axes**: for `x` of
    shape `(N, D)` (a Transformer's token vectors) over axis 1, for `(N, C, H, W)` over `(1, 2, 3)`.
    Like `torch.nn.LayerNorm(x.shape[1:])`, it has one $\gamma$ and one $\beta$ per element of an
    example, so `gamma` and `beta` have the shape `x.shape[1:]`. Write
    `layer_norm(x, gamma, beta, eps=1e-5)` with your `normalize`; return `y`, the shape of `x`.

    层归一化对每个样本单独做标准化，统计量取遍该样本的**所有非批量轴**：`x` 的形状是 `(N, D)`（例如
    Transformer 里每个词元的特征向量）时沿轴 1，是 `(N, C, H, W)` 时沿 `(1, 2, 3)`。它与
    `torch.nn.LayerNorm(x.shape[1:])` 一样，样本里的每个元素都有自己的 $\gamma$ 和 $\beta$，所以 `gamma`、
    `beta` 的形状是 `x.shape[1:]`。请用你写好的 `normalize` 实现 `layer_norm(x, gamma, beta, eps=1e-5)`，
    返回与 `x` 形状相同的 `y`。
    """),
    solution("layer_norm", '''
    def layer_norm(x, gamma, beta, eps=1e-5):
        """Layer norm of x, shape (N, *features); gamma, beta of shape x.shape[1:]. Returns y, shape of x."""
        ### BEGIN SOLUTION
        x_hat = normalize(x, tuple(range(1, x.ndim)), eps)  # every axis but the batch axis
        return gamma * x_hat + beta                          # (*features) broadcasts against (N, *features)
        ### END SOLUTION
    '''),
    test("test_layer_norm", 4, '''
    """Part 2: layer_norm standardizes each example over all its non-batch axes, then gamma and beta."""
    print("(this part uses your normalize from part 1: it is checked with it, and graded with a correct one, "
          "so a mistake there costs points there only)")
    rng = np.random.default_rng(1)
    x_img = rng.normal(2.0, 3.0, size=(2, 3, 4, 4)) * rng.uniform(0.5, 5.0, size=(1, 3, 1, 4))
    gamma, beta = rng.normal(1.0, 0.3, size=(3, 4, 4)), rng.normal(size=(3, 4, 4))
    y = layer_norm(x_img, gamma, beta)
    print("shape:", np.shape(y), " expected: (2, 3, 4, 4)")
    assert np.shape(y) == (2, 3, 4, 4), "y should have the shape of x"
    # a loop over the examples: each one standardized over ALL its values, with your normalize
    expected = np.stack([gamma * normalize(example, (0, 1, 2), 1e-5) + beta for example in x_img])
    print("largest difference from a loop over examples:", np.abs(y - expected).max())
    assert not np.allclose(y, gamma * normalize(x_img, (3,), 1e-5) + beta), \
        "the statistics are over the last axis only: layer norm takes every axis but the batch axis, (1, 2, 3)"
    assert np.allclose(y, expected, rtol=1e-6, atol=1e-9), \
        "y differs from a loop over examples: normalize each example over all its axes, then gamma * x_hat + beta"
    tokens = rng.normal(size=(5, 8))                # 5 token vectors of width 8
    gamma, beta = rng.normal(size=8), rng.normal(size=8)
    expected = np.stack([gamma * normalize(t, (0,), 1e-5) + beta for t in tokens])
    y_tokens = layer_norm(tokens, gamma, beta)
    print("(N, D) tokens, largest difference from a loop over tokens:", np.abs(y_tokens - expected).max())
    assert np.allclose(y_tokens, expected, rtol=1e-6, atol=1e-9), "on (N, D) tokens: normalize each token over axis 1"
    ''', A, "layer_norm", "layer_norm"),
    markdown("part3-text", r"""
    ## Part 3 (3 points): instance normalization / 第 3 部分（3 分）：实例归一化

    Instance norm standardizes every feature map of every image on its own: for `x` of shape
    `(N, C, H, W)` the statistics are over the spatial axes `(2, 3)`, one mean and one variance per
    example **and** channel. `gamma` and `beta` have shape `(C,)`, one per channel, as in batch norm.
    Write `instance_norm(x, gamma, beta, eps=1e-5)` with your `normalize`.

    实例归一化对每张图片的每一张特征图单独做标准化：对形状为 `(N, C, H, W)` 的 `x`，统计量沿空间轴
    `(2, 3)` 计算，每个样本的每个通道各有一个均值和一个方差。`gamma` 和 `beta` 的形状是 `(C,)`，和批量归一化
    一样每个通道一个。请用 `normalize` 实现 `instance_norm(x, gamma, beta, eps=1e-5)`。
    """),
    solution("instance_norm", '''
    def instance_norm(x, gamma, beta, eps=1e-5):
        """Instance norm of x, shape (N, C, H, W); gamma, beta of shape (C,). Returns y, shape of x."""
        ### BEGIN SOLUTION
        x_hat = normalize(x, (2, 3), eps)  # one mean and variance per (example, channel)
        return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
        ### END SOLUTION
    '''),
    test("test_instance_norm", 3, '''
    """Part 3: instance_norm standardizes each (example, channel) map over (H, W), gamma and beta per channel."""
    print("(this part uses your normalize from part 1: it is checked with it, and graded with a correct one, "
          "so a mistake there costs points there only)")
    rng = np.random.default_rng(2)
    x_img = rng.normal(size=(3, 2, 5, 5)) * np.array([1.0, 20.0]).reshape(1, 2, 1, 1) + 4.0
    gamma, beta = np.array([1.0, 3.0]), np.array([0.0, -2.0])
    y = instance_norm(x_img, gamma, beta)
    print("shape:", np.shape(y), " expected: (3, 2, 5, 5)")
    print("mean of every map (a row per example), expected 0 in channel 0 and -2 in channel 1:")
    print(np.round(y.mean(axis=(2, 3)), 6))
    print("std of every map, expected ~1 in channel 0 and ~3 in channel 1:")
    print(np.round(y.std(axis=(2, 3)), 4))
    assert np.shape(y) == (3, 2, 5, 5), "y should have the shape of x"
    alone = instance_norm(x_img[:1], gamma, beta)
    print("the first image alone gives the same output:", np.allclose(alone, y[:1]))
    assert np.allclose(alone, y[:1]), "instance norm must not look at the other examples: no statistics over axis 0"
    # a loop over every (example, channel) map, each standardized over all its H x W values with your normalize
    expected = np.empty_like(x_img)
    for n in range(3):
        for c in range(2):
            expected[n, c] = gamma[c] * normalize(x_img[n, c], (0, 1), 1e-5) + beta[c]
    per_row = gamma.reshape(1, 2, 1, 1) * normalize(x_img, (3,), 1e-5) + beta.reshape(1, 2, 1, 1)
    assert not np.allclose(y, per_row), "the statistics are over W only (axis 3): take them over H and W, axes (2, 3)"
    assert np.allclose(y, expected, rtol=1e-6, atol=1e-9), \
        "y differs from a loop over the maps: one mean and variance per (example, channel), over axes (2, 3)"
    ''', A, "instance_norm", "instance_norm"),
    markdown("part4-text", r"""
    ## Part 4 (4 points): group normalization / 第 4 部分（4 分）：组归一化

    Group norm splits the `C` channels into `num_groups` groups of `C // num_groups`
    **consecutive** channels and standardizes each group of each example over its channels and
    positions; `gamma` and `beta` stay per channel, shape `(C,)`. Reshape `x` to
    `(N, G, C // G, H, W)`, normalize over the last three axes, reshape back, then scale and shift.
    Write `group_norm(x, num_groups, gamma, beta, eps=1e-5)`.

    组归一化把 `C` 个通道按顺序分成 `num_groups` 组，每组是 `C // num_groups` 个**相邻**的通道；每个样本的
    每一组在组内的通道和所有空间位置上做标准化。`gamma` 和 `beta` 仍然是每个通道一个，形状为 `(C,)`。做法是
    把 `x` 变形为 `(N, G, C // G, H, W)`，沿最后三个轴归一化，再变回原来的形状，最后缩放和平移。请实现
    `group_norm(x, num_groups, gamma, beta, eps=1e-5)`。

    Group norm contains the other two per-example methods: with `num_groups = 1` it is layer norm
    over `(C, H, W)` (with one $\gamma$ per channel instead of one per element), and with
    `num_groups = C` it is instance norm. The test checks both.

    组归一化把另外两种按样本计算的方法都包含在内：`num_groups = 1` 时，它就是沿 `(C, H, W)` 的层归一化
    （只不过 $\gamma$ 是每个通道一个，而不是每个元素一个）；`num_groups = C` 时，它就是实例归一化。测试会
    检查这两点。
    """),
    solution("group_norm", '''
    def group_norm(x, num_groups, gamma, beta, eps=1e-5):
        """Group norm of x, shape (N, C, H, W), in num_groups groups of consecutive channels;
        gamma, beta of shape (C,). Returns y, shape of x."""
        ### BEGIN SOLUTION
        N, C, H, W = x.shape
        if C % num_groups:
            raise ValueError(f"num_groups={num_groups} does not divide the {C} channels")
        x_groups = x.reshape(N, num_groups, C // num_groups, H, W)
        x_hat = normalize(x_groups, (2, 3, 4), eps).reshape(N, C, H, W)
        return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1)
        ### END SOLUTION
    '''),
    test("test_group_norm", 4, '''
    """Part 4: group_norm; one group is layer norm over (C, H, W), C groups are instance norm."""
    print("(this part uses your normalize from part 1: it is checked with it, and graded with a correct one, "
          "so a mistake there costs points there only)")
    rng = np.random.default_rng(3)
    x_img = rng.normal(size=(2, 6, 3, 3)) * rng.uniform(0.5, 5.0, size=(1, 6, 1, 1)) + 1.0
    gamma, beta = rng.normal(1.0, 0.3, size=6), rng.normal(size=6)
    g4, b4 = gamma.reshape(1, 6, 1, 1), beta.reshape(1, 6, 1, 1)

    def standardized(x, axes, eps=1e-5):  # your normalize from part 1, to compare with
        return normalize(x, axes, eps)

    one_group = group_norm(x_img, 1, gamma, beta)
    as_layer_norm = g4 * standardized(x_img, (1, 2, 3)) + b4
    print("G = 1 vs layer norm over (C, H, W), largest difference:", np.abs(one_group - as_layer_norm).max())
    assert np.allclose(one_group, as_layer_norm, rtol=1e-6, atol=1e-9), \
        "num_groups=1 should be layer norm over (C, H, W): is num_groups read as the group size?"
    six_groups = group_norm(x_img, 6, gamma, beta)
    as_instance_norm = g4 * standardized(x_img, (2, 3)) + b4
    print("G = C vs instance norm, largest difference:", np.abs(six_groups - as_instance_norm).max())
    assert np.allclose(six_groups, as_instance_norm, rtol=1e-6, atol=1e-9), \
        "num_groups=C should be instance norm: is num_groups read as the group size?"
    y = group_norm(x_img, 2, gamma, beta)
    expected = np.concatenate([g4[:, k:k + 3] * standardized(x_img[:, k:k + 3], (1, 2, 3)) + b4[:, k:k + 3]
                               for k in (0, 3)], axis=1)   # a loop over the 2 groups: channels 0-2, then 3-5
    print("G = 2, largest difference from a loop over the groups of consecutive channels:", np.abs(y - expected).max())
    assert np.allclose(y, expected, rtol=1e-6, atol=1e-9), \
        "a group is made of consecutive channels (0-2 and 3-5 here), not of every G-th channel"
    ''', A, "group_norm", "group_norm"),
    markdown("part5-text", r"""
    ## Part 5 (4 points): which normalization where? / 第 5 部分（4 分）：什么场景用哪种归一化？

    For each scenario below, choose the normalization the course recommends: `"batch"`, `"layer"`,
    `"instance"` or `"group"`. Fill in the dict `choices` in the cell below (replace every `None`,
    and delete the `raise NotImplementedError()` line). The visible test only checks that every
    scenario has one of the four words; whether they are right is checked at grading time.

    请为下面每个场景选出课程推荐的归一化方法：`"batch"`、`"layer"`、`"instance"` 或 `"group"`。在下方单元格
    的字典 `choices` 里填写答案（把每个 `None` 都换掉，并删去 `raise NotImplementedError()` 这一行）。
    可见的测试只检查每个场景是否都填了这四个词之一，答得对不对要到评分时才检查。

    | key / 键 | scenario | 场景 |
    | --- | --- | --- |
    | `transformer_lm` | a Transformer language model | Transformer 语言模型 |
    | `rnn_variable_length` | an LSTM over sentences of very different lengths | 处理长短差别很大的句子的 LSTM |
    | `online_batch_1` | a fully connected network updated online, one example at a time | 在线学习、每次只用一个样本更新的全连接网络 |
    | `style_transfer` | a feed-forward network for fast artistic style transfer | 快速艺术风格迁移的前馈网络 |
    | `detection_2_per_gpu` | object detection and segmentation on large images, 2 images per GPU | 大尺寸图像上的目标检测与分割，每块 GPU 只放得下 2 张图 |
    | `video_2_clips_per_gpu` | a 3D CNN for video classification, 2 clips per GPU | 视频分类的 3D 卷积网络，每块 GPU 只放得下 2 段视频 |
    | `imagenet_cnn_batch_256` | a ResNet image classifier on ImageNet with batches of 256 | 在 ImageNet 上以 256 为批量大小训练的 ResNet 图像分类器 |
    | `fold_into_conv` | a CNN for phones (batches of 128) whose normalization must become a fixed per-channel scale and shift, folded into the preceding convolution at deployment | 面向手机的卷积网络（批量大小 128），部署时归一化必须变成固定的逐通道缩放和平移，并合并进前面的卷积层 |
    """),
    solution("choices", '''
    # Replace each None with "batch", "layer", "instance" or "group".
    choices = {
        "transformer_lm": None,
        "rnn_variable_length": None,
        "online_batch_1": None,
        "style_transfer": None,
        "detection_2_per_gpu": None,
        "video_2_clips_per_gpu": None,
        "imagenet_cnn_batch_256": None,
        "fold_into_conv": None,
    }
    ### BEGIN SOLUTION
    choices = {
        "transformer_lm": "layer",            # per token, same in training and inference
        "rnn_variable_length": "layer",       # BN would need statistics per time step
        "online_batch_1": "layer",            # a batch of one has no batch statistics
        "style_transfer": "instance",         # removes each image's own contrast
        "detection_2_per_gpu": "group",       # too few images for reliable batch statistics
        "video_2_clips_per_gpu": "group",     # the same, for video
        "imagenet_cnn_batch_256": "batch",    # the default for CNNs with reasonable batches
        "fold_into_conv": "batch",            # fixed running statistics: an affine map per channel
    }
    ### END SOLUTION
    '''),
    test("test_choices", 4, '''
    """Part 5: every scenario has an answer, one of "batch", "layer", "instance", "group" (format only)."""
    scenarios = {"transformer_lm", "rnn_variable_length", "online_batch_1", "style_transfer",
                 "detection_2_per_gpu", "video_2_clips_per_gpu", "imagenet_cnn_batch_256", "fold_into_conv"}
    words = {"batch", "layer", "instance", "group"}
    unanswered = sorted(key for key in scenarios if choices.get(key) is None)
    if unanswered:
        raise NotImplementedError(f"no answer yet for {unanswered}")
    print("missing scenarios:", sorted(scenarios - set(choices)), " expected: []")
    print("unknown keys:", sorted(set(choices) - scenarios), " expected: []")
    assert set(choices) == scenarios, "keep exactly the keys of the template"
    odd = {key: answer for key, answer in choices.items() if str(answer).strip().lower() not in words}
    print("answers that are not one of the four words:", odd, " expected: {}")
    assert not odd, 'answer with "batch", "layer", "instance" or "group"'
    ''', A, "choices", "choices"),
    markdown("try-text", r"""
    ## Try it / 动手试试

    With two examples per batch, batch norm turns every feature into $-1$ or $+1$, while layer norm
    does not depend on the batch at all. Not graded. / 每个批量只有两个样本时，批量归一化会把每个特征都变成
    $-1$ 或 $+1$，而层归一化完全不受批量影响。这个单元格不计分。
    """),
    scratch("""
    rng = np.random.default_rng(4)
    pair = rng.normal(size=(2, 5))
    print("batch norm over axis 0:\\n", np.round(normalize(pair, (0,)), 3))
    ones, zeros = np.ones(5), np.zeros(5)
    alone, in_pair = layer_norm(pair[:1], ones, zeros), layer_norm(pair, ones, zeros)[:1]
    print("layer norm of the first example, alone and in the pair, agree:", np.allclose(alone, in_pair))
    """),
]

write(Path(__file__).resolve().parents[1] / A / f"{A}.ipynb", cells)
