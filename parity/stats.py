"""The statistics of the many-seed parity gate: Welch's t-test and the equivalence test.

Pure Python (no SciPy): Student's t distribution through the regularised incomplete beta
function (Lentz's continued fraction), its quantile by bisection on that CDF.

The gate's verdict is an **equivalence test**, the two one-sided tests (TOST) of
Schuirmann (1987) with Welch's standard error and degrees of freedom: the two
implementations are equivalent at level ``alpha`` when the ``1 - 2 alpha`` confidence
interval of the difference of their means lies inside ``(-margin, +margin)``, which is the
same as both one-sided p-values being below ``alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ALPHA = 0.05  # the gate's level: a 90% confidence interval inside +/- the margin


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
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
        if abs(delta - 1.0) < eps:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` (> 0, not necessarily whole) degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_ppf(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (bisection on the CDF)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def summary(values: Sequence[float]) -> dict:
    """n, mean, sample standard deviation (n - 1; 0 for one value), min and max."""
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("no values")
    n = len(xs)
    mean = math.fsum(xs) / n
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1) if n > 1 else 0.0
    return {"n": n, "mean": mean, "std": math.sqrt(var), "min": min(xs), "max": max(xs)}


def welch(a: Sequence[float], b: Sequence[float]) -> dict:
    """Welch's t-test of mean(a) - mean(b): ``diff``, ``se``, ``df`` (Welch-Satterthwaite),
    ``t`` and the two-sided ``p``. Needs two values on each side. With no spread at all on
    either side, ``se`` is 0, ``df`` infinite and ``t``/``p`` follow from the difference."""
    sa, sb = summary(a), summary(b)
    if sa["n"] < 2 or sb["n"] < 2:
        raise ValueError("Welch's test needs at least two values on each side")
    va, vb = sa["std"] ** 2 / sa["n"], sb["std"] ** 2 / sb["n"]
    diff = sa["mean"] - sb["mean"]
    se = math.sqrt(va + vb)
    if se == 0.0:
        t = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return {"diff": diff, "se": 0.0, "df": math.inf, "t": t, "p": 1.0 if diff == 0 else 0.0}
    df = (va + vb) ** 2 / ((va ** 2 / (sa["n"] - 1) if va else 0.0)
                           + (vb ** 2 / (sb["n"] - 1) if vb else 0.0))
    t = diff / se
    return {"diff": diff, "se": se, "df": df, "t": t, "p": 2.0 * t_cdf(-abs(t), df)}


def equivalence(a: Sequence[float], b: Sequence[float], margin: float,
                alpha: float = ALPHA) -> dict:
    """Two one-sided tests (Welch) that ``|mean(a) - mean(b)| < margin`` at level ``alpha``.

    Returns Welch's numbers plus ``ci`` (the ``1 - 2 alpha`` confidence interval of the
    difference), ``p_tost`` (the larger of the two one-sided p-values) and ``equivalent``
    (the interval lies inside ``(-margin, margin)``, i.e. ``p_tost < alpha``).
    """
    if not margin > 0:
        raise ValueError(f"the equivalence margin must be positive, got {margin}")
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    w = welch(a, b)
    diff, se, df = w["diff"], w["se"], w["df"]
    if se == 0.0:
        half, p_lower, p_upper = 0.0, float(diff <= -margin), float(diff >= margin)
    else:
        half = t_ppf(1.0 - alpha, df) * se
        p_lower = 1.0 - t_cdf((diff + margin) / se, df)  # H0: diff <= -margin
        p_upper = t_cdf((diff - margin) / se, df)  # H0: diff >= +margin
    ci = (diff - half, diff + half)
    finite = all(math.isfinite(v) for v in (*ci, diff))
    return {**w, "margin": margin, "alpha": alpha, "confidence": 1.0 - 2.0 * alpha,
            "ci": [ci[0], ci[1]], "p_tost": max(p_lower, p_upper),
            "equivalent": bool(finite and -margin < ci[0] and ci[1] < margin)}
