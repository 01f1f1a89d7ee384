#!/usr/bin/python3
"""Prepare each row (random-weight checkpoint, converted .safetensors, ONNX export, input),
run every peer in its own process, and print the table. Called by scripts/bench_peers.sh."""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = re.compile(r"median_ms=([\d.]+) min_ms=([\d.]+) peak_rss_mb=([\d.]+)")
SKIPPED = re.compile(r"^skipped: (.*)$", re.MULTILINE)
# onnx2tf needs TensorFlow, litert-torch torch >= 2.4 (Debian's is 1.13), JAX and more.
LITERT_SKIPPED = ("no light conversion to .tflite: ONNX -> TFLite needs onnx2tf and TensorFlow, PyTorch -> "
                  "TFLite needs litert-torch with torch >= 2.4 and JAX")


def run(cmd: list[str], **kwargs) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def prepare(args: argparse.Namespace, model: str, size: str) -> dict[str, str]:
    """The same checkpoint feeds ffnet.cpp (converted) and the ONNX export."""
    directory = os.path.join(args.work, model)
    checkpoint = os.path.join(directory, "checkpoint.pth")
    scripts = os.path.join(args.root, "scripts")
    if not os.path.exists(checkpoint):
        run([sys.executable, os.path.join(scripts, "make_reference.py"), "--model", model,
             "--sizes", "64x128", "--out", directory])
    weights = os.path.join(directory, "model.safetensors")
    if not os.path.exists(weights):
        run([sys.executable, os.path.join(scripts, "convert_checkpoint.py"), checkpoint, weights,
             "--model", model])
    onnx = os.path.join(directory, f"model_{size}.onnx")
    if not os.path.exists(onnx):
        run([sys.executable, os.path.join(HERE, "export_onnx.py"), "--model", model,
             "--checkpoint", checkpoint, "--size", size, "--out", onnx])
    x = os.path.join(args.work, f"input_{size}.npy")
    if not os.path.exists(x):
        h, w = (int(v) for v in size.split("x"))
        np.save(x, np.random.default_rng(0).standard_normal((1, 3, h, w), dtype=np.float32))
    files = {"checkpoint": checkpoint, "weights": weights, "onnx": onnx, "input": x}
    if args.int8:
        files.update(prepare_int8(args, directory, size, files))
    return files


def prepare_int8(args: argparse.Namespace, directory: str, size: str, files: dict[str, str]) -> dict[str, str]:
    """Both int8 models calibrated on the row's input: ours by ffnet-quantize (its default
    method), ONNX Runtime's QDQ model by make_qdq.py (min/max ranges, measured by ONNX Runtime
    running the float export)."""
    int8 = os.path.join(directory, f"model_int8_{size}.safetensors")
    if not os.path.exists(int8):
        run([args.quantize, "--weights", files["weights"], "--calibration", files["input"], "--output", int8,
             "--quiet"])
    qdq = os.path.join(directory, f"model_{size}_qdq.onnx")
    if not os.path.exists(qdq):
        with tempfile.TemporaryDirectory() as tmp:
            observed, ranges = os.path.join(tmp, "observed.onnx"), os.path.join(tmp, "ranges.json")
            run([sys.executable, os.path.join(HERE, "make_qdq.py"), "observe", files["onnx"], observed])
            run(["node", os.path.join(HERE, "run_ort.js"), os.path.join(args.work, "ort"), observed, files["input"],
                 str(args.threads), "1", ranges])
            run([sys.executable, os.path.join(HERE, "make_qdq.py"), "quantize", files["onnx"], ranges, qdq])
    return {"int8": int8, "qdq": qdq}


def ffnet_command(args: argparse.Namespace, files: dict[str, str], threads: int, runs: int,
                  weights: str = "weights") -> list[str]:
    return [args.binary, "--weights", files[weights], "--input", files["input"],
            "--threads", str(threads), "--benchmark", str(runs)]


def peers(args: argparse.Namespace, model: str, files: dict[str, str]) -> dict[str, list[str]]:
    t, n = str(args.threads), str(args.runs)
    py = sys.executable
    ort = ["node", os.path.join(HERE, "run_ort.js"), os.path.join(args.work, "ort")]
    # The PyPI peers, in the venv bench_peers.sh makes.
    venv_py = os.path.join(args.venv, "bin", "python")
    timing = ["--input", files["input"], "--threads", t, "--runs", n]
    openvino = [venv_py, os.path.join(HERE, "run_openvino.py"), *timing]
    commands = {
        "ffnet.cpp": ffnet_command(args, files, args.threads, args.runs),
        "PyTorch": [py, os.path.join(HERE, "run_torch.py"), "--model", model, "--checkpoint",
                    files["checkpoint"], "--input", files["input"], "--threads", t, "--runs", n],
        "ONNX Runtime": [*ort, files["onnx"], files["input"], t, n],
        "OpenVINO": [*openvino, "--onnx", files["onnx"]],
        "ncnn": [venv_py, os.path.join(HERE, "run_ncnn.py"), *timing, "--onnx", files["onnx"]],
        "OpenCV DNN": [py, os.path.join(HERE, "run_opencv.py"), "--onnx", files["onnx"], "--input",
                       files["input"], "--threads", t, "--runs", n],
    }
    if args.int8:
        commands["ffnet.cpp int8"] = ffnet_command(args, files, args.threads, args.runs, "int8")
        commands["ONNX Runtime int8"] = [*ort, files["qdq"], files["input"], t, n]
        commands["OpenVINO int8"] = [*openvino, "--onnx", files["qdq"]]
    return commands


def gflop(args: argparse.Namespace, files: dict[str, str]) -> float:
    out = run(ffnet_command(args, files, args.threads, 1))
    return float(re.search(r"gflop=([\d.]+)", out).group(1))


def scaling(args: argparse.Namespace, files: dict[str, str]) -> tuple[float, float]:
    """ffnet.cpp's median ms at 1 thread and at args.threads. The two alternate for
    args.scaling_rounds rounds, so that a change in the machine's load falls on both; each is
    the median of its rounds' medians."""
    times: dict[int, list[float]] = {1: [], args.threads: []}
    for _ in range(args.scaling_rounds):
        for threads in times:
            out = run(ffnet_command(args, files, threads, args.runs))
            times[threads].append(float(LINE.search(out).group(1)))
    return statistics.median(times[1]), statistics.median(times[args.threads])


def alternating(args: argparse.Namespace, ours: list[str], theirs: list[str]) -> tuple[tuple, tuple]:
    """(median ms, peak RSS MB) of two commands run alternately for args.int8_rounds rounds: the
    VM's speed drifts by 10-30 % over minutes, and one run of each, minutes apart, let the drift
    decide a ratio near its target. Each is the median of its rounds' medians."""
    times: dict[int, list[float]] = {0: [], 1: []}
    rss: dict[int, list[float]] = {0: [], 1: []}
    for _ in range(args.int8_rounds):
        for side, cmd in enumerate((ours, theirs)):
            median, _, peak = (float(v) for v in LINE.search(run(cmd)).groups())
            times[side].append(median)
            rss[side].append(peak)
    return tuple((statistics.median(times[s]), max(rss[s])) for s in (0, 1))


def first_result(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one whole process: what a user waits for and needs
    from the command to its first answer."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr.read()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def first_results(args: argparse.Namespace, rows: list[str]) -> None:
    print(f"\n# Time to the first result: one process, {args.threads} threads: load, one forward, write "
          f"(ffnet-segment with --logits) against ONNX Runtime's session creation and first run")
    print("| model @ input | ffnet.cpp s | RSS MB | ffnet.cpp --exact s | RSS MB | ONNX Runtime s | RSS MB "
          "| ffnet.cpp / ORT time | RSS |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        model, size = row.split("@")
        files = prepare(args, model, size)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "y.npy")
            ours = [args.binary, "--weights", files["weights"], "--input", files["input"], "--logits", out,
                    "--threads", str(args.threads)]
            default = first_result(ours)
            exact = first_result([*ours, "--exact"])
        ort = first_result(["node", os.path.join(HERE, "run_ort.js"), os.path.join(args.work, "ort"), files["onnx"],
                            files["input"], str(args.threads), "0"])
        print(f"| {model.removeprefix('segmentation_')} @ {size} | {default[0]:.2f} | {default[1]:.0f} | "
              f"{exact[0]:.2f} | {exact[1]:.0f} | {ort[0]:.2f} | {ort[1]:.0f} | {default[0] / ort[0]:.2f}x | "
              f"{default[1] / ort[1]:.2f}x |", flush=True)


def cpu_name() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--venv", required=True, help="the venv with the PyPI peers (OpenVINO, ncnn)")
    parser.add_argument("--quantize", help="the ffnet-quantize binary: adds the int8 rows")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scaling-rounds", type=int, default=3,
                        help="rounds of ffnet.cpp at 1 thread against --threads (0: none)")
    parser.add_argument("--int8-rounds", type=int, default=3,
                        help="alternating rounds of ffnet.cpp int8 and ONNX Runtime int8 for the int8 table")
    parser.add_argument("--first-result", nargs="*", default=[], metavar="MODEL@HxW",
                        help="rows for the time-to-first-result table")
    parser.add_argument("rows", nargs="*", help="MODEL@HxW")
    args = parser.parse_args()
    args.int8 = bool(args.quantize)
    os.makedirs(args.work, exist_ok=True)

    print(f"# {datetime.date.today()} | {cpu_name()}, {os.cpu_count()} cores | "
          f"{args.threads} threads, batch 1, float32{' and int8' if args.int8 else ''}, median and min of {args.runs} after a warm-up")
    if not args.rows:
        first_results(args, args.first_result)
        return 0
    header = ("| model @ input | GFLOP | peer | median ms | min ms | GFLOP/s | peak RSS MB "
              "| time / ffnet.cpp | RSS / ffnet.cpp |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    speedups, int8_rows = [], []
    for row in args.rows:
        model, size = row.split("@")
        files = prepare(args, model, size)
        flop = gflop(args, files)
        commands = peers(args, model, files)
        results, skipped = {}, {}  # a peer that cannot run prints `skipped: REASON` or fails
        for name, cmd in commands.items():
            try:
                out = run(cmd)
                if match := SKIPPED.search(out):
                    skipped[name] = match.group(1)
                    continue
                results[name] = tuple(float(v) for v in LINE.search(out).groups())
            except (RuntimeError, AttributeError, OSError) as e:
                skipped[name] = f"failed: {str(e).strip().splitlines()[-1]}"  # the last line of its stderr
                print(f"<!-- {name} failed: {str(e).splitlines()[0]} -->", file=sys.stderr)
        base = results.get("ffnet.cpp")
        for name in commands:
            cells = f"| {model.removeprefix('segmentation_')} @ {size} | {flop:.1f} | {name} |"
            if name in skipped:
                print(f"{cells} skipped: {skipped[name]} | | | | | |", flush=True)
                continue
            median, low, rss = results[name]
            ratio_t = f"{median / base[0]:.2f}x" if base else "-"
            ratio_m = f"{rss / base[2]:.2f}x" if base else "-"
            print(f"{cells} {median:.0f} | {low:.0f} | {flop / median * 1e3:.0f} | {rss:.0f} | {ratio_t} | {ratio_m} |",
                  flush=True)
        if "ffnet.cpp int8" in results and "ONNX Runtime int8" in results:
            int8_rows.append((model.removeprefix("segmentation_"), size,
                              *alternating(args, commands["ffnet.cpp int8"], commands["ONNX Runtime int8"])))
        if args.threads > 1 and args.scaling_rounds > 0:
            speedups.append((model.removeprefix("segmentation_"), size, *scaling(args, files)))

    print(f"\nLiteRT: skipped: {LITERT_SKIPPED}")
    if int8_rows:
        print("\n# int8: ffnet.cpp (ffnet-quantize, default ranges) against ONNX Runtime (QDQ, min/max ranges), "
              f"{args.int8_rounds} alternating rounds of {args.runs} runs after the table above, median of the "
              "rounds' medians, and peak RSS MB (targets: time <= 0.8x, RSS <= 0.75x)")
        print("| model @ input | ffnet.cpp ms | ONNX Runtime ms | time ratio | ffnet.cpp MB | ONNX Runtime MB | RSS ratio |")
        print("|---|---|---|---|---|---|---|")
        for model, size, ours, theirs in int8_rows:
            print(f"| {model} @ {size} | {ours[0]:.1f} | {theirs[0]:.1f} | {ours[0] / theirs[0]:.2f}x | "
                  f"{ours[1]:.0f} | {theirs[1]:.0f} | {ours[1] / theirs[1]:.2f}x |")
    if speedups:
        print(f"\n# ffnet.cpp, 1 thread against {args.threads}: {args.scaling_rounds} alternating "
              f"rounds of {args.runs} runs, median of the rounds' medians")
        print(f"| model @ input | 1 thread ms | {args.threads} threads ms | speed-up |")
        print("|---|---|---|---|")
        for model, size, one, many in speedups:
            print(f"| {model} @ {size} | {one:.0f} | {many:.0f} | {one / many:.2f}x |")
    if args.first_result:
        first_results(args, args.first_result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
