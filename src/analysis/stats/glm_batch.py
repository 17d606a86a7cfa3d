"""Many small binomial logit GLMs at once (one per unit): the same IRLS as statsmodels, batched in numpy.

The YoY table fits a trend to every unit's yearly history and a period + month-of-year model to every
unit's months; one statsmodels fit per unit would take minutes for a few thousand communes. The batched
fit below is the textbook IRLS of a binomial logit GLM (McCullagh & Nelder 1989, ch. 2), tested against
``statsmodels.api.GLM`` to 1e-8 (tests/stats/test_stats_variation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BatchFit:
    """Fitted values of G logit GLMs: ``mu`` (G, K), ``pearson_chi2``, ``deviance``, ``converged`` (G,)."""

    mu: np.ndarray
    pearson_chi2: np.ndarray
    deviance: np.ndarray
    converged: np.ndarray


def logit_irls(design: np.ndarray, x: np.ndarray, n: np.ndarray, *, maxiter: int = 50,
               tol: float = 1e-10) -> BatchFit:
    r"""Fit G binomial logit GLMs :math:`\mathrm{logit}\,\mu_{gk} = X_{gk}\beta_g` by IRLS, all at once.

    Parameters
    ----------
    design : numpy.ndarray, shape (G, K, P)
        Design matrix of each group (K observations, P columns).
    x, n : numpy.ndarray, shape (G, K)
        Numerators and denominators; observations with ``n = 0`` carry no weight (missing).
    maxiter, tol : keyword-only
        Iteration cap and convergence tolerance on the relative change of the deviance (as statsmodels).

    Returns
    -------
    BatchFit
        ``mu`` (NaN where ``n = 0``), the Pearson :math:`X^2 = \sum_k (x - n\mu)^2 / (n\mu(1-\mu))`, the
        deviance and ``converged`` (False when the deviance did not settle, e.g. under separation).

    Notes
    -----
    Working response :math:`z = \eta + (x - n\mu)/(n\mu(1-\mu))`, weights :math:`w = n\mu(1-\mu)`,
    :math:`\beta \leftarrow (X^\top W X)^{-1} X^\top W z` (a column without weight, e.g. a month
    absent in both periods, is not estimated: its coefficient stays 0); start :math:`\eta =
    \mathrm{logit}((x + 1/2)/(n + 1))`; groups stop iterating once converged.
    """
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    design = np.asarray(design, dtype=float)
    has = n > 0
    eta = np.where(has, np.log((x + 0.5) / (n - x + 0.5)), 0.0)
    dev_old = np.full(x.shape[0], np.inf)
    converged = np.zeros(x.shape[0], dtype=bool)
    active = np.arange(x.shape[0])
    for _ in range(maxiter):
        xa, na, ha, ea, da = x[active], n[active], has[active], eta[active], design[active]
        mu = 1 / (1 + np.exp(-ea))
        w = np.where(ha, na * mu * (1 - mu), 0.0)
        z = ea + np.where(w > 0, (xa - na * mu) / np.where(w > 0, w, 1), 0.0)
        xtw = np.swapaxes(da, 1, 2) * w[:, None, :]
        info = xtw @ da
        diag = np.einsum("gii->gi", info)
        empty = diag <= 1e-12 * np.maximum(diag.max(axis=1, keepdims=True), 1e-300)
        info = info + np.einsum("gi,ij->gij", empty.astype(float), np.eye(info.shape[1]))
        rhs = xtw @ z[..., None]
        try:
            beta = np.linalg.solve(info, rhs)
        except np.linalg.LinAlgError:  # a group with fewer weighted points than columns: minimum-norm fit
            beta = np.linalg.pinv(info) @ rhs
        ea = np.clip((da @ beta)[..., 0], -30, 30)
        eta[active] = ea
        dev = _deviance(xa, na, 1 / (1 + np.exp(-ea)), ha)
        done = np.abs(dev - dev_old[active]) <= tol * (np.abs(dev) + tol)
        dev_old[active] = dev
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    mu = np.where(has, 1 / (1 + np.exp(-eta)), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(has, (x - n * mu) ** 2 / (n * mu * (1 - mu)), 0.0)
    ok = converged & np.isfinite(terms).all(axis=1)
    mu0 = np.where(has, mu, 0.5)
    return BatchFit(mu=mu, pearson_chi2=terms.sum(axis=1), deviance=_deviance(x, n, mu0, has), converged=ok)


def _deviance(x: np.ndarray, n: np.ndarray, mu: np.ndarray, has: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(x > 0, x * np.log(x / (n * mu)), 0.0)
        b = np.where(n - x > 0, (n - x) * np.log((n - x) / (n * (1 - mu))), 0.0)
    return 2 * np.where(has, a + b, 0.0).sum(axis=1)
