"""Writes solutions/bn-inference/bn-inference.ipynb (run from anywhere)."""
from pathlib import Path

from nbtools import code, markdown, scratch, solution, test, write

A = "bn-inference"

cells = [
    markdown("intro", r"""
    # Exercise: batch normalization at inference / 练习：推理时的批量归一化

    **Goal.** In training mode batch normalization (BN) normalizes each feature with the statistics of
    the current mini-batch. A deployed model cannot do that: it often sees one example at a time, and
    its prediction for an input must not depend on whatever else shares the batch. So BN keeps
    *running statistics* during training and uses them at test time (Ioffe & Szegedy, 2015,
    Algorithm 2, [arXiv:1502.03167](https://arxiv.org/abs/1502.03167)). You will write the update of
    the running statistics in PyTorch's convention, a `BatchNorm1d` layer with a training and an eval
    mode, and the folding of an eval-mode BN into the linear layer before it. 20 points in 4 parts.

    **目标**：训练模式下，批量归一化（BN）用当前小批量的统计量来标准化每个特征。模型部署之后就不能这么做了：
    它常常一次只处理一个样本，而且对某个输入的预测，不应该取决于同一批里碰巧还有哪些别的样本。因此 BN 在训练时
    顺带维护一套**滑动统计量**，到测试时改用它们（Ioffe 和 Szegedy，2015，算法 2）。在这个练习里，你要按
    PyTorch 的约定实现滑动统计量的更新，写一个有训练模式和 eval 模式的 `BatchNorm1d` 层，最后把 eval 模式下的
    BN 合并进它前面的线性层。共 4 个部分，满分 20 分。

    Use NumPy only. The test cell under each part checks a small example; the grade comes from more
    checks on fresh random inputs (other sizes, other `eps` and `momentum`), compared with the course's
    reference implementation. Chapter 6 of the book covers the background.

    只需要 NumPy。每个部分下面的测试单元格会检查一个小例子；评分时还会用新生成的随机输入（不同的形状、不同的
    `eps` 和 `momentum`）做更多检查，并与课程的参考实现比较。相关背景见教材第 6 章。
    """),
    code("imports", """
    import numpy as np
    """),
    markdown("part1-text", r"""
    ## Part 1 (4 points): updating the running statistics / 第 1 部分（4 分）：更新滑动统计量

    After each training batch the running estimates take a small step towards the batch's statistics,
    an exponential moving average. In PyTorch's convention `momentum` is the weight of the **new**
    batch:

    $$\hat\mu \leftarrow (1-\alpha)\,\hat\mu + \alpha\,\mu_B, \qquad
      \hat\sigma^2 \leftarrow (1-\alpha)\,\hat\sigma^2 + \alpha\,\frac{m}{m-1}\,\sigma_B^2 ,$$

    where $\alpha$ is the momentum (PyTorch's default 0.1) and $m$ the number of values per feature in
    the batch (`N` for an `(N, D)` batch, `N·H·W` for images). Keras, Flax and MXNet call the *other*
    weight momentum: Keras' default `momentum=0.99` is the weight of the old estimate, the same as
    PyTorch's `momentum=0.01`. Passing a Keras value to PyTorch unchanged makes the running statistics
    little more than the last batch's. Always check which convention a framework uses.

    每处理完一个训练批次，滑动估计就朝这一批的统计量挪一小步，也就是指数滑动平均。按 PyTorch 的约定，
    `momentum` 是**新**批次的权重，公式如上：其中 $\alpha$ 是 momentum（PyTorch 默认取 0.1），$m$ 是这一批里每个
    特征的取值个数（`(N, D)` 的批次是 `N`，图像是 `N·H·W`）。Keras、Flax、MXNet 叫作 momentum 的却是**另一个**
    权重：Keras 默认的 `momentum=0.99` 指的是旧估计的权重，相当于 PyTorch 的 `momentum=0.01`。要是把 Keras 的
    取值原封不动地交给 PyTorch，滑动统计量就差不多只剩最后一个批次的了。换框架时，一定先弄清它用的是哪种约定。

    **Biased or unbiased?** The batch is normalized with its *biased* variance
    $\sigma_B^2 = \frac1m\sum_i (x_i-\mu_B)^2$: that is what makes this batch's variance exactly 1.
    The running variance estimates the variance of the whole population instead, and the biased batch
    variance underestimates it by a factor $(m-1)/m$ on average (the deviations are measured from the
    batch's own mean, not the true one). So the running variance is fed the **unbiased** variance
    $\frac{m}{m-1}\sigma_B^2$, as in the paper's Algorithm 2 and in PyTorch.

    **有偏还是无偏**：标准化这一批时，用的是它的**有偏方差** $\sigma_B^2 = \frac1m\sum_i (x_i-\mu_B)^2$，
    正因为如此，这一批标准化之后方差才恰好是 1。滑动方差要估计的却是整个总体的方差，而有偏的批方差平均会把它
    低估成 $(m-1)/m$ 倍：偏差是相对这一批自己的均值量出来的，而不是相对真实均值。所以送进滑动方差的是**无偏方差**
    $\frac{m}{m-1}\sigma_B^2$，论文的算法 2 和 PyTorch 都是这样做的。

    Write `update_running(running_mean, running_var, batch_mean, batch_var_biased, m, momentum)`
    returning the new `(running_mean, running_var)`. The arrays have shape `(D,)`; `m` is the number of
    values per feature (as above) and `momentum` PyTorch's. Return new arrays.

    编写 `update_running(running_mean, running_var, batch_mean, batch_var_biased, m, momentum)`，返回更新后的
    `(running_mean, running_var)`。各数组的形状都是 `(D,)`；`m` 是每个特征的取值个数（即上式中的 $m$），
    `momentum` 按 PyTorch 的约定理解。请返回新的数组。
    """),
    solution("update_running", '''
    def update_running(running_mean, running_var, batch_mean, batch_var_biased, m, momentum):
        """One step of the running statistics, PyTorch's convention; every array has shape (D,).

        running <- (1 - momentum) * running + momentum * batch, with the unbiased batch variance
        batch_var_biased * m / (m - 1), m the number of values per feature in the batch.
        """
        ### BEGIN SOLUTION
        batch_var_unbiased = batch_var_biased * (m / (m - 1))
        new_mean = (1 - momentum) * running_mean + momentum * batch_mean
        new_var = (1 - momentum) * running_var + momentum * batch_var_unbiased
        return new_mean, new_var
        ### END SOLUTION
    '''),
    test("test_update_running", 4, '''
    """Part 1: momentum weighs the new batch; the running variance takes the unbiased batch variance."""
    new_mean, new_var = update_running(np.zeros(2), np.ones(2), np.array([2.0, -4.0]),
                                       np.array([3.0, 0.5]), m=4, momentum=0.1)
    print("new running_mean:", new_mean, " expected: [ 0.2 -0.4]")
    print("new running_var: ", new_var, " expected: [1.3        0.96666667]")
    assert np.shape(new_mean) == (2,) and np.shape(new_var) == (2,), "both results should have shape (D,)"
    assert not np.allclose(new_mean, [1.8, -3.6]), \
        "the momentum is reversed: new = (1 - momentum) * running + momentum * batch (PyTorch's convention)"
    assert np.allclose(new_mean, [0.2, -0.4]), "new running_mean = (1 - momentum) * running_mean + momentum * batch_mean"
    assert not np.allclose(new_var, [0.9 + 0.1 * 3.0, 0.9 + 0.1 * 0.5]), \
        "the running variance keeps the biased batch variance: multiply it by m / (m - 1) first"
    assert np.allclose(new_var, [0.9 + 0.1 * 4.0, 0.9 + 0.1 * 0.5 * 4 / 3]), \
        "new running_var = (1 - momentum) * running_var + momentum * batch_var_biased * m / (m - 1)"
    only_batch = update_running(np.zeros(2), np.ones(2), np.array([2.0, -4.0]), np.array([3.0, 0.5]), 4, 1.0)
    print("momentum=1 keeps only the batch:", only_batch[0], only_batch[1], " expected: [ 2. -4.] [4.  0.667]")
    assert np.allclose(only_batch[0], [2.0, -4.0]) and np.allclose(only_batch[1], [4.0, 2.0 / 3.0]), \
        "with momentum=1 the running statistics become the batch's (unbiased variance)"
    ''', A, "update_running", "update_running"),
    markdown("part2-text", r"""
    ## Part 2 (6 points): a layer in training mode / 第 2 部分（6 分）：训练模式下的层

    Complete the class `BatchNorm1d(num_features, eps=1e-5, momentum=0.1)` for inputs of shape
    `(N, D)`. It has the attributes `gamma` and `beta` (the learnable scale and shift, shape `(D,)`,
    starting at 1 and 0), `running_mean` and `running_var` (starting at 0 and 1), `eps`, `momentum`
    and `training`. A new layer is in training mode; `train()` and `eval()` switch the mode and return
    `self`, so that `bn = BatchNorm1d(4).eval()` works. In training mode `forward(x)` normalizes with
    the batch's mean and biased variance,

    $$y = \gamma\,\frac{x-\mu_B}{\sqrt{\sigma_B^2+\epsilon}} + \beta ,$$

    and updates the running statistics with your `update_running`. Keep these attribute names: the
    grader sets `gamma`, `beta`, `running_mean` and `running_var` directly (`bn.gamma = ...`) and
    reads the running statistics after each batch, exactly as PyTorch's and `bnbook`'s layers expose
    them.

    请补全 `BatchNorm1d(num_features, eps=1e-5, momentum=0.1)` 类，输入的形状为 `(N, D)`。它有这些属性：
    `gamma` 和 `beta`（可学习的缩放和平移，形状为 `(D,)`，初始值分别为 1 和 0），`running_mean` 和 `running_var`
    （初始值分别为 0 和 1），以及 `eps`、`momentum` 和 `training`。新建的层处于训练模式；`train()` 和 `eval()`
    用来切换模式，并返回 `self`，这样 `bn = BatchNorm1d(4).eval()` 这种写法才能用。训练模式下，`forward(x)`
    用这一批的均值和有偏方差按上式做标准化，再调用你写的 `update_running` 更新滑动统计量。请不要改这些属性名：
    评分时会直接给 `gamma`、`beta`、`running_mean` 和 `running_var` 赋值（如 `bn.gamma = ...`），并在每个批次
    之后读取滑动统计量，这和 PyTorch 以及 `bnbook` 中的层是一致的。
    """),
    markdown("part3-text", r"""
    ## Part 3 (5 points): eval mode, and why it matters / 第 3 部分（5 分）：eval 模式及其必要性

    Picture a model served in training mode with one request at a time. The batch mean of a single
    example is the example itself, so $x - \mu_B = 0$ and $\sigma_B^2 = 0$: every feature comes out as
    $\beta$, whatever the input, and the prediction no longer depends on it (PyTorch refuses outright:
    *Expected more than 1 value per channel when training*). With small batches it is subtler but as
    wrong: the output for an example changes with the examples that happen to share its batch, and
    every forward pass drags the running statistics towards the test data. Hence `model.eval()`
    before predicting, and `model.train()` before training again.

    设想一个模型以训练模式上线，每次只处理一个请求。单个样本的批均值就是它自己，于是 $x - \mu_B = 0$，
    $\sigma_B^2 = 0$：不管输入是什么，每个特征的输出都是 $\beta$，预测结果和输入再也没有关系（PyTorch 干脆直接报错：
    *Expected more than 1 value per channel when training*）。批次小的时候问题没这么显眼，却一样是错的：某个样本的
    输出会随着同批的其他样本而变，而且每做一次前向计算，滑动统计量都会被往测试数据那边拉。所以预测之前要调用
    `model.eval()`，回去训练之前再调用 `model.train()`。

    In eval mode `forward(x)` uses the running statistics and changes nothing:

    $$y = \gamma\,\frac{x-\hat\mu}{\sqrt{\hat\sigma^2+\epsilon}} + \beta .$$

    Each example is then transformed on its own, so a batch of one is fine. The grader trains your
    layer on a few batches, sets `running_mean` and `running_var` to values of its own, calls `eval()`
    and a forward pass (often on a single example), checks that the running statistics did not move,
    then calls `train()` and checks that training mode is back.

    在 eval 模式下，`forward(x)` 按上式使用滑动统计量，而且不改变任何状态。这时每个样本都是单独变换的，批大小
    为 1 也没有问题。评分时会先用几个批次训练你的层，再把 `running_mean` 和 `running_var` 设成它自己给定的值，
    然后调用 `eval()` 做一次前向计算（常常只有一个样本），检查滑动统计量没有变化；最后调用 `train()`，检查层
    确实回到了训练模式。

    One class serves parts 2 and 3. / 第 2、3 部分共用下面这一个类。
    """),
    solution("BatchNorm1d", '''
    class BatchNorm1d:
        """Batch normalization of (N, D) inputs with running statistics, PyTorch's conventions.

        gamma, beta: (D,) scale and shift; running_mean, running_var: (D,) running statistics;
        training: True in training mode (batch statistics), False in eval mode (running ones).
        """

        def __init__(self, num_features, eps=1e-5, momentum=0.1):
            self.num_features = num_features
            self.eps = eps
            self.momentum = momentum
            ### BEGIN SOLUTION
            self.gamma = np.ones(num_features)
            self.beta = np.zeros(num_features)
            self.running_mean = np.zeros(num_features)
            self.running_var = np.ones(num_features)
            self.training = True
            ### END SOLUTION

        def train(self):
            """Training mode: normalize with batch statistics, update the running ones. Returns self."""
            ### BEGIN SOLUTION
            self.training = True
            return self
            ### END SOLUTION

        def eval(self):
            """Eval mode: normalize with the running statistics, change nothing. Returns self."""
            ### BEGIN SOLUTION
            self.training = False
            return self
            ### END SOLUTION

        def forward(self, x):
            """x of shape (N, D) -> y of shape (N, D)."""
            ### BEGIN SOLUTION
            if self.training:
                n = x.shape[0]
                if n < 2:
                    raise ValueError("training mode needs more than one example per batch: call eval() first")
                mean = x.mean(axis=0)                        # (D,)
                var = ((x - mean) ** 2).mean(axis=0)         # (D,) biased: normalizes this batch
                self.running_mean, self.running_var = update_running(
                    self.running_mean, self.running_var, mean, var, n, self.momentum)
            else:
                mean, var = self.running_mean, self.running_var
            x_hat = (x - mean) / np.sqrt(var + self.eps)     # (N, D)
            return self.gamma * x_hat + self.beta
            ### END SOLUTION
    '''),
    test("test_train_mode", 6, '''
    """Part 2: training mode normalizes with the batch statistics and updates the running ones."""
    x_batch = np.array([[1.0, 10.0, -2.0], [3.0, 14.0, -2.5], [5.0, 6.0, -1.0], [7.0, 10.0, -0.5]])
    bn = BatchNorm1d(3)
    print("start: gamma", bn.gamma, "beta", bn.beta, "running_mean", bn.running_mean, "running_var", bn.running_var)
    np.testing.assert_allclose(bn.gamma, 1.0)
    np.testing.assert_allclose(bn.beta, 0.0)
    np.testing.assert_allclose(bn.running_mean, 0.0)
    np.testing.assert_allclose(bn.running_var, 1.0)
    y = bn.forward(x_batch)
    print("column means of y:", np.round(y.mean(axis=0), 6), " expected: ~0")
    print("column variances of y:", np.round(y.var(axis=0), 5), " expected: just under 1")
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(y.var(axis=0), x_batch.var(axis=0) / (x_batch.var(axis=0) + 1e-5),
                               err_msg="normalize with the BIASED batch variance, eps inside the square root")
    print("(the running update uses your update_running from part 1: it is checked with it, and graded with "
          "a correct one, so a mistake there costs points there only)")
    expected_mean, expected_var = update_running(np.zeros(3), np.ones(3), x_batch.mean(axis=0),
                                                 x_batch.var(axis=0), 4, 0.1)
    print("running_mean:", bn.running_mean, " expected:", expected_mean)
    print("running_var: ", bn.running_var, " expected:", expected_var)
    assert np.allclose(bn.running_mean, expected_mean) and np.allclose(bn.running_var, expected_var), \
        "forward in training mode should update the running statistics with update_running(..., m=N, momentum)"
    assert bn.train() is bn, "train() should return self"
    ''', A, "train_mode", "BatchNorm1d"),
    test("test_eval_mode", 5, '''
    """Part 3: eval mode uses the running statistics, changes nothing, and works on one example."""
    bn = BatchNorm1d(2, eps=1e-3)
    bn.gamma, bn.beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    bn.forward(np.array([[0.0, 1.0], [4.0, 3.0], [2.0, 8.0]]))   # one training batch
    bn.running_mean, bn.running_var = np.array([1.0, 2.0]), np.array([4.0, 0.25])
    assert bn.eval() is bn, "eval() should return self"
    x_one = np.array([[3.0, 2.5]])
    y_one = bn.forward(x_one)
    expected = np.array([[2.0 * 2.0 / np.sqrt(4.001) + 1.0, 0.5 * 0.5 / np.sqrt(0.251) - 1.0]])
    print("y for one example:", y_one, " expected:", expected)
    np.testing.assert_allclose(y_one, expected, err_msg="eval mode uses running_mean and running_var")
    print("running statistics after the eval pass:", bn.running_mean, bn.running_var, " expected unchanged")
    np.testing.assert_allclose(bn.running_mean, [1.0, 2.0])
    np.testing.assert_allclose(bn.running_var, [4.0, 0.25])
    x_more = np.array([[3.0, 2.5], [-1.0, 0.0], [5.0, 1.0]])
    np.testing.assert_allclose(bn.forward(x_more)[:1], y_one,
                               err_msg="in eval mode an example's output must not depend on its batch")
    assert bn.train() is bn, "train() should return self"
    y_train = bn.forward(x_more)
    print("back in training mode, column means:", np.round(y_train.mean(axis=0), 6), " expected: beta")
    np.testing.assert_allclose(y_train.mean(axis=0), [1.0, -1.0], atol=1e-9)
    ''', A, "eval_mode", "BatchNorm1d"),
    markdown("part4-text", r"""
    ## Part 4 (5 points): folding BN into the linear layer / 第 4 部分（5 分）：把 BN 合并进线性层

    In eval mode BN is a fixed affine map per feature, so after a linear layer $z = xW + b$ it can be
    merged into it and costs nothing at deployment. With $s = \gamma / \sqrt{\hat\sigma^2 + \epsilon}$,

    $$y = s\,(xW + b - \hat\mu) + \beta = x\,W' + b', \qquad
      W' = W\,\mathrm{diag}(s), \quad b' = s\,(b - \hat\mu) + \beta .$$

    Here `W` has shape `(in, out)` (the layer computes `x @ W + b`, as `bnbook`'s `Linear` does), so
    $s$ scales the **columns** of `W`. Write
    `fold_bn_into_linear(W, b, gamma, beta, running_mean, running_var, eps=1e-5)` returning
    `(W_folded, b_folded)`. This only holds in eval mode: the folded layer is not a BN layer any more
    and cannot be trained as one.

    在 eval 模式下，BN 是每个特征上一个固定的仿射变换，所以当它跟在线性层 $z = xW + b$ 后面时，可以直接并进
    这一层，部署时不再有任何额外开销。记 $s = \gamma / \sqrt{\hat\sigma^2 + \epsilon}$，合并的公式如上。这里 `W` 的
    形状是 `(in, out)`（这一层算的是 `x @ W + b`，和 `bnbook` 的 `Linear` 一样），所以 $s$ 缩放的是 `W` 的**列**。
    请编写 `fold_bn_into_linear(W, b, gamma, beta, running_mean, running_var, eps=1e-5)`，返回
    `(W_folded, b_folded)`。这只在 eval 模式下成立：合并之后的层已经不再是 BN 层，也不能再当作 BN 层来训练。
    """),
    solution("fold_bn_into_linear", '''
    def fold_bn_into_linear(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
        """W (in, out), b (out,) and an eval-mode BN over the out features -> W_folded (in, out), b_folded (out,),
        with x @ W_folded + b_folded equal to BN(x @ W + b)."""
        ### BEGIN SOLUTION
        scale = gamma / np.sqrt(running_var + eps)   # (out,)
        return W * scale, (b - running_mean) * scale + beta
        ### END SOLUTION
    '''),
    test("test_fold", 5, '''
    """Part 4: x @ W_folded + b_folded equals eval-mode BN applied to x @ W + b."""
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(3, 2)), np.array([0.5, -1.0])
    gamma, beta = np.array([1.5, 0.5]), np.array([0.0, 2.0])
    running_mean, running_var, eps = np.array([1.0, -2.0]), np.array([0.04, 9.0]), 0.01
    W_folded, b_folded = fold_bn_into_linear(W, b, gamma, beta, running_mean, running_var, eps)
    print("shapes:", np.shape(W_folded), np.shape(b_folded), " expected: (3, 2) (2,)")
    assert np.shape(W_folded) == (3, 2) and np.shape(b_folded) == (2,)
    x_demo = rng.normal(size=(5, 3))
    z = x_demo @ W + b
    y_bn = gamma * (z - running_mean) / np.sqrt(running_var + eps) + beta
    y_folded = x_demo @ W_folded + b_folded
    print("largest difference from Linear + BN:", np.abs(y_folded - y_bn).max(), " expected: ~1e-15")
    np.testing.assert_allclose(y_folded, y_bn, rtol=1e-10, atol=1e-12)
    ''', A, "fold", "fold_bn_into_linear"),
    markdown("try-text", r"""
    ## Try it / 动手试试

    The same example, normalized in training mode inside two different batches, comes out different;
    in eval mode it comes out the same. Not graded.

    同一个样本放在两个不同的批次里，训练模式下的输出不一样；eval 模式下则完全相同。这个单元格不计分。
    """),
    scratch("""
    rng = np.random.default_rng(1)
    layer = BatchNorm1d(3)
    for _ in range(50):
        layer.forward(rng.normal(2.0, 3.0, size=(8, 3)))   # learn the running statistics
    print("running_mean:", layer.running_mean.round(2), " running_var:", layer.running_var.round(2))
    example = np.array([[1.0, 2.0, 3.0]])
    batch_a = np.vstack([example, rng.normal(2.0, 3.0, size=(3, 3))])
    batch_b = np.vstack([example, rng.normal(2.0, 3.0, size=(3, 3))])
    probe = BatchNorm1d(3)   # a throw-away layer: training mode would move the learned running statistics
    print("training mode, batch a:", probe.forward(batch_a)[0].round(3))
    print("training mode, batch b:", probe.forward(batch_b)[0].round(3))
    layer.eval()
    print("eval mode, batch a:    ", layer.forward(batch_a)[0].round(3))
    print("eval mode, alone:      ", layer.forward(example)[0].round(3))
    """),
]

write(Path(__file__).resolve().parents[1] / A / f"{A}.ipynb", cells)
