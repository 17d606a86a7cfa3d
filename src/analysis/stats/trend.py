"""Trends over years in a proportion: Cochran-Armitage, binomial GLM with projection, Mann-Kendall/Sen."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pymannkendall as mk
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.tools.sm_exceptions import DomainWarning, PerfectSeparationWarning

from analysis.stats._checks import as_float, check_counts, check_level

#: Link functions accepted by :func:`glm_trend`.
LINKS = {"logit": sm.families.links.Logit, "identity": sm.families.links.Identity}


@dataclass(frozen=True)
class TrendTest:
    """Cochran-Armitage test for a linear trend: statistic, p-value and least-squares slope per score unit."""

    chi2: float
    p_value: float
    slope: float
    z: float
    n_groups: int


def trend_test(x: Any, n: Any, scores: Any = None) -> TrendTest:
    r"""Chi-squared test for a linear trend in proportions (R ``prop.trend.test`` convention).

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators of the k ordered groups (years); groups with ``n = 0`` are dropped.
    scores : array-like, optional
        Group scores (e.g. the years); default ``1..k`` as in R.

    Returns
    -------
    TrendTest
        ``chi2`` (1 df), two-sided ``p_value``, ``slope`` (change in proportion per score unit, weighted
        least squares), signed ``z`` and the number of groups used. NaN when fewer than two groups remain,
        the scores do not vary, or the pooled proportion is 0 or 1.

    Notes
    -----
    With :math:`N = \sum n_i`, :math:`\bar p = \sum x_i / N`:

    .. math:: T = \sum x_i s_i - \bar p \sum n_i s_i, \quad
              \chi^2 = \frac{T^2}{\bar p(1-\bar p)\,[\sum n_i s_i^2 - (\sum n_i s_i)^2/N]}

    and :math:`b = \sum n_i (p_i - \bar p)(s_i - \bar s) / \sum n_i (s_i - \bar s)^2`. This is the
    denominator-N convention of R and Armitage (1955); statsmodels ``Table.test_ordinal_association``
    returns the (N-1)/N multiple (METHODS.md §4a, §11 row 6), so the formula is computed directly.

    References
    ----------
    Armitage P (1955) Tests for linear trends in proportions and frequencies. Biometrics 11:375-386.
    R ``stats::prop.trend.test``.

    Examples
    --------
    >>> t = trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    >>> round(t.chi2, 4), round(t.p_value, 6)
    (8.2249, 0.004132)
    """
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa), np.atleast_1d(na)
    s = np.arange(1.0, xa.size + 1) if scores is None else np.atleast_1d(as_float(scores, name="scores"))
    if s.shape != xa.shape:
        raise ValueError(f"scores has {s.size} values for {xa.size} groups")
    keep = na > 0
    xa, na, s = xa[keep], na[keep], s[keep]
    nan = TrendTest(np.nan, np.nan, np.nan, np.nan, int(xa.size))
    if xa.size < 2:
        return nan
    big_n = na.sum()
    pbar = xa.sum() / big_n
    sxx = np.sum(na * s**2) - np.sum(na * s) ** 2 / big_n
    if not 0 < pbar < 1 or sxx <= 0:
        return nan
    t_stat = np.sum(xa * s) - pbar * np.sum(na * s)
    z = t_stat / np.sqrt(pbar * (1 - pbar) * sxx)
    sbar = np.sum(na * s) / big_n
    slope = np.sum(na * (xa / na - pbar) * (s - sbar)) / np.sum(na * (s - sbar) ** 2)
    return TrendTest(float(z**2), float(2 * sps.norm.sf(abs(z))), float(slope), float(z), int(xa.size))


@dataclass(frozen=True)
class GlmTrend:
    """A fitted binomial / quasi-binomial GLM of a proportion on time, with its projection.

    ``dispersion`` is the Pearson chi-squared over the residual degrees of freedom (always reported);
    ``scale`` is what the standard errors use: 1 for the binomial model, ``dispersion`` when ``quasi``.
    """

    params: np.ndarray
    bse: np.ndarray
    dispersion: float
    scale: float
    link: str
    quasi: bool
    deviance: float
    pearson_chi2: float
    df_resid: int
    nobs: np.ndarray = field(repr=False)
    t_obs: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)

    def _inverse(self, eta: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-eta)) if self.link == "logit" else eta

    def _linear(self, t_new: Any) -> tuple[np.ndarray, np.ndarray]:
        t = np.atleast_1d(as_float(t_new, name="t_new"))
        design = np.column_stack([np.ones_like(t), t])
        eta = design @ self.params
        se = np.sqrt(np.einsum("ij,jk,ik->i", design, self.cov, design))
        return eta, se

    def slope_points(self) -> float:
        """Slope on the proportion scale per unit of t (for logit: mean of b1*mu*(1-mu) weighted by n)."""
        b1 = float(self.params[1])
        if self.link == "identity":
            return b1
        mu = self._inverse(self._linear(self.t_obs)[0])
        return float(np.sum(self.nobs * b1 * mu * (1 - mu)) / np.sum(self.nobs))

    def slope_ci(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of :meth:`slope_points` (Wald on b1, same conversion factor for logit)."""
        z = check_level(level)
        b1, se1 = float(self.params[1]), float(self.bse[1])
        factor = 1.0 if self.link == "identity" or b1 == 0 else self.slope_points() / b1
        if self.link == "logit" and b1 == 0:
            mu = self._inverse(self._linear(self.t_obs)[0])
            factor = float(np.sum(self.nobs * mu * (1 - mu)) / np.sum(self.nobs))
        return (b1 - z * se1) * factor, (b1 + z * se1) * factor

    def predict(self, t_new: Any, level: float = 0.95, *, n_new: Any = None) -> pd.DataFrame:
        r"""Fitted proportion at ``t_new`` with a confidence interval and a prediction interval.

        Parameters
        ----------
        t_new : array-like
            Times (years) to predict at.
        level : float, default 0.95
            Confidence level of both intervals.
        n_new : array-like, optional, keyword-only
            Denominator expected in the new period; default the last observed denominator.

        Returns
        -------
        pandas.DataFrame
            ``t``, ``mean``, ``mean_se`` (link scale), ``mean_ci_lower``/``upper`` (where the trend line
            is) and ``pi_lower``/``pi_upper`` (where the proportion observed in that period is expected).

        Notes
        -----
        The prediction interval is for the proportion that will be *observed* in a period at ``t_new``
        among ``n_new`` cases, if the fitted trend continues. On the link scale
        :math:`\hat\eta \pm z\sqrt{\mathrm{se}(\hat\eta)^2 + g'(\hat\mu)^2 \phi\hat\mu(1-\hat\mu)/n_{new}}`
        is back-transformed, with :math:`\phi` = ``scale`` (1 for the binomial model). It covers the
        uncertainty of the fitted line and the (over-dispersed) binomial variation of one period; it does
        not cover a change of definition, a shock or a break in the trend. Limits are clipped to [0, 1].
        """
        z = check_level(level)
        eta, se = self._linear(t_new)
        mu = self._inverse(eta)
        last_n = self.nobs[-1] if self.nobs.size else np.nan
        nn = last_n if n_new is None else as_float(n_new, name="n_new")
        gprime = 1 / (mu * (1 - mu)) if self.link == "logit" else np.ones_like(mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            se_obs = np.sqrt(se**2 + gprime**2 * self.scale * mu * (1 - mu) / nn)
        out = pd.DataFrame({"t": np.atleast_1d(as_float(t_new, name="t_new")), "mean": mu, "mean_se": se})
        out["mean_ci_lower"] = np.clip(self._inverse(eta - z * se), 0, 1)
        out["mean_ci_upper"] = np.clip(self._inverse(eta + z * se), 0, 1)
        out["pi_lower"] = np.clip(self._inverse(eta - z * se_obs), 0, 1)
        out["pi_upper"] = np.clip(self._inverse(eta + z * se_obs), 0, 1)
        out["se_obs"] = se_obs
        return out

    def prob_reach(self, t_new: Any, target: Any, *, higher_is_better: bool = True, n_new: Any = None) -> Any:
        """Probability that the proportion observed at ``t_new`` reaches ``target`` (same model as the PI).

        ``P(p_new >= target)`` when higher is better, else ``P(p_new <= target)``; normal on the link scale.
        """
        pred = self.predict(t_new, n_new=n_new)
        tgt = np.asarray(target, dtype=float)
        eta_t = np.log(tgt / (1 - tgt)) if self.link == "logit" else tgt
        eta = np.log(pred["mean"] / (1 - pred["mean"])) if self.link == "logit" else pred["mean"]
        zz = (np.asarray(eta) - eta_t) / pred["se_obs"].to_numpy()
        prob = sps.norm.cdf(zz) if higher_is_better else sps.norm.sf(zz)
        return float(prob[0]) if prob.size == 1 else prob


def glm_trend(x: Any, n: Any, t: Any, link: str = "logit", quasi: bool = False) -> GlmTrend:
    r"""Fit a binomial (or quasi-binomial) GLM of the proportion ``x/n`` on time ``t``.

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators per period; periods with ``n = 0`` are dropped.
    t : array-like
        Time of each period (e.g. the year).
    link : {"logit", "identity"}, default "logit"
        ``identity`` gives the slope directly in proportion per unit of ``t`` (linear probability model).
    quasi : bool, default False
        Quasi-binomial: standard errors scaled by the Pearson dispersion (R ``quasibinomial``).

    Returns
    -------
    GlmTrend
        ``params`` and ``bse`` (arrays: intercept, slope), ``dispersion``, and :meth:`GlmTrend.predict`.

    Raises
    ------
    ValueError
        Bad counts (the message names the position) or an unknown link. Fewer than two distinct times
        with ``n > 0`` give NaN parameters, not an error.

    Notes
    -----
    :math:`g(p_t) = \beta_0 + \beta_1 t`, fitted by IRLS with ``endog = x/n`` and ``var_weights = n``
    (METHODS.md §4b); quasi-binomial uses ``fit(scale="X2")``, dispersion = Pearson chi-squared /
    df_resid. The two-column endog with ``scale="X2"`` and ``freq_weights`` give a wrong scale
    (METHODS.md §11 row 5) and are not used.

    References
    ----------
    Agresti A (2007) *An Introduction to Categorical Data Analysis*, 2nd ed., §3.2. McCullagh P, Nelder JA
    (1989) *Generalized Linear Models*, 2nd ed., §4.5 (quasi-likelihood).

    Examples
    --------
    >>> fit = glm_trend([24, 35, 21, 30], [1379, 638, 213, 254], [0, 2, 4, 5])
    >>> [round(float(v), 6) for v in fit.params]
    [-3.866248, 0.397337]
    """
    xa, na = check_counts(x, n)
    ta = as_float(t, name="t")
    xa, na, ta = (np.atleast_1d(v) for v in np.broadcast_arrays(xa, na, ta))
    if link not in LINKS:
        raise ValueError(f"link must be one of {sorted(LINKS)}; got {link!r}")
    keep = na > 0
    xa, na, ta = xa[keep], na[keep], ta[keep]
    if xa.size < 2 or np.ptp(ta) == 0:  # nothing to fit: NaN result, not an error (n = 0 gives NaN)
        nan2 = np.full(2, np.nan)
        return GlmTrend(nan2, nan2.copy(), np.nan, np.nan, link, bool(quasi), np.nan, np.nan, 0,
                        nobs=na, t_obs=ta, cov=np.full((2, 2), np.nan))
    design = np.column_stack([np.ones_like(ta), ta])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DomainWarning)
        if xa.size == 2:  # saturated: exact fit and zero residual df are expected, not a problem
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
        family = sm.families.Binomial(link=LINKS[link]())
        model = sm.GLM(xa / na, design, family=family, var_weights=na)
        res = model.fit(scale="X2" if quasi else 1.0)
    df_resid = int(round(res.df_resid))
    dispersion = float(res.pearson_chi2 / df_resid) if df_resid > 0 else np.nan
    return GlmTrend(
        params=np.asarray(res.params, dtype=float),
        bse=np.asarray(res.bse, dtype=float),
        dispersion=dispersion,
        scale=float(res.scale),
        link=link,
        quasi=bool(quasi),
        deviance=float(res.deviance),
        pearson_chi2=float(res.pearson_chi2),
        df_resid=df_resid,
        nobs=na,
        t_obs=ta,
        cov=np.asarray(res.cov_params()),
    )


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall test (tie-corrected, continuity-corrected) with Sen's slope."""

    z: float
    p_value: float
    slope: float
    s: float
    var_s: float
    tau: float
    intercept: float
    n: int


def mann_kendall(values: Any) -> MannKendall:
    r"""Mann-Kendall trend test and Sen slope of a series (e.g. yearly proportions), in time order.

    Parameters
    ----------
    values : array-like
        The series; all values must be finite.

    Returns
    -------
    MannKendall
        ``z``, two-sided ``p_value``, Sen ``slope`` per step, ``s``, ``var_s``, ``tau`` (tau-a, S over
        n(n-1)/2, not Kendall's tau-b), ``intercept``; NaN for fewer than three values.

    Notes
    -----
    .. math:: S = \sum_{i<j} \mathrm{sign}(x_j - x_i), \quad
              Z = \frac{S - \mathrm{sign}(S)}{\sqrt{\mathrm{Var}\,S}}, \quad
              \mathrm{slope} = \mathrm{median}_{i<j} \frac{x_j - x_i}{j - i}

    with the tie-corrected variance, by ``pymannkendall.original_test``. It ignores denominators: a year
    with 20 cases counts as much as one with 20 000; with fewer than ten points it has little power.

    References
    ----------
    Mann HB (1945) Econometrica 13:245-259. Kendall MG (1975) *Rank Correlation Methods*. Sen PK (1968)
    JASA 63:1379-1389. Gilbert RO (1987) *Statistical Methods for Environmental Pollution Monitoring*, ch. 16.

    Examples
    --------
    >>> r = mann_kendall([0.90, 0.91, 0.93, 0.92, 0.95])
    >>> r.s, round(r.slope, 4)
    (8.0, 0.0112)
    """
    arr = np.atleast_1d(as_float(values, name="values"))
    if arr.size < 3:
        return MannKendall(*(np.nan,) * 7, n=int(arr.size))
    res = mk.original_test(arr)
    return MannKendall(
        z=float(res.z),
        p_value=float(res.p),
        slope=float(res.slope),
        s=float(res.s),
        var_s=float(res.var_s),
        tau=float(res.Tau),
        intercept=float(res.intercept),
        n=int(arr.size),
    )
