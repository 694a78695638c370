"""Writes solutions/feature-scaling/feature-scaling.ipynb (run from the repository root)."""
from pathlib import Path

from nbtools import code, markdown, scratch, solution, test, write

A = "feature-scaling"

cells = [
    markdown("intro", r"""
    # Exercise: feature scaling / 练习：特征缩放

    **Goal.** Standardize each feature of a data set to mean 0 and variance 1, and do it the way a
    model sees data: statistics are estimated on the *training* set and then applied, unchanged, to
    the test set. This is the per-feature step that batch normalization later repeats inside the
    network, on every mini-batch. 20 points in 4 parts.

    **目标**：把数据集的每个特征标准化为均值 0、方差 1，而且要按模型实际使用数据的方式来做：统计量只在
    *训练集*上估计，再原封不动地用到测试集上。批量归一化（BN）后来在网络内部、在每个小批量上做的，正是这一步。
    共 4 个部分，满分 20 分。

    Data `X` has shape `(N, D)`: `N` samples (rows), `D` features (columns). Use NumPy only.
    Each part has a test cell right below it: run it to check your work. The grade comes from
    further checks on fresh random data when the notebook is graded, so make your code correct for
    any `N` and `D`, not just for the examples.

    数据 `X` 的形状是 `(N, D)`：`N` 个样本（行），`D` 个特征（列）。只用 NumPy 就够了。每个部分下面都有一个
    测试单元格，运行它就能检查自己的代码。评分时还会在新生成的随机数据上做更多检查，所以代码要对任意的
    `N` 和 `D` 都正确，而不只是对示例正确。
    """),
    code("imports", """
    import numpy as np
    """),
    markdown("part1-text", r"""
    ## Part 1 (5 points): per-feature mean and variance / 第 1 部分（5 分）：每个特征的均值和方差

    Write `feature_stats(X)` that returns `(mean, var)`, two arrays of shape `(D,)`:

    $$\mu_j = \frac{1}{N}\sum_{i=1}^{N} x_{ij}, \qquad \sigma_j^2 = \frac{1}{N}\sum_{i=1}^{N} (x_{ij} - \mu_j)^2 .$$

    Divide by `N` (the *biased* variance, `ddof=0`), as batch normalization does.

    编写 `feature_stats(X)`，返回 `(mean, var)`，两者都是形状为 `(D,)` 的数组，公式如上。方差除以 `N`
    （即*有偏*方差，`ddof=0`），和批量归一化的做法一致。
    """),
    solution("feature_stats", '''
    def feature_stats(X):
        """Per-column mean and biased variance of X, shape (N, D) -> two arrays of shape (D,)."""
        ### BEGIN SOLUTION
        X = np.asarray(X, dtype=float)
        mean = X.mean(axis=0)
        var = ((X - mean) ** 2).mean(axis=0)
        return mean, var
        ### END SOLUTION
    '''),
    test("test_feature_stats", 5, '''
    """Part 1: feature_stats gives the per-column mean and biased variance."""
    X_small = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
    mean, var = feature_stats(X_small)
    print("mean:", mean, " expected: [ 3. 20.]")
    print("var: ", var, " expected: [  2.66666667 200.        ]")
    assert np.shape(mean) == (2,) and np.shape(var) == (2,), "mean and var should have shape (D,): reduce over axis=0"
    assert np.allclose(mean, [3.0, 20.0]), "the mean should be taken per feature, down each column (axis=0)"
    assert not np.allclose(var, [4.0, 300.0]), "var divides by N - 1: divide by N (ddof=0), the biased variance"
    assert np.allclose(var, [8.0 / 3.0, 200.0]), "var should be the mean of (X - mean) ** 2 down each column"
    ''', A, "stats", "feature_stats"),
    markdown("part2-text", r"""
    ## Part 2 (5 points): standardize / 第 2 部分（5 分）：标准化

    Write `standardize(X, mean, var, eps=1e-8)` that returns

    $$\hat x_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}$$

    with the same shape as `X`. The small `eps` keeps a constant feature (variance 0) from dividing
    by zero. Let NumPy broadcasting do the work: no Python loop is needed.

    编写 `standardize(X, mean, var, eps=1e-8)`，按上式返回与 `X` 形状相同的结果。很小的 `eps` 让方差为 0
    的常数特征不至于除以零。用 NumPy 的广播即可，不需要 Python 循环。
    """),
    solution("standardize", '''
    def standardize(X, mean, var, eps=1e-8):
        """(X - mean) / sqrt(var + eps), column by column."""
        ### BEGIN SOLUTION
        return (np.asarray(X, dtype=float) - mean) / np.sqrt(np.asarray(var) + eps)
        ### END SOLUTION
    '''),
    test("test_standardize", 5, '''
    """Part 2: standardize subtracts the mean and divides by sqrt(var + eps)."""
    X_small = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
    X_hat = standardize(X_small, np.array([3.0, 20.0]), np.array([4.0, 100.0]), eps=0.0)
    print("X_hat:\\n", X_hat)
    print("expected:\\n", np.array([[-1.0, -1.0], [0.0, -1.0], [1.0, 2.0]]))
    assert np.shape(X_hat) == (3, 2), "the result should have the shape of X"
    assert np.allclose(X_hat, [[-1.0, -1.0], [0.0, -1.0], [1.0, 2.0]]), "X_hat should be (X - mean) / sqrt(var)"
    constant = standardize(np.full((4, 1), 7.0), np.array([7.0]), np.array([0.0]))
    print("a constant feature becomes:", constant.ravel(), "(should be zeros, not nan)")
    assert np.all(np.isfinite(constant)), "a feature of variance 0 gives nan: add eps to var before the square root"
    X_tiny = np.array([[0.01], [-0.01]])   # a variance (1e-4) as small as eps: where the place of eps shows
    tiny = standardize(X_tiny, np.array([0.0]), np.array([1e-4]), eps=1e-4)
    print("with var = eps = 1e-4:", tiny.ravel(), " expected:", (X_tiny / np.sqrt(2e-4)).ravel())
    assert np.allclose(tiny, X_tiny / np.sqrt(2e-4)), \
        "eps belongs inside the square root: (X - mean) / sqrt(var + eps), not / (sqrt(var) + eps)"
    ''', A, "standardize", "standardize"),
    markdown("part3-text", r"""
    ## Part 3 (5 points): training statistics for the test set / 第 3 部分（5 分）：测试集用训练集的统计量

    Write `scale_train_test(X_train, X_test, eps=1e-8)` that returns `(train_hat, test_hat)`: both
    sets standardized with the mean and variance of **`X_train` only**. The test set is never used
    to compute statistics: at prediction time a model sees one example at a time and must not
    peek at the test data. (Batch normalization faces the same question at inference time, which is
    why it keeps running statistics.)

    编写 `scale_train_test(X_train, X_test, eps=1e-8)`，返回 `(train_hat, test_hat)`：两个数据集都**只用
    `X_train`** 的均值和方差来标准化。测试集从不参与统计量的计算：模型预测时一次只看到一个样本，也不应该
    偷看测试数据。（批量归一化在推理时面对的是同一个问题，这也是它要维护滑动统计量的原因。）

    Reuse your functions from parts 1 and 2. / 复用第 1、2 部分写好的函数即可。
    """),
    solution("scale_train_test", '''
    def scale_train_test(X_train, X_test, eps=1e-8):
        """Standardize both sets with the training set's statistics."""
        ### BEGIN SOLUTION
        mean, var = feature_stats(X_train)
        return standardize(X_train, mean, var, eps), standardize(X_test, mean, var, eps)
        ### END SOLUTION
    '''),
    test("test_scale_train_test", 5, '''
    """Part 3: the test set is scaled with the training statistics, not its own."""
    print("(this part uses your feature_stats and standardize from parts 1 and 2: it is checked with them, "
          "and graded with correct ones, so a mistake there costs points there only)")
    X_train = np.array([[0.0], [2.0], [4.0]])   # mean 2, variance 8/3
    X_test = np.array([[2.0], [6.0]])
    train_hat, test_hat = scale_train_test(X_train, X_test, eps=0.0)
    print("test_hat:", test_hat.ravel(), " expected:", ((X_test - 2.0) / np.sqrt(8.0 / 3.0)).ravel())
    print("train_hat mean, std:", train_hat.mean(), train_hat.std(), " expected: 0 and 1")
    mean, var = feature_stats(X_train)
    assert np.allclose(train_hat, standardize(X_train, mean, var, 0.0)), \
        "train_hat should be standardize(X_train, mean, var, eps) with mean, var = feature_stats(X_train)"
    assert not np.allclose(test_hat, standardize(X_test, *feature_stats(X_test), 0.0)), \
        "test_hat is scaled with the test set's own statistics: use the TRAINING mean and variance"
    assert np.allclose(test_hat, standardize(X_test, mean, var, 0.0)), \
        "test_hat should use the TRAINING mean and variance: standardize(X_test, mean, var, eps)"
    ''', A, "train_test", "scale_train_test"),
    markdown("part4-text", r"""
    ## Part 4 (5 points): a reusable `Standardizer` / 第 4 部分（5 分）：可复用的 `Standardizer`

    Libraries wrap this in an object that remembers the statistics. Complete the class:
    `Standardizer(eps=1e-8)`; `fit(X)` computes and stores `mean_` and `var_` (shape `(D,)`) and
    returns `self`; `transform(X)` standardizes any `X` with the stored statistics.

    各种库都把这一步封装成一个记住统计量的对象。请补全这个类：`Standardizer(eps=1e-8)`；`fit(X)` 计算并保存
    `mean_` 和 `var_`（形状为 `(D,)`），然后返回 `self`；`transform(X)` 用保存好的统计量标准化任意的 `X`。
    """),
    solution("standardizer", '''
    class Standardizer:
        """Learns per-feature statistics with fit(X_train), applies them with transform(X)."""

        def __init__(self, eps=1e-8):
            self.eps = eps
            self.mean_ = None
            self.var_ = None

        def fit(self, X):
            ### BEGIN SOLUTION
            self.mean_, self.var_ = feature_stats(X)
            return self
            ### END SOLUTION

        def transform(self, X):
            ### BEGIN SOLUTION
            return standardize(X, self.mean_, self.var_, self.eps)
            ### END SOLUTION
    '''),
    test("test_standardizer", 5, '''
    """Part 4: Standardizer.fit stores mean_ and var_ and returns self; transform applies them."""
    print("(this part uses your feature_stats and standardize from parts 1 and 2: it is checked with them, "
          "and graded with correct ones, so a mistake there costs points there only)")
    X_fit = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]])
    scaler = Standardizer(eps=0.0)
    returned = scaler.fit(X_fit)
    print("fit returned self:", returned is scaler)
    print("mean_:", scaler.mean_, " expected: [2. 1.]")
    print("var_: ", scaler.var_, " expected: [2.66666667 0.        ]")
    assert returned is scaler, "fit should end with `return self`"
    mean, var = feature_stats(X_fit)
    assert np.allclose(scaler.mean_, mean) and np.allclose(scaler.var_, var), \
        "fit should store mean_, var_ = feature_stats(X) of the data it is fitted on"
    scaler.eps = 1e-8
    X_new = np.array([[2.0, 1.0], [6.0, 3.0]])
    out = scaler.transform(X_new)
    print("transform([[2, 1], [6, 3]]):", out)
    assert not np.allclose(out, standardize(X_new, *feature_stats(X_new), 1e-8)), \
        "transform uses the statistics of the data it transforms: use the stored mean_ and var_"
    assert np.allclose(out, standardize(X_new, mean, var, 1e-8)), \
        "transform(X) should be standardize(X, self.mean_, self.var_, self.eps)"
    ''', A, "standardizer", "Standardizer"),
    markdown("try-text", r"""
    ## Try it / 动手试试

    Compare a feature in dollars with one in millimetres before and after scaling. This cell is not
    graded. / 比较一个以美元计、一个以毫米计的特征在缩放前后的样子。这个单元格不计分。
    """),
    scratch("""
    rng = np.random.default_rng(0)
    X_demo = np.column_stack([rng.normal(50_000, 15_000, 200), rng.normal(3.0, 0.5, 200)])
    train_hat, test_hat = scale_train_test(X_demo[:150], X_demo[150:])
    print("std before:", X_demo.std(axis=0).round(2))
    print("std after (train):", train_hat.std(axis=0).round(3))
    print("mean after (test, close to but not exactly 0):", test_hat.mean(axis=0).round(3))
    """),
]

write(Path(__file__).resolve().parents[1] / A / f"{A}.ipynb", cells)
