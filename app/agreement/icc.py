"""Intraclass correlations for ratings (Shrout & Fleiss 1979; McGraw & Wong 1996).

3RS studies report ICCs for the 1-5 significance ratings of rupture markers per window, so the
agreement report carries the six Shrout & Fleiss forms with their F-distribution based 95%
confidence intervals, computed here from the two-way ANOVA mean squares of a complete
targets x judges table.  The F quantiles come from our own regularised incomplete beta function
(NumPy has none, and a statistics library for one function is not worth the dependency).

Forms (n targets, k judges; BMS between targets, WMS within targets, JMS between judges,
EMS residual):

* ICC(1,1) = (BMS - WMS) / (BMS + (k-1) WMS)             one-way random, single rater
* ICC(2,1) = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n)
                                                           McGraw & Wong A-1 (two-way random)
* ICC(3,1) = (BMS - EMS) / (BMS + (k-1) EMS)             McGraw & Wong C-1 (two-way mixed)
* ICC(1,k), ICC(2,k), ICC(3,k): the same for the mean of the k judges (Spearman-Brown of the
  single-rater form; the interval bounds transform the same way, which equals the papers'
  closed forms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

FORMS: tuple[str, ...] = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")

#: McGraw & Wong (1996) names of the Shrout & Fleiss forms.
MCGRAW_WONG: dict[str, str] = {
    "ICC(1,1)": "ICC(1): one-way random, single rater",
    "ICC(2,1)": "ICC(A,1): absolute agreement, two-way random, single rater",
    "ICC(3,1)": "ICC(C,1): consistency, two-way mixed, single rater",
    "ICC(1,k)": "ICC(k): one-way random, mean of k raters",
    "ICC(2,k)": "ICC(A,k): absolute agreement, two-way random, mean of k raters",
    "ICC(3,k)": "ICC(C,k): consistency, two-way mixed, mean of k raters",
}

ICC_HOW = (
    "Intraclass correlations (Shrout & Fleiss 1979) of the ratings on units every chosen coder "
    "rated, from two-way ANOVA mean squares; 95% intervals from the F distribution as the paper "
    "gives them (Satterthwaite degrees of freedom for ICC(2,*)). ICC(2,1) is McGraw & Wong's "
    "A-1 (absolute agreement), ICC(3,1) their C-1 (consistency); the k forms are for the mean "
    "of the k coders."
)

#: Fewer rated units than this get a note in the report's warnings.
FEW_UNITS = 10


@dataclass(frozen=True)
class MeanSquares:
    n: int
    k: int
    bms: float
    wms: float
    jms: float
    ems: float


def mean_squares(table: ArrayLike) -> MeanSquares:
    """Two-way ANOVA mean squares of a complete n targets x k judges table."""
    x = np.asarray(table, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2 or np.isnan(x).any():
        raise ValueError("ICC needs a complete table of at least 2 targets x 2 judges")
    n, k = x.shape
    grand = x.mean()
    ss_total = float(((x - grand) ** 2).sum())
    ss_rows = float(k * ((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = float(n * ((x.mean(axis=0) - grand) ** 2).sum())
    ss_within = ss_total - ss_rows
    ss_error = ss_total - ss_rows - ss_cols
    return MeanSquares(
        n=n,
        k=k,
        bms=ss_rows / (n - 1),
        wms=ss_within / (n * (k - 1)),
        jms=ss_cols / (k - 1),
        ems=ss_error / ((n - 1) * (k - 1)),
    )


def _ratio(num: float, den: float) -> float:
    if den == 0 or not math.isfinite(num) or not math.isfinite(den):
        return math.nan
    return num / den


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def f_cdf(x: float, d1: float, d2: float) -> float:
    if x <= 0:
        return 0.0
    return betainc(d1 / 2.0, d2 / 2.0, d1 * x / (d1 * x + d2))


def f_quantile(p: float, d1: float, d2: float) -> float:
    """The p quantile of the F(d1, d2) distribution (bisection on the CDF in log space)."""
    if not (0.0 < p < 1.0) or not (d1 > 0 and d2 > 0):
        return math.nan
    lo, hi = -40.0, 40.0  # log of the quantile
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if f_cdf(math.exp(mid), d1, d2) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return math.exp((lo + hi) / 2.0)


def _spearman_brown(r: float, k: int) -> float:
    """The k-rater form of a single-rater ICC (or of one of its bounds).

    The map is increasing only above -1/(k-1); at or below it the denominator is not positive
    and the formula would return a large positive number (a "mean of k raters" ICC of 5.6 for
    strongly opposed raters, or an interval whose lower end exceeds its upper end). There the
    k-rater value is undefined and a lower bound is unbounded, so NaN (JSON null) is returned.
    """
    if not math.isfinite(r) or 1.0 + (k - 1) * r <= 0.0:
        return math.nan
    return _ratio(k * r, 1.0 + (k - 1) * r)


def icc_forms(table: ArrayLike, alpha: float = 0.05) -> dict[str, dict[str, object]]:
    """The six Shrout & Fleiss forms, each ``{"value", "ci95": [lo, hi]}`` (None if undefined)."""
    ms = mean_squares(table)
    n, k = ms.n, ms.k
    bms, wms, jms, ems = ms.bms, ms.wms, ms.jms, ms.ems
    q = 1.0 - alpha / 2.0
    out: dict[str, tuple[float, float, float]] = {}

    # ICC(1,1): one-way random effects.
    icc1 = _ratio(bms - wms, bms + (k - 1) * wms)
    f1 = _ratio(bms, wms)
    df1, df2 = n - 1, n * (k - 1)
    fl = f1 / f_quantile(q, df1, df2)
    fu = f1 * f_quantile(q, df2, df1)
    out["ICC(1,1)"] = (icc1, _ratio(fl - 1, fl + k - 1), _ratio(fu - 1, fu + k - 1))

    # ICC(3,1): two-way mixed, consistency.
    icc3 = _ratio(bms - ems, bms + (k - 1) * ems)
    f3 = _ratio(bms, ems)
    de = (n - 1) * (k - 1)
    fl3 = f3 / f_quantile(q, n - 1, de)
    fu3 = f3 * f_quantile(q, de, n - 1)
    out["ICC(3,1)"] = (icc3, _ratio(fl3 - 1, fl3 + k - 1), _ratio(fu3 - 1, fu3 + k - 1))

    # ICC(2,1): two-way random, absolute agreement; Satterthwaite df for the interval.
    icc2 = _ratio(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n)
    a = k * icc2 / (n * (1 - icc2)) if icc2 != 1 else math.inf
    b = 1 + k * icc2 * (n - 1) / (n * (1 - icc2)) if icc2 != 1 else math.inf
    v = _ratio((a * jms + b * ems) ** 2, (a * jms) ** 2 / (k - 1) + (b * ems) ** 2 / de)
    if math.isfinite(v) and v > 0:
        fs = f_quantile(q, n - 1, v)
        fs_inv = f_quantile(q, v, n - 1)
        lo2 = _ratio(n * (bms - fs * ems), fs * (k * jms + (k * n - k - n) * ems) + n * bms)
        hi2 = _ratio(n * (fs_inv * bms - ems), k * jms + (k * n - k - n) * ems + n * fs_inv * bms)
    else:
        lo2 = hi2 = math.nan
    out["ICC(2,1)"] = (icc2, lo2, hi2)

    for single, mean in (("ICC(1,1)", "ICC(1,k)"), ("ICC(2,1)", "ICC(2,k)"),
                         ("ICC(3,1)", "ICC(3,k)")):  # fmt: skip
        value, lo, hi = out[single]
        out[mean] = (_spearman_brown(value, k), _spearman_brown(lo, k), _spearman_brown(hi, k))
    return {
        name: {"value": _num(out[name][0]), "ci95": [_num(out[name][1]), _num(out[name][2])]}
        for name in FORMS
    }


def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def complete_rows(ratings: np.ndarray) -> np.ndarray:
    """Rows (targets) every judge rated: ICC's ANOVA needs a complete table."""
    return ratings[~np.isnan(ratings).any(axis=1)]


def rating_tables(
    coverage: np.ndarray, coded: np.ndarray, ratings: np.ndarray | None
) -> dict[int, np.ndarray]:
    """Per value: the complete units x coders table of ratings (units every coder applied the
    value in and rated it).  ``coverage`` and ``ratings`` are (units, coders, values)."""
    if ratings is None:
        return {}
    out: dict[int, np.ndarray] = {}
    for v in range(coverage.shape[2]):
        r = np.where(coded & (coverage[:, :, v] > 0), ratings[:, :, v], np.nan)
        table = complete_rows(r)
        if len(table):
            out[v] = table
    return out


def icc_section(
    table: np.ndarray, label: str
) -> tuple[dict[str, dict[str, object]] | None, list[str]]:
    """ICC forms for one table, or None with the reason as a warning (too few units, no
    variance); a warning also when the units are few."""
    if table.shape[0] < 2:
        return None, [f"ICC for {label}: {table.shape[0]} unit rated by every coder (needs 2+)"]
    forms = icc_forms(table)
    notes = []
    if table.shape[0] < FEW_UNITS:
        notes.append(
            f"ICC for {label}: only {table.shape[0]} units rated by every coder; "
            "the interval is wide and the value unstable"
        )
    if all(f["value"] is None for f in forms.values()):
        notes.append(f"ICC for {label}: the ratings do not vary, so ICC is undefined")
    return forms, notes
