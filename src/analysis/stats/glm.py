"""The binomial / quasi-binomial GLM of a proportion on time, its projection, and the fits it refuses."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.genmod import families  # not statsmodels.api: it imports all of statsmodels (+0.3 s)
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import DomainWarning, PerfectSeparationWarning

from analysis.stats._checks import as_float, check_counts, check_level

#: Link functions accepted by :func:`glm_trend`.
LINKS = {"logit": families.links.Logit, "identity": families.links.Identity}


@dataclass(frozen=True)
class GlmTrend:
    """A fitted binomial / quasi-binomial GLM of a proportion on time, with its projection.

    ``dispersion`` is the Pearson chi-squared over the residual degrees of freedom (NaN with none);
    ``scale`` is what the standard errors use: 1 for the binomial model, the (possibly floored)
    dispersion when ``quasi``. With ``quasi`` the intervals use t quantiles on ``df_resid`` degrees of
    freedom (the dispersion is estimated), otherwise normal quantiles. ``note`` says why a fit was
    refused (NaN parameters) or what is missing (e.g. no dispersion with two periods).
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
    note: str = ""

    @property
    def model(self) -> str:
        """``"quasi-binomial"``, ``"binomial"``, or ``""`` when the fit was refused."""
        if not np.all(np.isfinite(self.params)):
            return ""
        return "quasi-binomial" if self.quasi else "binomial"

    def quantile(self, level: float = 0.95) -> float:
        """Two-sided quantile of the intervals: t on ``df_resid`` df when ``quasi``, else normal."""
        z = check_level(level)
        if self.quasi:
            return float(sps.t.ppf(0.5 + level / 2, self.df_resid)) if self.df_resid > 0 else np.nan
        return z

    def _inverse(self, eta: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-eta)) if self.link == "logit" else eta

    def _linear(self, t_new: Any) -> tuple[np.ndarray, np.ndarray]:
        t = np.atleast_1d(as_float(t_new, name="t_new"))
        design = np.column_stack([np.ones_like(t), t])
        eta = design @ self.params
        se = np.sqrt(np.einsum("ij,jk,ik->i", design, self.cov, design))
        return eta, se

    def _factor(self) -> float:
        """d(proportion)/d(eta) averaged over the observed periods, weighted by n (1 for identity)."""
        if self.link == "identity":
            return 1.0
        mu = self._inverse(self._linear(self.t_obs)[0])
        return float(np.sum(self.nobs * mu * (1 - mu)) / np.sum(self.nobs))

    def slope_points(self) -> float:
        """Slope on the proportion scale per unit of t (for logit: mean of b1*mu*(1-mu) weighted by n)."""
        return float(self.params[1]) * self._factor()

    def slope_ci(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of :meth:`slope_points` (Wald on b1, t quantile when quasi)."""
        q = self.quantile(level)
        b1, se1 = float(self.params[1]), float(self.bse[1])
        factor = self._factor()
        return (b1 - q * se1) * factor, (b1 + q * se1) * factor

    def slope_p_value(self) -> float:
        """Two-sided p-value of the slope, from the same model and quantile as :meth:`slope_ci`."""
        b1, se1 = float(self.params[1]), float(self.bse[1])
        if not (np.isfinite(b1) and np.isfinite(se1)) or se1 <= 0:
            return np.nan
        stat = abs(b1 / se1)
        if self.quasi:
            return float(2 * sps.t.sf(stat, self.df_resid)) if self.df_resid > 0 else np.nan
        return float(2 * sps.norm.sf(stat))

    def latest_n(self) -> float:
        """Denominator of the latest observed period (the largest t), the default ``n_new``."""
        return float(self.nobs[int(np.argmax(self.t_obs))]) if self.nobs.size else np.nan

    def predict(self, t_new: Any, level: float = 0.95, *, n_new: Any = None) -> pd.DataFrame:
        r"""Fitted proportion at ``t_new`` with a confidence interval and a prediction interval.

        Parameters
        ----------
        t_new : array-like
            Times (years) to predict at.
        level : float, default 0.95
            Confidence level of both intervals.
        n_new : array-like, optional, keyword-only
            Denominator expected in the new period; default the denominator of the latest observed
            period (the largest t), whatever the order the periods were given in.

        Returns
        -------
        pandas.DataFrame
            ``t``, ``mean``, ``mean_se`` (link scale), ``mean_ci_lower``/``upper`` (where the trend line
            is), ``pi_lower``/``pi_upper`` (where the proportion observed in that period is expected) and
            ``se_obs`` (link-scale standard error of that observed proportion).

        Notes
        -----
        The prediction interval is for the proportion that will be *observed* in a period at ``t_new``
        among ``n_new`` cases, if the fitted trend continues. On the link scale

        .. math:: \hat\eta \pm q\sqrt{\mathrm{se}(\hat\eta)^2
                  + g'(\hat\mu)^2\,\phi\,\hat\mu(1-\hat\mu)/n_{new}}

        is back-transformed (for the logit, :math:`g'(\mu)^2\mu(1-\mu) = 1/(\mu(1-\mu))`), with
        :math:`\phi` = ``scale`` and :math:`q` = :meth:`quantile`: the normal quantile for the binomial
        model, the t quantile on the residual degrees of freedom when the dispersion is estimated
        (quasi-binomial), because :math:`\hat\phi` is itself uncertain (METHODS.md §12; McCullagh & Nelder
        1989, ch. 9). :math:`\mathrm{se}(\hat\eta)^2 = x_0^\top \hat\phi (X^\top W X)^{-1} x_0` is what R
        ``predict(fit, newdata, se.fit = TRUE)`` returns for a quasi-binomial ``glm``. The interval covers
        the uncertainty of the fitted line and the (over-dispersed) variation of one period; not a change
        of definition, a shock beyond those seen, or a break in the trend. Limits are clipped to [0, 1].

        References
        ----------
        McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., ch. 4 and 9.
        """
        q = self.quantile(level)
        eta, se = self._linear(t_new)
        mu = self._inverse(eta)
        nn = self.latest_n() if n_new is None else as_float(n_new, name="n_new")
        gprime = 1 / (mu * (1 - mu)) if self.link == "logit" else np.ones_like(mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            se_obs = np.sqrt(se**2 + gprime**2 * self.scale * mu * (1 - mu) / nn)
        out = pd.DataFrame({"t": np.atleast_1d(as_float(t_new, name="t_new")), "mean": mu, "mean_se": se})
        out["mean_ci_lower"] = np.clip(self._inverse(eta - q * se), 0, 1)
        out["mean_ci_upper"] = np.clip(self._inverse(eta + q * se), 0, 1)
        out["pi_lower"] = np.clip(self._inverse(eta - q * se_obs), 0, 1)
        out["pi_upper"] = np.clip(self._inverse(eta + q * se_obs), 0, 1)
        out["se_obs"] = se_obs
        return out

    def prob_reach(self, t_new: Any, target: Any, *, higher_is_better: bool = True, n_new: Any = None) -> Any:
        """Probability that the proportion observed at ``t_new`` reaches ``target`` (same model as the PI).

        ``P(p_new >= target)`` when higher is better, else ``P(p_new <= target)``: normal on the link
        scale for the binomial model, t on ``df_resid`` df for the quasi-binomial one (as the interval).
        """
        pred = self.predict(t_new, n_new=n_new)
        tgt = np.asarray(target, dtype=float)
        mean = pred["mean"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            eta_t = np.log(tgt / (1 - tgt)) if self.link == "logit" else tgt
            eta = np.log(mean / (1 - mean)) if self.link == "logit" else mean
            zz = (eta - eta_t) / pred["se_obs"].to_numpy()
        dist = sps.t(self.df_resid) if self.quasi and self.df_resid > 0 else sps.norm
        prob = dist.cdf(zz) if higher_is_better else dist.sf(zz)
        if self.quasi and self.df_resid <= 0:
            prob = np.full_like(zz, np.nan)
        return float(prob[0]) if prob.size == 1 else prob


def _refused(xa, na, ta, link: str, quasi: bool, note: str) -> GlmTrend:
    nan2 = np.full(2, np.nan)
    return GlmTrend(nan2, nan2.copy(), np.nan, np.nan, link, bool(quasi), np.nan, np.nan, 0,
                    nobs=na, t_obs=ta, cov=np.full((2, 2), np.nan), note=note)


def separated(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> bool:
    """Tell whether the successes and failures do not overlap in time (no finite logit slope).

    With one covariate the maximum-likelihood logit fit is finite exactly when the times with a success
    (x > 0) and the times with a failure (x < n) overlap on more than one point (Albert & Anderson 1984).
    """
    succ, fail = t[x > 0], t[x < n]
    if succ.size == 0 or fail.size == 0:
        return True
    return bool(fail.max() <= succ.min() or succ.max() <= fail.min())


def _wls_start(p: np.ndarray, n: np.ndarray, tc: np.ndarray) -> np.ndarray | None:
    """Weighted least-squares line of p on centred t, as identity-link start values (None if invalid)."""
    design = np.column_stack([np.ones_like(tc), tc])
    w = n / np.clip(p * (1 - p), 1e-6, None)
    beta = np.linalg.lstsq(design * np.sqrt(w)[:, None], p * np.sqrt(w), rcond=None)[0]
    fitted = design @ beta
    return beta if np.all((fitted > 0) & (fitted < 1)) else None


def fit_glm(x: Any, n: Any, t: Any, *, link: str = "logit", quasi: bool = False,
            min_dispersion: float | None = None) -> GlmTrend:
    """Shared implementation of :func:`glm_trend` and :func:`analysis.stats.trend.fit_trend`.

    ``min_dispersion`` floors the quasi-binomial scale (``fit_trend`` uses 1: never narrower than binomial).
    """
    xa, na = check_counts(x, n)
    ta = as_float(t, name="t")
    xa, na, ta = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(xa, na, ta))
    if link not in LINKS:
        raise ValueError(f"link must be one of {sorted(LINKS)}; got {link!r}")
    keep = na > 0
    xa, na, ta = xa[keep], na[keep], ta[keep]
    if xa.size < 2 or np.ptp(ta) == 0:
        return _refused(xa, na, ta, link, quasi, "fewer than two periods with cases: nothing to fit")
    if np.all(xa == 0) or np.all(xa == na):
        return _refused(xa, na, ta, link, quasi, "rate is 0 or 1 in every period: no finite fit")
    if link == "logit" and separated(xa, na, ta):
        return _refused(xa, na, ta, link, quasi, "separation: the periods with rate 0 (or 1) come all before "
                        "the others, so the logit slope is infinite (no finite fit)")
    tbar = float(ta.mean())
    tc = ta - tbar
    design = np.column_stack([np.ones_like(tc), tc])
    start = _wls_start(xa / na, na, tc) if link == "identity" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DomainWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)  # saturated fits; separation checked above
        warnings.simplefilter("ignore", RuntimeWarning)
        model = GLM(xa / na, design, family=families.Binomial(link=LINKS[link]()), var_weights=na)
        res = model.fit(scale=1.0, start_params=start, maxiter=200)
    params_c = np.asarray(res.params, dtype=float)
    eta = design @ params_c
    if link == "identity" and (not res.converged or np.any(eta <= 0) or np.any(eta >= 1)):
        return _refused(xa, na, ta, link, quasi, "identity link: no valid straight line inside (0, 1) "
                        "fits these rates (R: 'no valid set of coefficients'); use link='logit'")
    if not res.converged or not np.all(np.isfinite(params_c)):
        return _refused(xa, na, ta, link, quasi, "IRLS did not converge: no fit")
    mu = 1 / (1 + np.exp(-eta)) if link == "logit" else eta
    pearson = float(np.sum(na * (xa / na - mu) ** 2 / (mu * (1 - mu))))
    df_resid = int(xa.size - 2)
    dispersion = pearson / df_resid if df_resid > 0 else np.nan
    note = ""
    if not quasi:
        scale = 1.0
    elif df_resid == 0:
        scale = np.nan
        note = ("two periods: the fit is saturated (0 residual df), so the dispersion is not estimable; "
                "no interval")
    else:
        scale = dispersion if min_dispersion is None else max(dispersion, float(min_dispersion))
    cov_c = np.asarray(res.cov_params(), dtype=float) * scale
    jac = np.array([[1.0, -tbar], [0.0, 1.0]])  # back from centred time: b0 = b0c - b1 * tbar
    params = jac @ params_c
    cov = jac @ cov_c @ jac.T
    return GlmTrend(
        params=params, bse=np.sqrt(np.diag(cov)), dispersion=float(dispersion), scale=float(scale),
        link=link, quasi=bool(quasi), deviance=float(res.deviance), pearson_chi2=pearson,
        df_resid=df_resid, nobs=na, t_obs=ta, cov=cov, note=note,
    )


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
        Quasi-binomial: standard errors scaled by the Pearson dispersion (R ``quasibinomial``) and
        intervals on t quantiles with the residual degrees of freedom.

    Returns
    -------
    GlmTrend
        ``params`` and ``bse`` (arrays: intercept, slope), ``dispersion``, ``note``, and
        :meth:`GlmTrend.predict`. A fit that cannot be trusted is refused: NaN parameters and a ``note``.

    Raises
    ------
    ValueError
        Bad counts (the message names the position) or an unknown link.

    Notes
    -----
    :math:`g(p_t) = \beta_0 + \beta_1 t`, fitted by IRLS (statsmodels ``GLM``) with ``endog = x/n`` and
    ``var_weights = n`` (METHODS.md §4b) on centred time, the estimates mapped back to ``t``. The
    quasi-binomial fit has the same estimates; its covariance is the binomial one times
    :math:`\hat\phi = X^2/(k-2)` (Pearson chi-squared over the residual df), as R ``quasibinomial``. The
    two-column endog with ``scale="X2"`` and ``freq_weights`` give a wrong scale (METHODS.md §11 row 5)
    and are not used.

    Refused (NaN parameters, ``note`` says why) rather than returned wrong:

    * fewer than two periods with cases; a rate of 0 or 1 in every period;
    * separation (logit): the periods with successes and with failures do not overlap, so the
      maximum-likelihood slope is infinite (Albert & Anderson 1984);
    * identity link without a valid solution: fitted values must lie strictly inside (0, 1) at every
      observed period (R stops with "no valid set of coefficients"); use the logit link.

    With two periods the quasi-binomial fit is saturated: the estimates are exact (deviance 0) but the
    dispersion is 0/0, so ``dispersion``, ``scale``, ``bse`` and every interval are NaN (``note``).

    References
    ----------
    Agresti A (2007) *An Introduction to Categorical Data Analysis*, 2nd ed., §3.2. McCullagh P, Nelder JA
    (1989) *Generalized Linear Models*, 2nd ed., §4.5 (quasi-likelihood). Albert A, Anderson JA (1984)
    On the existence of maximum likelihood estimates in logistic regression models. Biometrika 71:1-10.

    Examples
    --------
    >>> fit = glm_trend([24, 35, 21, 30], [1379, 638, 213, 254], [0, 2, 4, 5])
    >>> [round(float(v), 6) for v in fit.params]
    [-3.866248, 0.397337]
    """
    return fit_glm(x, n, t, link=link, quasi=quasi)
