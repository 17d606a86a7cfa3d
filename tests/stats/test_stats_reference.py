"""Every shared reference case (tests/stats/reference_data, with its source) through the public names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import stats

REF = Path(__file__).parent / "reference_data"


def cases(name: str) -> list:
    data = json.loads((REF / name).read_text(encoding="utf-8"))
    return [pytest.param(c, id=c["id"]) for c in data["cases"]]


def test_every_case_keeps_its_source():
    for path in REF.glob("*.json"):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            assert case.get("source"), f"{path.name}:{case['id']} has no source"


# single_proportion_ci.json: tolerance "package_test_data: 1e-9 relative"
@pytest.mark.parametrize("case", cases("single_proportion_ci.json"))
def test_proportion_ci(case):
    x, n = case["inputs"]["x"], case["inputs"]["n"]
    for key, level in (("wilson95", 0.95), ("wilson998", 0.998)):
        if key in case["expected"]:
            got = stats.proportion_ci(x, n, level)
            np.testing.assert_allclose(got, case["expected"][key], rtol=1e-9)


# difference_two_proportions_ci.json: tolerance "published 4 d.p.: abs 5e-5"
DIFF_KEYS = {"newcombe_hybrid_score": "newcombe", "wald": "wald", "agresti_caffo": "agresti-caffo"}


@pytest.mark.parametrize("case", cases("difference_two_proportions_ci.json"))
def test_diff_ci(case):
    i = case["inputs"]
    level = 1 - i.get("alpha", 0.05)
    tested = 0
    for key, method in DIFF_KEYS.items():
        if key in case["expected"]:
            got = stats.diff_ci(i["x1"], i["n1"], i["x2"], i["n2"], level, method=method)
            np.testing.assert_allclose(got, case["expected"][key], atol=5e-5, rtol=0)
            tested += 1
    assert tested >= 1


# two_and_k_sample_proportion_tests.json: tolerance "1e-10 relative for computed"
def test_equality_test_k_sample():
    case = next(c.values[0] for c in cases("two_and_k_sample_proportion_tests.json")
                if c.id == "r_proptest_smokers_4sample")
    got = stats.equality_test(case["inputs"]["x"], case["inputs"]["n"])
    assert got.df == case["expected"]["df"]
    np.testing.assert_allclose([got.chi2, got.p_value], [case["expected"]["chi2"], case["expected"]["p"]],
                               rtol=1e-10)


def test_diff_test_two_sample():
    case = next(c.values[0] for c in cases("two_and_k_sample_proportion_tests.json")
                if c.id == "r_proptest_newcombe_a_nocc")
    (x1, x2), (n1, n2) = case["inputs"]["x"], case["inputs"]["n"]
    got = stats.diff_test(x1, n1, x2, n2)
    e = case["expected"]
    np.testing.assert_allclose([got.chi2, got.z, got.p_value], [e["chi2"], e["z"], e["p"]], rtol=1e-10)
    np.testing.assert_allclose(stats.diff_ci(x1, n1, x2, n2, method="wald"), e["wald_ci"], rtol=1e-10)


# cochran_armitage_trend.json: tolerance "computed: 1e-10 relative"
@pytest.mark.parametrize("case", cases("cochran_armitage_trend.json"))
def test_trend_test(case):
    i = case["inputs"]
    got = stats.trend_test(i["x"], i["n"], scores=i["scores"])
    np.testing.assert_allclose([got.chi2, got.p_value], [case["expected"]["chi2_CA"], case["expected"]["p"]],
                               rtol=1e-10)


# glm_binomial_trend.json: tolerance "1e-6 relative (IRLS convergence)"
@pytest.mark.parametrize("case", cases("glm_binomial_trend.json"))
def test_glm_trend(case):
    i = case["inputs"]
    yes, no = np.array(i["yes"]), np.array(i["no"])
    fit = stats.glm_trend(yes, yes + no, i["x"], link="logit")
    np.testing.assert_allclose(fit.params, case["expected"]["params"], rtol=1e-6)
    np.testing.assert_allclose(fit.bse, case["expected"]["bse"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, case["expected"]["deviance"], rtol=1e-6)


def test_glm_trend_quasi_and_identity_snoring():
    """METHODS.md §4b: R quasibinomial dispersion 1.437162 (6 d.p.); Agresti (2007) §3.2.2 linear
    probability fit pi = 0.0172 + 0.0198 x (4 d.p.) on the snoring data of glm_binomial_trend.json."""
    yes, no, x = [24, 35, 21, 30], [1355, 603, 192, 224], [0, 2, 4, 5]
    n = np.add(yes, no)
    quasi = stats.glm_trend(yes, n, x, quasi=True)
    assert quasi.dispersion == pytest.approx(1.437162, abs=5e-7)
    ml = stats.glm_trend(yes, n, x)
    np.testing.assert_allclose(quasi.bse, ml.bse * np.sqrt(quasi.dispersion), rtol=1e-9)
    ident = stats.glm_trend(yes, n, x, link="identity")
    np.testing.assert_allclose(ident.params, [0.0172, 0.0198], atol=5e-5)


# mann_kendall_sen.json: tolerance "1e-10 relative"
@pytest.mark.parametrize("case", cases("mann_kendall_sen.json"))
def test_mann_kendall(case):
    got = stats.mann_kendall(case["inputs"]["x"])
    e = case["expected"]
    np.testing.assert_allclose(
        [got.z, got.p_value, got.s, got.var_s, got.slope, got.tau],
        [e["z"], e["p_two_sided"], e["S"], e["var_S"], e["sen_slope"], e["mk_tau_a"]],
        rtol=1e-10,
    )
    assert round(got.z, 1) == e["z_published_approx"]


# funnel_exact_binomial_limits.json: computed in R (scipy agrees to 2e-15); checked at 1e-10 relative
@pytest.mark.parametrize("case", cases("funnel_exact_binomial_limits.json"))
def test_funnel_exact(case):
    n, p0 = case["inputs"]["n"], case["inputs"]["target"]
    e = case["expected"]
    for level, lo_key, hi_key in ((0.95, "lower_95", "upper_95"), (0.998, "lower_998", "upper_998")):
        raw = stats.funnel_limits(n, p0, level, method="exact", clip=False)
        np.testing.assert_allclose(raw, [e[lo_key], e[hi_key]], rtol=1e-10)
        clipped = stats.funnel_limits(n, p0, level, method="exact")
        np.testing.assert_allclose(clipped, [max(e[lo_key], 0.0), min(e[hi_key], 1.0)], rtol=1e-10)


# PHE funnel test data (6 d.p. in % => abs 5e-7 in %; the axis-variation file has 8 d.p.)
def read_phe(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "phe_funnel_proportions" / name, encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("outputs", "subset", "atol"),
    [("testdata_funnel_prop_outputs.csv", None, 5e-7),
     ("testdata_funnel_prop_outputs_with_axis_variation.csv", 31000, 5e-9)],
)
def test_phe_funnel_limits(outputs, subset, atol):
    data = read_phe("testdata_funnel_prop_inputs.csv")
    if subset is not None:
        data = data[data["denominator"] < subset]
    expected = read_phe(outputs)
    pbar = data["numerator"].sum() / data["denominator"].sum()
    np.testing.assert_allclose(100 * pbar, expected["Baseline"], atol=atol, rtol=0)
    pop = expected["Population"].to_numpy()
    for level, lo, hi in ((0.95, "Lower2s0025limit", "Upper2s0025limit"),
                          (0.998, "Lower3s0001limit", "Upper3s0001limit")):
        lower, upper = stats.funnel_limits(pop, pbar, level)
        np.testing.assert_allclose(100 * lower, expected[lo], atol=atol, rtol=0)
        np.testing.assert_allclose(100 * upper, expected[hi], atol=atol, rtol=0)


def test_phe_funnel_labels_all_303():
    data = read_phe("testdata_funnel_prop_inputs.csv")
    pbar = data["numerator"].sum() / data["denominator"].sum()
    n = data["denominator"]
    limits = [*stats.funnel_limits(n, pbar, 0.95), *stats.funnel_limits(n, pbar, 0.998)]
    labels = stats.funnel_significance(data["numerator"], n, *limits)
    assert list(labels) == list(data["significance"])


@pytest.mark.parametrize("case", [c for c in cases("funnel_phe_proportions.json") if "significance" in c.id])
def test_phe_funnel_label_cases(case):
    i = case["inputs"]
    pbar = i["baseline_all_303"]
    limits = [*stats.funnel_limits(i["denominator"], pbar, 0.95),
              *stats.funnel_limits(i["denominator"], pbar, 0.998)]
    got = stats.funnel_significance(i["numerator"], i["denominator"], *limits)
    assert got == case["expected"]["significance"]


@pytest.mark.parametrize("case", [c for c in cases("funnel_phe_proportions.json") if "limits" in c.id])
def test_phe_funnel_limit_cases(case):
    data = read_phe("testdata_funnel_prop_inputs.csv")
    pbar = data["numerator"].sum() / data["denominator"].sum()
    e, pop = case["expected"], case["inputs"]["population"]
    assert 100 * pbar == pytest.approx(e["baseline"], abs=5e-7)
    np.testing.assert_allclose(100 * np.array(stats.funnel_limits(pop, pbar, 0.95)),
                               [e["lower_95"], e["upper_95"]], atol=5e-7)
    np.testing.assert_allclose(100 * np.array(stats.funnel_limits(pop, pbar, 0.998)),
                               [e["lower_998"], e["upper_998"]], atol=5e-7)


# funnel_overdispersion_spiegelhalter.json: computed with FunnelPlotR; phi, tau2, z at 1e-10 relative.
# Limits at 1e-7 absolute: FunnelPlotR hard-codes z = 1.959964 / 3.090232, we use the exact normal quantile
# (METHODS.md §7c), which moves limits by < 1e-7.
@pytest.mark.parametrize("case", cases("funnel_overdispersion_spiegelhalter.json"))
def test_overdispersion(case):
    i, e = case["inputs"], case["expected"]
    od = stats.overdispersion(i["numerator"], i["denominator"], trim=i["trim_by"])
    np.testing.assert_allclose([od.p0, od.phi, od.tau2], [e["target"], e["phi"], e["tau2"]], rtol=1e-10)
    np.testing.assert_allclose(od.zscores, e["unadjusted_zscores"], rtol=1e-10)
    lim = e["limits_at_n"]
    seq = lim["number_seq"]
    for prefix, kind in (("od", "additive"), ("", "none")):
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            lower, upper = od.limits(seq, level, kind=kind)
            np.testing.assert_allclose(lower, lim[f"{prefix}ll{suffix}"], atol=1e-7, rtol=0)
            np.testing.assert_allclose(upper, lim[f"{prefix}ul{suffix}"], atol=1e-7, rtol=0)


# kitagawa_rate_mix_decomposition.json: published 4 d.p. (abs 5e-5); percentages 2 d.p. (abs 5e-3)
@pytest.mark.parametrize("case", cases("kitagawa_rate_mix_decomposition.json"))
def test_decompose_change(case):
    i, e = case["inputs"], case["expected"]
    d = stats.decompose_change(i["share1_pct"], i["rate1"], i["share2_pct"], i["rate2"])
    want = [e["crude1"], e["crude2"], e["diff"], e["composition_effect"], e["rate_effect"]]
    np.testing.assert_allclose([d.crude1, d.crude2, d.total, d.mix, d.rate], want, atol=5e-5, rtol=0)
    assert 100 * d.mix / d.total == pytest.approx(e["composition_pct"], abs=5e-3)
    assert 100 * d.rate / d.total == pytest.approx(e["rate_pct"], abs=5e-3)
