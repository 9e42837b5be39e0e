"""Early-warning measurement on simulated series (issue 16, part 1).

Poisson base rates of 1, 2, 5 and 20 a day with weekly seasonality (weekdays +12 %,
weekends −30 %); outbreaks double or triple the rate for 14 days. For each rate:
- false alarms per 100 region-weeks: alarm episodes on 300-day series without outbreak
  (the first 63 days, the detector's warm-up, not counted);
- detection within 7 days of an outbreak's start and the median delay (days after the start),
  on series with an outbreak on day 200;
and the same for EARS C2 and C3 (alarm days counted as episodes like ours: a new episode
after 7 quiet days).

    PYTHONPATH=. python benchmarks/spikes.py [--series 300]
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np

from assist import spikes

START = date(2026, 1, 5)
DAYS, WARMUP, ONSET = 300, 63, 200


def _episodes(days: list[int]) -> list[int]:
    out, last = [], -10**9
    for d in days:
        if d - last > spikes.EPISODE_GAP:
            out.append(d)
        last = d
    return out


def ours(x, threshold):
    return [(a.date - START).days for a in spikes.detect_series(x, START, threshold=threshold)]


def ears(method):
    def run(x, threshold=None):
        return _episodes([int(i) for i in np.flatnonzero(spikes.ears(np.asarray(x, float), method))])
    return run


def measure(method, rate, n, rng, threshold=spikes.THRESHOLD):
    fa = 0
    for _ in range(n):
        fa += sum(1 for d in method(spikes.simulate(rate, DAYS, rng), threshold) if d >= WARMUP)
    fa_per_100 = 100 * fa / (n * (DAYS - WARMUP) / 7)
    out = {"fa": fa_per_100}
    for factor in (2.0, 3.0):
        hits, delays = 0, []
        for _ in range(n):
            x = spikes.simulate(rate, ONSET + 30, rng, outbreak_start=ONSET, factor=factor)
            after = [d - ONSET for d in method(x, threshold) if d >= ONSET]
            if after and after[0] < 7:
                hits += 1
                delays.append(after[0])
        out[factor] = (hits / n, float(np.median(delays)) if delays else None)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--series", type=int, default=300)
    args = p.parse_args()
    rng = np.random.default_rng(2026)
    print("| method | rate/day | false alarms per 100 region-weeks | doubling detected ≤7 d | median delay | "
          "tripling detected ≤7 d | median delay |")
    print("|---|---|---|---|---|---|---|")
    for name, method in (("Poisson CUSUM (ours, h=%g)" % spikes.THRESHOLD, ours), ("EARS C2", ears("C2")),
                         ("EARS C3", ears("C3"))):
        for rate in (1, 2, 5, 20):
            m = measure(method, rate, args.series, rng)
            d2, d3 = m[2.0], m[3.0]
            print(f"| {name} | {rate} | {m['fa']:.2f} | {100 * d2[0]:.0f} % | {d2[1]} | {100 * d3[0]:.0f} % | "
                  f"{d3[1]} |")


if __name__ == "__main__":
    main()
