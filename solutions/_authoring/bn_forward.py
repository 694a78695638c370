"""Writes solutions/bn-forward/bn-forward.ipynb (run from anywhere)."""
from pathlib import Path

from nbtools import code, markdown, scratch, solution, test, write

A = "bn-forward"

cells = [
    markdown("intro", r"""
    # Exercise: the batch normalization forward pass / 练习：批量归一化的前向传播

    **Goal.** Implement the training-mode forward pass of batch normalization (Ioffe & Szegedy, 2015,
    [arXiv:1502.03167](https://arxiv.org/abs/1502.03167)) for fully connected inputs `(N, D)` and for
    images `(N, C, H, W)`, with the `eps` that keeps it stable. 20 points in 4 parts.

    **目标**：实现批量归一化（BN）在训练模式下的前向传播，既支持全连接层的输入 `(N, D)`，也支持图像输入
    `(N, C, H, W)`，并用 `eps` 保证数值稳定。共 4 个部分，满分 20 分。

    Use NumPy only. Run the test cell below each part to check your work; the grade comes from more
    checks on fresh random inputs of other shapes, so write code that works for any shape.

    只用 NumPy 即可。每个部分下方的测试单元格可以用来自查；评分时会在新生成的、形状不同的随机输入上做更多
    检查，所以代码要对任意形状都成立。
    """),
    code("imports", """
    import numpy as np
    """),
    markdown("part1-text", r"""
    ## Part 1 (4 points): mini-batch statistics / 第 1 部分（4 分）：小批量统计量

    For a mini-batch `x` of shape `(N, D)`, write `batch_stats(x)` returning `(mean, var)`, each of
    shape `(D,)`:

    $$\mu_j = \frac{1}{N}\sum_{i=1}^{N} x_{ij}, \qquad \sigma_j^2 = \frac{1}{N}\sum_{i=1}^{N}(x_{ij}-\mu_j)^2 .$$

    The variance divides by `N` (biased), as in the paper and in PyTorch's training mode.

    对形状为 `(N, D)` 的小批量 `x`，编写 `batch_stats(x)`，返回 `(mean, var)`，形状都是 `(D,)`，公式如上。
    方差除以 `N`（有偏估计），与论文以及 PyTorch 训练模式的做法相同。
    """),
    solution("batch_stats", '''
    def batch_stats(x):
        """Per-feature mean and biased variance of a mini-batch x of shape (N, D)."""
        ### BEGIN SOLUTION
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
        return mean, var
        ### END SOLUTION
    '''),
    test("test_batch_stats", 4, '''
    """Part 1: batch_stats gives the per-feature mean and biased variance."""
    x_small = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 8.0], [7.0, 4.0]])
    mean, var = batch_stats(x_small)
    print("mean:", mean, " expected: [4. 4.]")
    print("var: ", var, " expected: [5. 6.]")
    assert np.shape(mean) == (2,) and np.shape(var) == (2,), "mean and var should have shape (D,): reduce over axis 0"
    assert np.allclose(mean, [4.0, 4.0]), "the mean should be taken per feature, over the batch (axis 0)"
    assert not np.allclose(var, [20.0 / 3.0, 8.0]), "var divides by N - 1: divide by N (ddof=0)"
    assert np.allclose(var, [5.0, 6.0]), "var should be the mean of (x - mean) ** 2 over the batch (axis 0)"
    ''', A, "stats", "batch_stats"),
    markdown("part2-text", r"""
    ## Part 2 (5 points): forward pass for `(N, D)` / 第 2 部分（5 分）：`(N, D)` 输入的前向传播

    Write `batchnorm_forward(x, gamma, beta, eps=1e-5)` returning `y` (same shape as `x`):

    $$\hat x_{ij} = \frac{x_{ij}-\mu_j}{\sqrt{\sigma_j^2+\epsilon}}, \qquad y_{ij} = \gamma_j\,\hat x_{ij} + \beta_j ,$$

    with `gamma` and `beta` of shape `(D,)`. With `gamma = 1`, `beta = 0` every column of `y` has
    mean 0 and variance close to 1.

    编写 `batchnorm_forward(x, gamma, beta, eps=1e-5)`，按上式返回与 `x` 形状相同的 `y`，其中 `gamma`、`beta`
    的形状为 `(D,)`。当 `gamma = 1`、`beta = 0` 时，`y` 的每一列均值为 0、方差接近 1。
    """),
    markdown("part3-text", r"""
    ## Part 3 (6 points): images `(N, C, H, W)` / 第 3 部分（6 分）：图像输入 `(N, C, H, W)`

    In a convolutional network one channel shares one `gamma_c`, one `beta_c` and one pair of
    statistics, computed over the batch **and** all positions: the axes `(0, 2, 3)`, that is
    `m = N·H·W` values per channel. Make the **same** `batchnorm_forward` accept `x` of shape
    `(N, C, H, W)` with `gamma`, `beta` of shape `(C,)`. Hint: reduce over every axis except axis 1
    with `keepdims=True`, and reshape `gamma` to `(1, C, 1, 1)` so it broadcasts.

    在卷积网络里，同一个通道共用一个 `gamma_c`、一个 `beta_c` 和一组统计量，统计量在批量**和**所有空间位置上
    计算，即在轴 `(0, 2, 3)` 上，每个通道共 `m = N·H·W` 个值。请让**同一个** `batchnorm_forward` 也能处理
    形状为 `(N, C, H, W)` 的 `x`，此时 `gamma`、`beta` 的形状为 `(C,)`。提示：在除轴 1 以外的所有轴上求均值，
    并设 `keepdims=True`；再把 `gamma` 变形为 `(1, C, 1, 1)`，让它能广播。

    Write the function once, for both parts, in the cell below. / 两个部分共用下面这一个函数。
    """),
    solution("batchnorm_forward", '''
    def batchnorm_forward(x, gamma, beta, eps=1e-5):
        """Training-mode batch norm of x, shape (N, D) or (N, C, H, W); gamma, beta of shape (D,) or (C,)."""
        ### BEGIN SOLUTION
        axes = (0,) + tuple(range(2, x.ndim))          # every axis except the channel axis
        shape = (1, -1) + (1,) * (x.ndim - 2)          # (1, C) or (1, C, 1, 1)
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        x_hat = (x - mean) / np.sqrt(var + eps)
        return np.reshape(gamma, shape) * x_hat + np.reshape(beta, shape)
        ### END SOLUTION
    '''),
    test("test_forward_2d", 5, '''
    """Part 2: batchnorm_forward on (N, D): zero mean, unit variance, then gamma and beta."""
    rng = np.random.default_rng(0)
    x_small = rng.normal(3.0, 2.0, size=(8, 3))
    y = batchnorm_forward(x_small, np.ones(3), np.zeros(3))
    print("shape:", np.shape(y), " expected: (8, 3)")
    print("column means:", np.round(y.mean(axis=0), 6), " expected: ~0")
    print("column variances:", np.round(y.var(axis=0), 4), " expected: ~1")
    assert np.shape(y) == (8, 3), "y should have the shape of x"
    assert np.allclose(y.mean(axis=0), 0.0, atol=1e-7), "each column of y should have mean 0: normalize over axis 0"
    assert not np.allclose(y.var(axis=0), 7.0 / 8.0, rtol=1e-3), "the variance divides by N - 1: divide by N"
    assert np.allclose(y.var(axis=0), 1.0, rtol=1e-3), "each column of y should have variance 1: divide by sqrt(var + eps)"
    y2 = batchnorm_forward(x_small, np.array([2.0, 1.0, 0.5]), np.array([1.0, -1.0, 0.0]))
    print("with gamma=[2, 1, .5], beta=[1, -1, 0]: means", np.round(y2.mean(axis=0), 6),
          " stds", np.round(y2.std(axis=0), 4))
    assert np.allclose(y2.mean(axis=0), [1.0, -1.0, 0.0], atol=1e-7) and np.allclose(
        y2.std(axis=0), [2.0, 1.0, 0.5], rtol=1e-3), "y should be gamma * x_hat + beta, feature by feature"
    ''', A, "forward_2d", "batchnorm_forward"),
    test("test_forward_4d", 6, '''
    """Part 3: batchnorm_forward on (N, C, H, W) normalizes each channel over axes (0, 2, 3)."""
    rng = np.random.default_rng(1)
    x_img = rng.normal(size=(4, 2, 3, 3)) * np.array([1.0, 10.0]).reshape(1, 2, 1, 1) + 5.0
    y = batchnorm_forward(x_img, np.array([1.0, 3.0]), np.array([0.0, 2.0]))
    print("shape:", np.shape(y), " expected: (4, 2, 3, 3)")
    print("per-channel means:", np.round(y.mean(axis=(0, 2, 3)), 6), " expected: [0. 2.]")
    print("per-channel stds: ", np.round(y.std(axis=(0, 2, 3)), 4), " expected: ~[1. 3.]")
    assert np.shape(y) == (4, 2, 3, 3), "y should have the shape of x"
    # the same thing written as a loop over channels: one mean and one variance per channel,
    # over the batch AND every position
    expected = np.empty_like(x_img)
    for c, (g, b) in enumerate(zip([1.0, 3.0], [0.0, 2.0])):
        values = x_img[:, c]
        expected[:, c] = g * (values - values.mean()) / np.sqrt(values.var() + 1e-5) + b
    per_position = (x_img - x_img.mean(axis=0)) / np.sqrt(x_img.var(axis=0) + 1e-5)
    assert not np.allclose(y, per_position * np.array([1.0, 3.0]).reshape(1, 2, 1, 1)
                           + np.array([0.0, 2.0]).reshape(1, 2, 1, 1)), \
        "the statistics are per channel AND position (axis 0 only): reduce over axes (0, 2, 3)"
    assert np.allclose(y, expected, rtol=1e-6, atol=1e-9), \
        "y differs from the per-channel loop: one mean and variance per channel, over axes (0, 2, 3)"
    ''', A, "forward_4d", "batchnorm_forward"),
    markdown("part4-text", r"""
    ## Part 4 (5 points): what `eps` is for / 第 4 部分（5 分）：`eps` 的作用

    When a channel is (almost) constant in a mini-batch, its variance is (almost) 0 and the division
    blows up. `eps` goes **inside** the square root, $\sqrt{\sigma^2 + \epsilon}$, so a constant
    channel gives $\hat x = 0$ and $y = \beta$. No new code is needed if your function already uses
    `eps` correctly: this test checks it on nearly constant data, where the place of `eps` matters.

    当某个通道在一个小批量里（几乎）是常数时，它的方差（几乎）为 0，除法就会失控。`eps` 要放在平方根**里面**，
    即 $\sqrt{\sigma^2 + \epsilon}$，这样常数通道得到 $\hat x = 0$、$y = \beta$。如果你的函数已经正确使用了
    `eps`，这里不用写新代码：这个测试在几乎为常数的数据上检查它，此时 `eps` 放在哪里会明显影响结果。
    """),
    test("test_epsilon", 5, '''
    """Part 4: eps sits inside the square root; a constant channel comes out as beta."""
    x_flat = np.array([[2.0, 1.000], [2.0, 1.001], [2.0, 0.999], [2.0, 1.000]])
    y = batchnorm_forward(x_flat, np.array([1.0, 1.0]), np.array([0.5, 0.0]), eps=1e-2)
    expected = (x_flat - x_flat.mean(axis=0)) / np.sqrt(x_flat.var(axis=0) + 1e-2) + np.array([0.5, 0.0])
    print("y:\\n", y)
    print("expected:\\n", expected)
    assert np.all(np.isfinite(y)), "a constant channel gives nan or inf: add eps to var before the square root"
    assert np.allclose(y[:, 0], 0.5), "a constant channel should come out as beta"
    assert np.allclose(y, expected, rtol=1e-6, atol=1e-9), \
        "eps belongs inside the square root: (x - mean) / sqrt(var + eps), and use the eps argument"
    ''', A, "epsilon", "batchnorm_forward"),
    markdown("try-text", r"""
    ## Try it / 动手试试

    Scale one feature by 1000: after batch normalization the output does not change (up to `eps`).
    Not graded. / 把某个特征放大 1000 倍：经过批量归一化后输出几乎不变（只差 `eps` 的影响）。这个单元格不计分。
    """),
    scratch("""
    rng = np.random.default_rng(2)
    x_try = rng.normal(size=(16, 3))
    scaled = x_try * np.array([1.0, 1000.0, 1.0])
    difference = batchnorm_forward(scaled, np.ones(3), np.zeros(3)) - batchnorm_forward(x_try, np.ones(3), np.zeros(3))
    print("largest change per feature:", np.abs(difference).max(axis=0))
    """),
]

write(Path(__file__).resolve().parents[1] / A / f"{A}.ipynb", cells)
