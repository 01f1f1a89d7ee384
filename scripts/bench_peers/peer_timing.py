"""The timing protocol every Python peer shares with ffnet-segment --benchmark: one warm-up,
then `runs` timed calls; median and min in ms, and the process's peak RSS (getrusage)."""
from __future__ import annotations

import argparse
import resource
import statistics
import time


def time_runs(forward, runs: int) -> list[float]:
    forward()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        forward()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def report(times: list[float]) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"median_ms={statistics.median(times):.3f} min_ms={min(times):.3f} peak_rss_mb={peak_mb:.1f}")


def peer_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options every peer runner takes; callers add the model-file option they need."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--input", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--runs", type=int, required=True)
    return parser
