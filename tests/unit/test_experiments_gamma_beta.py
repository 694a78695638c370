"""The pure functions behind chapter 4: activation regimes, BN outputs, the deep sigmoid runs."""

import math

import numpy as np
import pytest

from bnbook.experiments import gamma_beta as E


def slope(name, z, h=1e-6):
    return (E.activation(name, z + h) - E.activation(name, z - h)) / (2 * h)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_regime_bounds_are_where_the_slope_crosses_its_levels(name):
    b = E.regime_bounds(name)
    s0 = slope(name, 0.0)
    assert slope(name, b["linear"]) == pytest.approx(E.LINEAR_SLOPE * s0, rel=1e-6)
    assert slope(name, b["saturated"]) == pytest.approx(E.SATURATED_SLOPE * s0, rel=1e-6)
    assert 0 < b["linear"] < b["saturated"]


def test_activation_matches_the_textbook_formulas():
    z = np.array([-30.0, -1.0, 0.0, 2.0, 30.0])
    np.testing.assert_allclose(E.activation("sigmoid", z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(E.activation("relu", z), [0, 0, 0, 2, 30])
    with pytest.raises(ValueError):
        E.activation("gelu", z)


def test_activation_regimes_count_the_right_values():
    b = E.regime_bounds("sigmoid")
    z = np.array([0.0, 0.5 * b["linear"], -2.0, b["saturated"] + 1, -(b["saturated"] + 5)])
    r = E.activation_regimes("sigmoid", z)
    assert r == pytest.approx({"linear": 0.4, "saturated": 0.4, "curved": 0.2, "dead": 0.0})
    r = E.activation_regimes("relu", np.array([-1.0, 0.0, 2.0, 3.0]))
    assert r == pytest.approx({"dead": 0.5, "linear": 0.5, "saturated": 0.0, "curved": 0.0})


def test_standard_normal_values_mostly_sit_in_the_linear_part_of_sigmoid():
    r = E.activation_regimes("sigmoid", E.bn_outputs(1.0, 0.0))
    gauss = math.erf(E.regime_bounds("sigmoid")["linear"] / math.sqrt(2))  # P(|N(0,1)| < bound)
    assert r["linear"] == pytest.approx(gauss, abs=0.08)
    assert r["saturated"] < 0.01
    wide = E.activation_regimes("sigmoid", E.bn_outputs(4.0, 0.0))
    assert wide["saturated"] > 0.2 and wide["linear"] < r["linear"] / 2


def test_bn_outputs_have_mean_beta_and_std_gamma():
    x_hat = E.standardized_batch()
    np.testing.assert_allclose(x_hat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x_hat.std(axis=0), 1, atol=1e-4)
    y = E.bn_outputs(2.5, -1.0)
    assert y.mean() == pytest.approx(-1.0, abs=1e-12)
    assert y.std() == pytest.approx(2.5, rel=1e-4)


def test_deep_sigmoid_runs_small():
    runs = E.deep_sigmoid_runs(lrs=(0.1,), depth=6, width=16, epochs=2)
    assert [(r.norm, r.lr) for r in runs] == [(None, 0.1), ("bn", 0.1)]
    plain, bn = runs
    assert len(plain.history.test_accuracy) == 2 == len(bn.history.test_accuracy)
    # Without BN the deep sigmoid stack barely moves; with BN it learns.
    assert bn.history.test_accuracy[-1] > 0.5 > plain.history.test_accuracy[-1]
    assert np.mean(bn.history.step_loss[-10:]) < np.mean(plain.history.step_loss[-10:])


def test_deep_runs_report_the_learned_gamma_and_beta():
    plain, bn = E.deep_sigmoid_runs(lrs=(0.1,), depth=6, width=16, epochs=2)
    assert plain.gammas.size == 0 and plain.betas.size == 0
    assert bn.gammas.shape == bn.betas.shape == (6 * 16,)
    assert not np.allclose(bn.gammas, 1.0) and not np.allclose(bn.betas, 0.0)  # training moved them


def test_deep_runs_carry_the_settings_they_were_trained_with():
    plain, bn = E.deep_sigmoid_runs(lrs=(0.1,), depth=6, width=16, epochs=2)
    for run in (plain, bn):
        assert run.settings == dict(depth=6, width=16, epochs=2, batch_size=32, momentum=0.9, seed=0)
        assert len(run.history.test_accuracy) == run.settings["epochs"]
    assert bn.gammas.size == bn.settings["depth"] * bn.settings["width"]
