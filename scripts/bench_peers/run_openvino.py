#!/usr/bin/env python3
"""Time OpenVINO (CPU plugin, latency hint, float32 inference precision) on an ONNX model: the
float export, or the QDQ model, which OpenVINO runs as int8; prints median_ms, min_ms,
peak_rss_mb, or `skipped: REASON`. Runs in the peers' venv (bench_peers.sh installs openvino
there from PyPI)."""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peer_timing import peer_arguments, report, time_runs  # noqa: E402


def main() -> int:
    parser = peer_arguments(__doc__)
    parser.add_argument("--onnx", required=True)
    args = parser.parse_args()
    try:
        import openvino as ov
    except ImportError as e:
        print(f"skipped: openvino not installed in the venv ({e})")
        return 0
    # f32: on CPUs with bf16 the plugin would otherwise run the float layers in bf16.
    model = ov.Core().compile_model(args.onnx, "CPU", {
        "INFERENCE_NUM_THREADS": args.threads, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"})
    request = model.create_infer_request()
    x = np.load(args.input)
    report(time_runs(lambda: request.infer({0: x}), args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
