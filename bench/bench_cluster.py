#!/usr/bin/python3
"""Pictures/s of python -m ffnet.cluster on this machine: LocalClusters of 1 process x 2 threads
and 2 processes x 1 thread (and any --config WxT) on the same generated street pictures.

usage: PYTHONPATH=<build>/python bench/bench_cluster.py [--pictures 48] [--size 512x1024]
           [--rounds 2] [--config 1x2 --config 2x1] [--segment <build>/examples/ffnet-segment]

Pictures run at their own size (--keep-size), labels only. The time is from the first task
submitted to the last result (cluster start-up and network loading excluded, as in the final
line of ffnet.cluster); each configuration's best and median of --rounds, the rounds alternating configs.
With --segment, ffnet-segment on the same directory is a row too (one process, 2 threads; its
time includes loading the network once).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import png_io  # noqa: E402
from toy_streets import generate_scene, parse_size  # noqa: E402

from distributed import Client, LocalCluster  # noqa: E402
from ffnet import cluster  # noqa: E402


def cpu_name() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def parse_config(text: str) -> tuple[int, int]:
    workers, threads = (int(v) for v in text.lower().split("x"))
    return workers, threads


def run_once(pictures: Path, out: Path, weights: str, workers: int, threads: int, batch: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    args = cluster.parse_args(["--weights", weights, "--input", str(pictures), "--output", str(out),
                               "--keep-size", "--batch", str(batch)])
    with LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                      dashboard_address=None) as lc, Client(lc) as client:
        report = cluster.run(args, client)
    if report.failures or report.done != len(list(pictures.iterdir())):
        raise SystemExit(f"bench run failed: {report.failures[:3]}")
    return report.rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default=str(ROOT / "weights" / "ffnet46NS_CCC_mobile_toy_streets.safetensors"))
    parser.add_argument("--pictures", type=int, default=48)
    parser.add_argument("--size", type=parse_size, default=(512, 1024), help="HxW (default 512x1024)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1, help="pictures per task (default 1: the shortest tail)")
    parser.add_argument("--config", type=parse_config, action="append", metavar="WxT",
                        help="worker processes x threads each (default: 1x2 and 2x1)")
    parser.add_argument("--segment", help="ffnet-segment, for a row of the CLI alone")
    args = parser.parse_args()
    configs = args.config or [(1, 2), (2, 1)]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(cluster.__file__).parent.parent)] +
                                               [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

    with tempfile.TemporaryDirectory() as tmp:
        pictures = Path(tmp) / "pictures"
        pictures.mkdir()
        height, width = args.size
        for seed in range(args.pictures):
            rgb, _ = generate_scene(10_000 + seed, height, width)
            png_io.write_png(str(pictures / f"{seed:04d}.png"), width, height, 3, rgb.tobytes(), level=1)

        rates: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for workers, threads in configs:
                rate = run_once(pictures, Path(tmp) / "out", args.weights, workers, threads, args.batch)
                rates.setdefault(f"ffnet.cluster, {workers} process{'es' if workers > 1 else ''} x {threads} "
                                 f"thread{'s' if threads > 1 else ''}", []).append(rate)
            if args.segment:
                shutil.rmtree(Path(tmp) / "cli", ignore_errors=True)
                began = time.monotonic()
                subprocess.run([args.segment, "--weights", args.weights, "--input", str(pictures), "--labels",
                                str(Path(tmp) / "cli"), "--keep-size", "--threads", "2", "--quiet"], check=True)
                rates.setdefault("ffnet-segment --threads 2 (with loading)", []).append(
                    args.pictures / (time.monotonic() - began))

    print(f"{args.pictures} pictures of {height}x{width}, {Path(args.weights).name}, labels only, "
          f"--batch {args.batch}; {args.rounds} rounds")
    print(f"CPU: {cpu_name()}, {len(os.sched_getaffinity(0))} cores. A LocalCluster is this one machine: "
          "every worker shares its cores and memory.")
    print(f"{'configuration':48s} {'best':>6s} {'median':>6s} pictures/s   all rounds")
    for name, values in rates.items():
        print(f"{name:48s} {max(values):6.2f} {statistics.median(values):6.2f}              "
              f"{' '.join(f'{v:.2f}' for v in values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
