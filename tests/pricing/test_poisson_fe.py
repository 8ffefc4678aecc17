"""The Poisson fixed-effects fitters against statsmodels, the batch against the single fit, and the
change-point machinery for days of unknown price."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from merchant_ai.pricing.poisson_fe import Gaps, change_point_weights, fit_poisson_fe, gap_log_likelihood
from merchant_ai.pricing.sku_poisson import fit_skus


def _data(seed=1, n=600, groups=10, weeks=25):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    w = rng.integers(0, weeks, n)
    x = rng.normal(0, 0.1, (n, 1)) + 0.05 * np.sin(w)[:, None]
    mu = np.exp(0.5 + 0.1 * g + 0.5 * np.sin(w) - 2 * x[:, 0] + rng.normal(0, 0.3, 6)[g // 2])
    return rng.poisson(mu).astype(float), x, g, w


def _dummies(codes):
    return (codes[:, None] == np.unique(codes)[None, 1:]).astype(float)


def test_one_level_set_matches_a_glm_with_dummies():
    y, x, g, _ = _data()
    fit = fit_poisson_fe(y, x, g, clusters=g // 2)
    D = np.column_stack([np.ones(len(y)), x, _dummies(g)])
    glm = sm.GLM(y, D, family=sm.families.Poisson())
    assert fit.beta[0] == pytest.approx(glm.fit().params[1], abs=1e-6)
    assert np.sqrt(fit.cov[0, 0]) == pytest.approx(glm.fit(scale="X2").bse[1] * np.sqrt(max(1.0, fit.scale)
                                                   / glm.fit(scale="X2").scale), rel=1e-4)
    robust = glm.fit(cov_type="cluster", cov_kwds={"groups": g // 2})
    assert np.sqrt(fit.cov_robust[0, 0]) == pytest.approx(robust.bse[1], rel=1e-3)


def test_week_levels_match_a_glm_with_two_sets_of_dummies():
    y, x, g, w = _data(seed=2, n=800, groups=12)
    fit = fit_poisson_fe(y, x, g, weeks=w, clusters=g // 2)
    D = np.column_stack([np.ones(len(y)), x, _dummies(g), _dummies(w)])
    glm = sm.GLM(y, D, family=sm.families.Poisson())
    assert fit.beta[0] == pytest.approx(glm.fit().params[1], abs=1e-6)
    robust = glm.fit(cov_type="cluster", cov_kwds={"groups": g // 2})
    assert np.sqrt(fit.cov_robust[0, 0]) == pytest.approx(robust.bse[1], rel=1e-3)


def test_batch_of_skus_matches_one_fit_each():
    rng = np.random.default_rng(4)
    parts = []
    for s in range(5):
        n = int(rng.integers(40, 90))
        ch = rng.integers(0, 2, n)
        X = np.column_stack([np.log(20 * np.exp(rng.normal(0, 0.1, n))), np.arange(n) / 52.0])
        y = rng.poisson(np.exp(1 + 0.3 * ch + (-1.5 - 0.2 * s) * (X[:, 0] - np.log(20)))).astype(float)
        order = np.lexsort((np.arange(n), ch))
        parts.append((y[order], X[order], ch[order]))
    y = np.concatenate([p[0] for p in parts])
    X = np.vstack([p[1] for p in parts])
    sku = np.repeat(np.arange(5), [len(p[0]) for p in parts])
    pair = np.unique(sku * 10 + np.concatenate([p[2] for p in parts]), return_inverse=True)[1]
    used = np.ones((5, 2), bool)
    used[3, 1] = False                                  # one SKU without the trend column
    batch = fit_skus(y, X, used, sku, pair, np.ones(len(y)), None)
    for s, (ys, Xs, chs) in enumerate(parts):
        single = fit_poisson_fe(ys, Xs[:, :2] if used[s, 1] else Xs[:, :1], chs)
        assert batch.beta[s, 0] == pytest.approx(single.beta[0], abs=1e-5)
        assert np.sqrt(batch.cov[s, 0, 0]) == pytest.approx(np.sqrt(single.cov[0, 0]), rel=1e-4)


def _gaps(gap):
    gap = np.asarray(gap)
    n = len(gap)
    zeros = np.zeros(n, np.int64)
    return Gaps(a=np.arange(n), b=np.arange(n) + n, gap=gap, level_a=zeros, level_b=zeros, spells=np.zeros(1),
                known=np.zeros(1), kind=np.zeros(1, np.int64), per_line=np.ones(n), row_level=np.zeros(2 * n, np.int64))


def test_change_point_posterior():
    two = _gaps([0, 0])
    # Quiet days are far likelier at the low-rate price: the change happened late (or early).
    assert change_point_weights(np.array([0.1, 0.1]), np.array([10.0, 10.0]), two) == pytest.approx([1, 1], abs=1e-4)
    assert change_point_weights(np.array([10.0, 10.0]), np.array([0.1, 0.1]), two) == pytest.approx([0, 0], abs=1e-4)
    # Equal rates: the uniform prior, P(day w at the earlier price) = (k - w + 1) / (k + 1).
    assert change_point_weights(np.ones(3), np.ones(3), _gaps([0, 0, 1])) == pytest.approx([2 / 3, 1 / 3, 1 / 2])


def test_gap_likelihood_averages_over_the_change_point():
    a, b = np.array([0.5, 0.5]), np.array([2.0, 2.0])
    expected = np.log((np.exp(-4) + np.exp(-2.5) + np.exp(-1)) / 3)      # c = 0, 1, 2 days at the earlier price
    assert gap_log_likelihood(a, b, _gaps([0, 0]))[0] == pytest.approx(expected)
    assert gap_log_likelihood(np.ones(2), np.ones(2), _gaps([0, 0]))[0] == pytest.approx(-2.0)   # no price effect
