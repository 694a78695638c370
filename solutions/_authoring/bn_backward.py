"""Writes solutions/bn-backward/bn-backward.ipynb (run from anywhere)."""
from pathlib import Path

from nbtools import code, markdown, scratch, solution, test, write

A = "bn-backward"

cells = [
    markdown("intro", r"""
    # Exercise: the batch normalization backward pass / 练习：批量归一化的反向传播

    **Goal.** Derive and implement the analytic backward pass of batch normalization in training mode
    (Ioffe & Szegedy, 2015, section 3, [arXiv:1502.03167](https://arxiv.org/abs/1502.03167); chapter 5
    of the book): the gradients of $\gamma$ and $\beta$, the gradient of $x$ one node of the
    computational graph at a time, a finite-difference checker that confirms it, and the compact
    formula that does it all in one line, for `(N, D)` and `(N, C, H, W)` inputs. 20 points in 4 parts.

    **目标**：推导并实现批量归一化（BN）在训练模式下的解析反向传播（参见 Ioffe & Szegedy, 2015 第 3 节，
    [arXiv:1502.03167](https://arxiv.org/abs/1502.03167)，以及本书第 5 章）。依次完成：$\gamma$ 和 $\beta$
    的梯度；沿着计算图逐个节点求出 $x$ 的梯度；写一个有限差分检验器来核对它；最后用一行紧凑公式算出全部梯度，
    并让它同时支持 `(N, D)` 和 `(N, C, H, W)` 输入。共 4 个部分，满分 20 分。

    Throughout, `dy` is the upstream gradient $\partial L/\partial y$, shaped like `y`, and every
    gradient has the shape of what it is the gradient of: `dx` like `x`, `dgamma` and `dbeta` like
    `gamma`. Use NumPy only. The test cell under each part prints what it expected and what it got;
    the grade comes from more checks on fresh random inputs of other shapes, with random upstream
    gradients and values of `eps` other than the default, so use the `eps` you are given.

    下文中 `dy` 一律表示上游梯度 $\partial L/\partial y$，形状与 `y` 相同；每个梯度都和它对应的量形状一致：
    `dx` 与 `x` 相同，`dgamma`、`dbeta` 与 `gamma` 相同。只用 NumPy 即可。每个部分下方的测试单元格会打印期望值
    和你的结果；评分时还会在新生成的、形状不同的随机输入上做更多检查，上游梯度是随机的，`eps` 也不一定取默认值，
    所以请始终使用传进来的 `eps`。
    """),
    code("imports", '''
    import numpy as np


    def batchnorm_forward(x, gamma, beta, eps=1e-5):
        """Training-mode batch norm (exercise bn-forward), given here to build test functions.

        x: (N, D) or (N, C, H, W); gamma, beta: (D,) or (C,). Returns y, shaped like x.
        """
        axes = (0,) + tuple(range(2, x.ndim))          # every axis except the channel axis
        shape = (1, -1) + (1,) * (x.ndim - 2)          # (1, C) or (1, C, 1, 1)
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        x_hat = (x - mean) / np.sqrt(var + eps)
        return np.reshape(gamma, shape) * x_hat + np.reshape(beta, shape)
    '''),
    markdown("part1-text", r"""
    ## Part 1 (4 points): the gradients of $\gamma$ and $\beta$ / 第 1 部分（4 分）：$\gamma$ 和 $\beta$ 的梯度

    For `(N, D)` inputs, $y_{ij} = \gamma_j \hat x_{ij} + \beta_j$. Each $\gamma_j$ and $\beta_j$ is
    used by all $N$ examples of the batch, so the chain rule adds up their contributions:

    $$\frac{\partial L}{\partial \beta_j} = \sum_{i=1}^{N} dy_{ij}, \qquad
    \frac{\partial L}{\partial \gamma_j} = \sum_{i=1}^{N} dy_{ij}\,\hat x_{ij} .$$

    Write `batchnorm_param_grads(dy, x_hat)` returning `(dgamma, dbeta)`, each of shape `(D,)`.

    对 `(N, D)` 输入，$y_{ij} = \gamma_j \hat x_{ij} + \beta_j$。每个 $\gamma_j$、$\beta_j$ 都被这一批的全部 $N$
    个样本用到，链式法则会把这些贡献全部加起来，于是得到上面的两个求和。请编写 `batchnorm_param_grads(dy, x_hat)`，
    返回 `(dgamma, dbeta)`，两者的形状都是 `(D,)`。
    """),
    solution("batchnorm_param_grads", '''
    def batchnorm_param_grads(dy, x_hat):
        """dgamma and dbeta, each (D,), from the upstream gradient dy and the normalized input x_hat, both (N, D)."""
        ### BEGIN SOLUTION
        dgamma = (dy * x_hat).sum(axis=0)
        dbeta = dy.sum(axis=0)
        return dgamma, dbeta
        ### END SOLUTION
    '''),
    test("test_param_grads", 4, '''
    """Part 1: dgamma and dbeta are sums over the batch axis."""
    dy_small = np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, -1.0]])
    x_hat_small = np.array([[1.0, -1.2], [0.0, 0.0], [-1.0, 1.2]])
    dgamma, dbeta = batchnorm_param_grads(dy_small, x_hat_small)
    print("dgamma:", dgamma, " expected: [-2.  -3.6]")
    print("dbeta: ", dbeta, " expected: [3.  1.5]")
    assert np.shape(dgamma) == (2,) and np.shape(dbeta) == (2,), "dgamma and dbeta should have shape (D,)"
    np.testing.assert_allclose(dgamma, [-2.0, -3.6], err_msg="dgamma = sum over the batch of dy * x_hat")
    np.testing.assert_allclose(dbeta, [3.0, 1.5], err_msg="dbeta = sum over the batch of dy (a sum, not a mean)")
    ''', A, "param_grads", "batchnorm_param_grads"),
    markdown("part2-text", r"""
    ## Part 2 (6 points): $dx$ through the computational graph / 第 2 部分（6 分）：沿计算图求 $dx$

    The forward pass, one node at a time (all per feature $j$; $N$ is the batch size):

    $$\mu = \frac1N\sum_i x_i, \quad \sigma^2 = \frac1N\sum_i (x_i-\mu)^2, \quad
    s = \frac{1}{\sqrt{\sigma^2+\epsilon}}, \quad \hat x_i = (x_i-\mu)\,s, \quad y_i = \gamma\hat x_i + \beta .$$

    Walk back from $y$ to $x$, one node at a time, with the chain rule. Derive, on paper first:

    1. $\partial L/\partial \hat x_i$ from $y_i = \gamma\hat x_i + \beta$;
    2. $\partial L/\partial \sigma^2$: $\sigma^2$ reaches every $\hat x_j$ through $s = (\sigma^2+\epsilon)^{-1/2}$;
    3. $\partial L/\partial \mu$: $\mu$ reaches every $\hat x_j$ directly, and $\sigma^2$ too (show that this
       second path adds nothing: what is $\sum_j (x_j-\mu)$?);
    4. $\partial L/\partial x_i$, the sum of three paths: directly through its own $\hat x_i$, through $\mu$
       (which depends on $x_i$ with weight $1/N$) and through $\sigma^2$ (differentiate
       $\frac1N\sum_j (x_j-\mu)^2$ with respect to $x_i$).

    Your Part 3 checker will tell you whether the result is right.

    Complete `batchnorm_backward(dy, x, gamma, eps=1e-5)` for `(N, D)` inputs: it recomputes the
    forward pass (given) and returns `(dx, dgamma, dbeta)`. Name each gradient after its node
    (`dx_hat`, `dvar`, `dmu`) and write one line per node. Forgetting the paths through $\mu$ and
    $\sigma^2$ gives the "naive" gradient $\gamma\, s\, dy$, which is only right when the statistics are
    fixed (inference), not in training.

    前向计算按节点拆开如上式（都按特征 $j$ 分别计算，$N$ 是批量大小）。现在用链式法则从 $y$ 一个节点一个节点地
    倒着走回 $x$。请先在纸上推导：(1) 由 $y_i = \gamma\hat x_i + \beta$ 求 $\partial L/\partial \hat x_i$；
    (2) $\partial L/\partial \sigma^2$：$\sigma^2$ 经过 $s = (\sigma^2+\epsilon)^{-1/2}$ 影响每个 $\hat x_j$；
    (3) $\partial L/\partial \mu$：$\mu$ 直接影响每个 $\hat x_j$，也经过 $\sigma^2$ 影响它们（说明第二条路径的贡献为零：
    $\sum_j (x_j-\mu)$ 等于多少？）；(4) $\partial L/\partial x_i$ 是三条路径之和：直接经过它自己的 $\hat x_i$，
    经过 $\mu$（$x_i$ 对它的权重是 $1/N$），以及经过 $\sigma^2$（把 $\frac1N\sum_j (x_j-\mu)^2$ 对 $x_i$ 求导）。
    第 3 部分的检验器会告诉你结果对不对。

    请补全 `batchnorm_backward(dy, x, gamma, eps=1e-5)`，输入形状为 `(N, D)`：函数里已经重新算了一遍前向传播，
    你需要返回 `(dx, dgamma, dbeta)`。每个梯度用它对应的节点命名（`dx_hat`、`dvar`、`dmu`），一个节点写一行。
    如果漏掉经过 $\mu$ 和 $\sigma^2$ 的路径，得到的就是“朴素”梯度 $\gamma\, s\, dy$：它只在统计量固定不变时（推理阶段）
    才成立，训练时是错的。
    """),
    solution("batchnorm_backward", '''
    def batchnorm_backward(dy, x, gamma, eps=1e-5):
        """Gradients of training-mode batch norm, one node of the graph at a time.

        dy, x: (N, D); gamma: (D,). Returns dx (N, D), dgamma (D,), dbeta (D,).
        """
        N = x.shape[0]
        # forward again, keeping every intermediate
        mu = x.mean(axis=0)                     # (D,)
        xc = x - mu                             # (N, D)
        var = (xc ** 2).mean(axis=0)            # (D,), biased
        inv_std = 1.0 / np.sqrt(var + eps)      # (D,), s in the formulas
        x_hat = xc * inv_std                    # (N, D)
        # backward, from y to x: dbeta, dgamma, dx_hat, dvar, dmu, dx
        ### BEGIN SOLUTION
        dbeta = dy.sum(axis=0)                                   # (D,)
        dgamma = (dy * x_hat).sum(axis=0)                        # (D,)
        dx_hat = dy * gamma                                      # (N, D)
        dvar = -0.5 * inv_std ** 3 * (dx_hat * xc).sum(axis=0)   # (D,)
        dmu = -inv_std * dx_hat.sum(axis=0)                      # (D,); the path mu -> var adds 0
        dx = dx_hat * inv_std + dmu / N + dvar * 2.0 * xc / N    # (N, D): direct + via mu + via var
        return dx, dgamma, dbeta
        ### END SOLUTION
    '''),
    test("test_backward_2d", 6, '''
    """Part 2: batchnorm_backward on a small batch, and a property of dx: each column sums to zero."""
    x_small = np.array([[1.0, 2.0], [2.0, -1.0], [4.0, 0.0], [5.0, 3.0]])
    gamma_small = np.array([2.0, 0.5])
    dy_small = np.array([[0.5, -1.0], [1.0, 0.0], [-1.5, 2.0], [0.2, 1.0]])   # random-looking, not all ones
    dx, dgamma, dbeta = batchnorm_backward(dy_small, x_small, gamma_small)
    dx_expected = np.array([[-0.215031, -0.442718], [0.809543, -0.221359],
                            [-1.568488, 0.442718], [0.973976, 0.221359]])
    print("dx:\\n", np.round(dx, 6))
    print("expected:\\n", dx_expected)
    print("dgamma:", np.round(dgamma, 6), " expected: [-1.960608 -0.632454]")
    print("dbeta: ", dbeta, " expected: [0.2 2. ]")
    print("column sums of dx:", np.round(np.sum(dx, axis=0), 12) + 0.0, " expected: [0. 0.]")
    assert np.shape(dx) == (4, 2) and np.shape(dgamma) == (2,) and np.shape(dbeta) == (2,)
    np.testing.assert_allclose(dbeta, [0.2, 2.0], atol=1e-9)
    np.testing.assert_allclose(dgamma, [-1.960608, -0.632454], atol=1e-6)
    np.testing.assert_allclose(np.sum(dx, axis=0), 0.0, atol=1e-9,
                               err_msg="dx should sum to zero over the batch: is the path through mu missing?")
    np.testing.assert_allclose(dx, dx_expected, atol=1e-6)
    ''', A, "backward_2d", "batchnorm_backward"),
    markdown("part3-text", r"""
    ## Part 3 (5 points): a numerical gradient checker / 第 3 部分（5 分）：数值梯度检验器

    An analytic gradient has to be checked against the slope of the function itself. For a scalar
    function $f$ and a small $h$, the **centred difference**

    $$\frac{\partial f}{\partial x_k} \approx \frac{f(x + h\,e_k) - f(x - h\,e_k)}{2h}$$

    (with $e_k$ the array that is 1 at position $k$ and 0 elsewhere) has an error of order $h^2$, while
    the one-sided $\bigl(f(x + h e_k) - f(x)\bigr)/h$ is only of order $h$. In float64, $h = 10^{-5}$
    keeps both the $h^2$ term and the rounding error, about $10^{-16}/h$, small.

    Write `numerical_gradient(f, x, h=1e-5)`: `x` is a float array of **any** shape, `f(x)` returns a
    float, and the result is an array shaped like `x`. You may change `x` in place while you work, but
    put every entry back: `x` must be exactly as it was when the function returns. Hint:
    `for k in np.ndindex(x.shape):` visits every position of an array of any shape.

    解析梯度要拿函数本身的斜率来核对。对标量函数 $f$ 和很小的 $h$，上面的**中心差分**（$e_k$ 是在位置 $k$ 取 1、
    其余位置取 0 的数组）误差是 $h^2$ 量级，而单侧差分 $\bigl(f(x + h e_k) - f(x)\bigr)/h$ 的误差只有 $h$ 量级。
    在 float64 下取 $h = 10^{-5}$，$h^2$ 项和大约 $10^{-16}/h$ 的舍入误差都足够小。

    请编写 `numerical_gradient(f, x, h=1e-5)`：`x` 是**任意形状**的浮点数组，`f(x)` 返回一个浮点数，结果是与 `x`
    形状相同的数组。计算过程中可以原地修改 `x`，但每个元素都要改回去：函数返回时，`x` 必须和传进来时一模一样。
    提示：`for k in np.ndindex(x.shape):` 可以遍历任意形状数组的每个位置。

    **A check that proves nothing.** To test a backward pass, turn it into a scalar,
    $f(x) = \sum dy \cdot y(x)$, whose gradient is exactly `dx`. With an all-ones `dy` this is
    $f(x) = \sum_i y_i = N\beta$ for every feature: it does not depend on $x$ at all, so the true `dx`
    is **zero**, and a backward pass that returns zeros (or forgets terms) passes. The test below shows it
    with your checker. Always check with a random `dy`; the hidden checks do.

    **一种什么也证明不了的检验。** 要检验反向传播，就把它变成一个标量：$f(x) = \sum dy \cdot y(x)$，它的梯度正好是
    `dx`。如果 `dy` 全为 1，那么对每个特征都有 $f(x) = \sum_i y_i = N\beta$，与 $x$ 毫无关系，真实的 `dx`
    **恰好为零**；一个直接返回零（或者漏掉了某些项）的反向传播也能通过。下面的测试会用你的检验器演示这一点。检验时一定要
    用随机的 `dy`，隐藏测试就是这样做的。
    """),
    solution("numerical_gradient", '''
    def numerical_gradient(f, x, h=1e-5):
        """Centred differences of a scalar function f at x (any shape); returns an array shaped like x.

        grad[k] = (f(x + h e_k) - f(x - h e_k)) / (2 h). x is changed in place and restored entry by entry.
        """
        ### BEGIN SOLUTION
        grad = np.zeros_like(x, dtype=float)
        for k in np.ndindex(x.shape):
            old = x[k]
            x[k] = old + h
            f_plus = f(x)
            x[k] = old - h
            f_minus = f(x)
            x[k] = old
            grad[k] = (f_plus - f_minus) / (2 * h)
        return grad
        ### END SOLUTION
    '''),
    test("test_numerical_gradient", 5, '''
    """Part 3: numerical_gradient matches known derivatives, keeps the shape, and leaves x as it was."""
    x_cube = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    x_before = x_cube.copy()
    grad = numerical_gradient(lambda z: float(np.sum(z ** 3)), x_cube)
    print("gradient of sum(x**3):\\n", grad)
    print("expected 3 x**2:\\n", 3 * x_before ** 2)
    assert np.shape(grad) == x_before.shape, "the gradient has the shape of x"
    np.testing.assert_allclose(x_cube, x_before, rtol=0, atol=1e-12, err_msg="x must be left as it was")
    np.testing.assert_allclose(grad, 3 * x_before ** 2, rtol=1e-7, atol=1e-8,
                               err_msg="a one-sided difference is off by about 3 x h: use the centred one")
    x_3d = np.linspace(-2.0, 2.0, 12).reshape(2, 3, 2)
    grad_3d = numerical_gradient(lambda z: float(np.sum(np.sin(z))), x_3d)
    print("largest error of the gradient of sum(sin(x)) on a (2, 3, 2) array:", np.abs(grad_3d - np.cos(x_3d)).max())
    assert np.shape(grad_3d) == (2, 3, 2)
    np.testing.assert_allclose(grad_3d, np.cos(x_3d), rtol=1e-7, atol=1e-8)

    # The trap: with an all-ones dy the true dx of batch norm is exactly zero, whatever x is.
    x_bn = np.array([[0.5, 2.0], [1.5, -1.0], [-2.0, 0.0], [3.0, 4.0]])
    gamma_bn, beta_bn = np.array([1.5, -0.5]), np.array([0.3, 1.0])
    all_ones = numerical_gradient(lambda z: float(np.sum(batchnorm_forward(z, gamma_bn, beta_bn))), x_bn)
    print("gradient of sum(batchnorm_forward(x)), i.e. dy = 1:\\n", np.round(all_ones, 9) + 0.0)
    print("a 'backward' that returns zeros would pass this check: test with a random dy")
    np.testing.assert_allclose(all_ones, 0.0, atol=1e-6)
    ''', A, "numerical_gradient", "numerical_gradient"),
    markdown("part4-text", r"""
    ## Part 4 (5 points): the compact formula / 第 4 部分（5 分）：紧凑公式

    Substitute your $\partial L/\partial\sigma^2$ and $\partial L/\partial\mu$ into the three paths and
    simplify, per channel over its $m$ values: the whole gradient collapses into one line of the form
    $dx = \frac{\gamma\, s}{m}\left( m\, dy - \ldots \right)$, where the two sums you meet are sums you
    have already computed in Part 1. Derive it (write $(x_i-\mu)\,s$ as $\hat x_i$), then code it: once
    you have those two sums, `dx` costs no further sum. For
    `(N, D)` inputs, $m = N$. For images `(N, C, H, W)`, one channel shares one $\gamma_c$ and one pair
    of statistics over the batch and all positions, so every sum runs over the axes `(0, 2, 3)` and
    $m = N \cdot H \cdot W$.

    Write `batchnorm_backward_compact(dy, x, gamma, eps=1e-5)` returning `(dx, dgamma, dbeta)` with this
    formula, for `x` of shape `(N, D)` or `(N, C, H, W)`; `dgamma` and `dbeta` have shape `(D,)` or
    `(C,)`. Hint: the forward pass in the first code cell shows the axes and the shape `(1, C, 1, 1)`
    that broadcasts; sums with `keepdims=True` broadcast back against `x`.

    把你推出的 $\partial L/\partial\sigma^2$ 和 $\partial L/\partial\mu$ 代回三条路径并化简（对每个通道的 $m$ 个值分别
    计算），整个梯度会化成形如 $dx = \frac{\gamma\, s}{m}\left( m\, dy - \ldots \right)$ 的一行，其中出现的两个求和
    你在第 1 部分已经算过。请推导出来（把 $(x_i-\mu)\,s$ 写成 $\hat x_i$），再写成代码：有了这两个求和，求 `dx` 不需要
    再多做任何求和。
    对 `(N, D)` 输入，$m = N$；对图像输入 `(N, C, H, W)`，同一个通道在整批和所有空间位置上共用一个 $\gamma_c$ 和一组
    统计量，所以每个求和都在轴 `(0, 2, 3)` 上进行，$m = N \cdot H \cdot W$。

    请用这个公式编写 `batchnorm_backward_compact(dy, x, gamma, eps=1e-5)`，返回 `(dx, dgamma, dbeta)`，`x` 的形状
    可以是 `(N, D)` 或 `(N, C, H, W)`；`dgamma` 和 `dbeta` 的形状为 `(D,)` 或 `(C,)`。提示：第一个代码单元格里的前向
    传播演示了该在哪些轴上求和，以及如何把参数变形为可广播的 `(1, C, 1, 1)`；求和时设 `keepdims=True`，结果就能和
    `x` 直接广播。
    """),
    solution("batchnorm_backward_compact", '''
    def batchnorm_backward_compact(dy, x, gamma, eps=1e-5):
        """dx, dgamma, dbeta of training-mode batch norm from the compact formula.

        dy, x: (N, D) or (N, C, H, W); gamma: (D,) or (C,).
        Returns dx (shape of x), dgamma and dbeta (shape of gamma).
        """
        ### BEGIN SOLUTION
        axes = (0,) + tuple(range(2, x.ndim))           # the batch (and spatial) axes
        shape = (1, -1) + (1,) * (x.ndim - 2)           # (1, C) or (1, C, 1, 1)
        m = x.size // x.shape[1]                        # values per channel: N or N*H*W
        mu = x.mean(axis=axes, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        dbeta = dy.sum(axis=axes, keepdims=True)                # (1, C[, 1, 1])
        dgamma = (dy * x_hat).sum(axis=axes, keepdims=True)     # (1, C[, 1, 1])
        dx = np.reshape(gamma, shape) * inv_std / m * (m * dy - dbeta - x_hat * dgamma)
        return dx, dgamma.reshape(-1), dbeta.reshape(-1)
        ### END SOLUTION
    '''),
    test("test_compact_2d", 2, '''
    """Part 4: on (N, D) the compact formula gives the same gradients as the graph in Part 2."""
    x_small = np.array([[1.0, 2.0], [2.0, -1.0], [4.0, 0.0], [5.0, 3.0]])
    gamma_small = np.array([2.0, 0.5])
    dy_small = np.array([[0.5, -1.0], [1.0, 0.0], [-1.5, 2.0], [0.2, 1.0]])
    dx, dgamma, dbeta = batchnorm_backward_compact(dy_small, x_small, gamma_small)
    dx_expected = np.array([[-0.215031, -0.442718], [0.809543, -0.221359],
                            [-1.568488, 0.442718], [0.973976, 0.221359]])
    print("dx:\\n", np.round(dx, 6))
    print("expected:\\n", dx_expected)
    print("dgamma:", np.round(dgamma, 6), " expected: [-1.960608 -0.632454]")
    print("dbeta: ", dbeta, " expected: [0.2 2. ]")
    assert np.shape(dx) == (4, 2) and np.shape(dgamma) == (2,) and np.shape(dbeta) == (2,)
    np.testing.assert_allclose(dbeta, [0.2, 2.0], atol=1e-9)
    np.testing.assert_allclose(dgamma, [-1.960608, -0.632454], atol=1e-6)
    np.testing.assert_allclose(dx, dx_expected, atol=1e-6)
    ''', A, "compact_2d", "batchnorm_backward_compact"),
    test("test_compact_4d", 3, '''
    """Part 4: on (N, C, H, W) each channel is one batch of m = N*H*W values."""
    rng = np.random.default_rng(0)
    x_img = rng.normal(size=(2, 3, 2, 2)) * np.array([1.0, 5.0, 0.2]).reshape(1, 3, 1, 1) + 1.0
    dy_img = rng.normal(size=(2, 3, 2, 2))
    gamma_img = np.array([1.0, -0.5, 2.0])
    dx, dgamma, dbeta = batchnorm_backward_compact(dy_img, x_img, gamma_img)
    print("shapes:", np.shape(dx), np.shape(dgamma), np.shape(dbeta), " expected: (2, 3, 2, 2) (3,) (3,)")
    assert np.shape(dx) == (2, 3, 2, 2) and np.shape(dgamma) == (3,) and np.shape(dbeta) == (3,)

    def as_rows(a):
        """(N, C, H, W) -> (N*H*W, C): the same values as a batch of N*H*W rows with C features."""
        return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])

    dx_rows, dgamma_rows, dbeta_rows = batchnorm_backward_compact(as_rows(dy_img), as_rows(x_img), gamma_img)
    print("dgamma:", np.round(dgamma, 6), " expected (as a batch of rows):", np.round(dgamma_rows, 6))
    print("dbeta: ", np.round(dbeta, 6), " expected (as a batch of rows):", np.round(dbeta_rows, 6))
    print("largest difference of dx from the batch of rows:", np.abs(as_rows(dx) - dx_rows).max())
    np.testing.assert_allclose(dgamma, dgamma_rows, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dbeta, dbeta_rows, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(as_rows(dx), dx_rows, rtol=1e-9, atol=1e-12)
    ''', A, "compact_4d", "batchnorm_backward_compact"),
    markdown("try-text", r"""
    ## Try it / 动手试试

    Compare the graph version, the compact formula and the naive gradient with the numerical one on a
    random batch, then look at what an all-ones `dy` gives. Not graded.

    在一个随机小批量上，把按计算图求的梯度、紧凑公式和朴素梯度分别与数值梯度比较，再看看全为 1 的 `dy` 会得到什么。
    这个单元格不计分。
    """),
    scratch("""
    rng = np.random.default_rng(3)
    x_try = rng.normal(2.0, 3.0, size=(5, 4))
    gamma_try, beta_try = rng.normal(1.0, 0.5, size=4), rng.normal(size=4)
    dy_try = rng.normal(size=x_try.shape)  # a random upstream gradient
    loss = lambda z: float(np.sum(dy_try * batchnorm_forward(z, gamma_try, beta_try)))  # its gradient is dx
    numeric = numerical_gradient(loss, x_try.copy())
    naive = dy_try * gamma_try / np.sqrt(x_try.var(axis=0) + 1e-5)  # forgets the paths through mu and var
    for name, dx_try in [("graph", batchnorm_backward(dy_try, x_try, gamma_try)[0]),
                         ("compact", batchnorm_backward_compact(dy_try, x_try, gamma_try)[0]), ("naive", naive)]:
        print(f"{name:8s} largest |dx - numerical| = {np.abs(dx_try - numeric).max():.1e}")
    dx_ones = batchnorm_backward(np.ones_like(x_try), x_try, gamma_try)[0]
    print("largest |dx| with an all-ones dy:", np.abs(dx_ones).max())
    """),
    markdown("timing-text", r"""
    ## How much faster is the compact formula? / 紧凑公式快多少？

    The graph version makes a temporary array for every node; the compact one reuses `dbeta` and
    `dgamma`. Time both on a larger batch (as CS231n does). The ratio depends on your machine: not graded.

    按计算图求梯度时，每个节点都要生成一个临时数组；紧凑公式则直接复用 `dbeta` 和 `dgamma`。在更大的批量上给两者
    计时（CS231n 也这样做）。比值取决于你的机器，这个单元格不计分。
    """),
    scratch("""
    import timeit

    rng = np.random.default_rng(4)
    x_big, dy_big = rng.normal(size=(512, 256)), rng.normal(size=(512, 256))
    gamma_big = rng.normal(size=256)
    staged = min(timeit.repeat(lambda: batchnorm_backward(dy_big, x_big, gamma_big), number=20, repeat=5))
    compact = min(timeit.repeat(lambda: batchnorm_backward_compact(dy_big, x_big, gamma_big), number=20, repeat=5))
    print(f"graph {staged / 20 * 1e3:.2f} ms, compact {compact / 20 * 1e3:.2f} ms: "
          f"the compact formula is {staged / compact:.1f}x as fast")
    """),
]

write(Path(__file__).resolve().parents[1] / A / f"{A}.ipynb", cells)
