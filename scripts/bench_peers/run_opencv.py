#!/usr/bin/python3
"""Time OpenCV DNN on the exported ONNX model; prints median_ms, min_ms, peak_rss_mb."""
from __future__ import annotations

import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peer_timing import peer_arguments, report, time_runs  # noqa: E402


def main() -> int:
    parser = peer_arguments(__doc__)
    parser.add_argument("--onnx", required=True)
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    net = cv2.dnn.readNetFromONNX(args.onnx)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    x = np.load(args.input)

    def forward():
        net.setInput(x)
        return net.forward()

    report(time_runs(forward, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
