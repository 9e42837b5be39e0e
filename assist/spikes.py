"""Early warning of spikes (预警) in daily counts per region × category.

The method is a Poisson CUSUM (Page 1954; Lucas 1985, "Counted data CUSUMs") tuned to detect
a doubling of the expected daily count, with an expected count that follows the day of the
week, estimated from the same series:

- baseline: the ``BASELINE_DAYS`` days that end ``GUARD_DAYS`` before the day (so the first
  week of an outbreak does not raise its own baseline); the mean per day, times a
  day-of-week factor shrunk towards 1 (``SHRINK`` pseudo-counts, so sparse series are not
  given made-up weekly patterns); never below ``FLOOR`` a day;
- over-dispersion: the residual dispersion (Pearson chi-square per day) of the baseline,
  at least 1, divides each day's log-likelihood ratio (a negative-binomial-like allowance);
- statistic: ``S_t = max(0, S_{t-1} + (x_t·ln 2 − λ_t)/φ)``; an alarm when ``S_t ≥ h``
  and at least ``MIN_OBSERVED`` appeals came in since the statistic last left 0; the day
  it last left 0 is the onset ("since when").
- episodes: consecutive alarm days, with gaps of up to ``EPISODE_GAP`` days, are one
  episode; an alert is raised once per episode.

Low counts are handled honestly: a day with one appeal adds ``ln 2 − λ`` (< 0.7) to the
statistic, so 0 → 1 never alarms; a sparse series needs a real cluster to reach ``h``.
The threshold was chosen by measurement on simulated series (``simulate`` below and
``benchmarks/spikes.py``; figures in benchmarks/README.md); EARS C2/C3 are implemented
too (``ears``), for the comparison.

The same function, ``detect``, serves ``manage.py detect_spikes --input counts.csv`` and
the live detection over the analysis rollups (``assist.services.alerts``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

BASELINE_DAYS = 56
GUARD_DAYS = 7
MIN_HISTORY = 28
SHRINK = 20.0
FLOOR = 0.2
THRESHOLD = 6.0
MIN_OBSERVED = 5
EPISODE_GAP = 7
LN2 = math.log(2.0)


@dataclass(frozen=True)
class Alarm:
    """One episode's first alarm: the figures shown in the alert."""

    date: date
    region: str
    category: str
    observed: int  # appeals from ``since`` to ``date``
    expected: float  # expected over the same days
    score: float  # the CUSUM statistic on ``date``
    since: date  # onset: the day the statistic last left 0
    last_date: date  # the episode's last alarm day (within the series)
    observed_day: int  # appeals on ``date`` itself
    expected_day: float

    def as_json(self) -> dict:
        return {"date": self.date.isoformat(), "region": self.region, "category": self.category,
                "observed": self.observed, "expected": round(self.expected, 2), "score": round(self.score, 2)}


def expected_counts(x: np.ndarray, weekday0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per day t: the expected count λ_t, the dispersion φ_t, and whether there was enough
    history (``MIN_HISTORY`` days before the guard band). Vectorised over days with
    per-weekday cumulative sums."""
    n = len(x)
    t = np.arange(n)
    hi = t - GUARD_DAYS
    lo = np.maximum(0, hi - BASELINE_DAYS)
    ok = hi - lo >= MIN_HISTORY
    hi_c, lo_c = np.clip(hi, 0, n), np.clip(lo, 0, n)
    days = np.maximum(hi_c - lo_c, 1)
    dows = (t + weekday0) % 7
    csum = np.concatenate([[0.0], np.cumsum(x)])
    mean = (csum[hi_c] - csum[lo_c]) / days
    # Per weekday k: sums of x, x² and day counts in each day's baseline window.
    s, s2, cnt = np.zeros((7, n)), np.zeros((7, n)), np.zeros((7, n))
    for k in range(7):
        m = (dows == k).astype(float)
        c1 = np.concatenate([[0.0], np.cumsum(x * m)])
        c2 = np.concatenate([[0.0], np.cumsum(x * x * m)])
        cn = np.concatenate([[0.0], np.cumsum(m)])
        s[k], s2[k], cnt[k] = c1[hi_c] - c1[lo_c], c2[hi_c] - c2[lo_c], cn[hi_c] - cn[lo_c]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(mean > 0, (s + SHRINK) / (cnt * mean + SHRINK), 1.0)  # (7, n)
    e = np.maximum(FLOOR, mean * factor)  # expected per weekday, per day's window
    lam = e[dows, t]
    chi = ((s2 - 2 * e * s + cnt * e * e) / e).sum(axis=0) / days
    phi = np.clip(chi, 1.0, 5.0)
    lam = np.where(ok, lam, np.nan)
    return lam, phi, ok


def cusum(x: np.ndarray, lam: np.ndarray, phi: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The statistic per day and the onset index per day (last index where it left 0)."""
    n = len(x)
    s = np.zeros(n)
    onset = np.zeros(n, dtype=int)
    prev, start = 0.0, 0
    for t in range(n):
        if not ok[t]:
            prev, start = 0.0, t + 1
            continue
        if prev <= 0:
            start = t
        prev = max(0.0, prev + (x[t] * LN2 - lam[t]) / phi[t])
        s[t], onset[t] = prev, start
        if prev <= 0:
            start = t + 1
    return s, onset


def detect_series(x: Iterable[int], start: date, *, region: str = "", category: str = "",
                  threshold: float = THRESHOLD, from_date: date | None = None) -> list[Alarm]:
    """The alarm episodes of one daily series that begins on ``start``; only episodes whose
    first alarm falls on or after ``from_date`` are returned (all when None)."""
    x = np.asarray(list(x), dtype=float)
    if len(x) == 0:
        return []
    lam, phi, ok = expected_counts(x, start.weekday())
    s, onset = cusum(x, lam, phi, ok)
    csum = np.concatenate([[0.0], np.cumsum(x)])
    lsum = np.concatenate([[0.0], np.cumsum(np.nan_to_num(lam))])
    alarms: list[Alarm] = []
    last_alarm = -10**9
    current: dict | None = None
    for t in range(len(x)):
        if not ok[t] or s[t] < threshold:
            continue
        o = onset[t]
        observed = int(csum[t + 1] - csum[o])
        if observed < MIN_OBSERVED:
            continue
        if current is not None and t - last_alarm <= EPISODE_GAP:
            current["last"] = t
            last_alarm = t
            continue
        current = {"t": t, "o": o, "observed": observed, "expected": float(lsum[t + 1] - lsum[o]), "last": t}
        alarms.append(current)  # type: ignore[arg-type]
        last_alarm = t
    out = []
    for a in alarms:
        t = a["t"]
        day = start + timedelta(days=t)
        if from_date is not None and day < from_date:
            continue
        out.append(Alarm(date=day, region=region, category=category, observed=a["observed"],
                         expected=a["expected"], score=float(s[t]), since=start + timedelta(days=int(a["o"])),
                         last_date=start + timedelta(days=a["last"]), observed_day=int(x[t]),
                         expected_day=float(lam[t])))
    return out


def detect(counts: Mapping[tuple[str, str], Mapping[date, int]], *, start: date, end: date,
           threshold: float = THRESHOLD, from_date: date | None = None) -> list[Alarm]:
    """Alarms for every (region, category) series; missing days count 0. Sorted by date,
    region and category."""
    days = (end - start).days + 1
    out: list[Alarm] = []
    for (region, category), per_day in counts.items():
        x = np.zeros(days)
        for d, c in per_day.items():
            i = (d - start).days
            if 0 <= i < days:
                x[i] += c
        if x.sum() < MIN_OBSERVED:
            continue
        out += detect_series(x, start, region=region, category=category, threshold=threshold,
                             from_date=from_date)
    return sorted(out, key=lambda a: (a.date, a.region, a.category))


# --------------------------------------------------------------------------- comparison and simulation


def ears(x: np.ndarray, method: str = "C2") -> np.ndarray:
    """EARS C2/C3 alarm days (Hutwagner et al. 2003): baseline days t-9..t-3, alarm when
    (x - mean)/max(sd, 0.2) > 3 (C2), or the sum of the last three C2 statistics > 2 (C3)."""
    n = len(x)
    c2 = np.zeros(n)
    for t in range(9, n):
        base = x[t - 9:t - 2]
        sd = max(base.std(ddof=1), 0.2)
        c2[t] = (x[t] - base.mean()) / sd
    if method == "C2":
        return c2 > 3
    c3 = np.zeros(n)
    for t in range(11, n):
        c3[t] = sum(max(0.0, c2[t - i] - 1) for i in range(3))
    return c3 > 2


def simulate(rate: float, days: int, rng: np.random.Generator, *, outbreak_start: int | None = None,
             outbreak_days: int = 14, factor: float = 2.0, weekly: float = 0.3) -> np.ndarray:
    """A daily Poisson series with weekly seasonality (weekday/weekend amplitude ``weekly``),
    optionally with an outbreak multiplying the rate by ``factor`` for ``outbreak_days``."""
    t = np.arange(days)
    season = 1 + weekly * np.where(t % 7 < 5, 0.4, -1.0)
    lam = rate * season
    if outbreak_start is not None:
        lam = lam.copy()
        lam[outbreak_start:outbreak_start + outbreak_days] *= factor
    return rng.poisson(lam)
