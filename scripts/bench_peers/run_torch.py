#!/usr/bin/python3
"""Time PyTorch (our scripts/ffnet_torch.py model) on one input; prints the same line as
ffnet-segment --benchmark: median_ms, min_ms and peak_rss_mb (getrusage, whole process)."""
from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ffnet_torch import build_model  # noqa: E402
from peer_timing import peer_arguments, report, time_runs  # noqa: E402


def main() -> int:
    parser = peer_arguments(__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--checkpoint", required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    model = build_model(args.model)
    model.load_state_dict(torch.load(args.checkpoint, map_location="cpu", weights_only=True))
    model.eval()
    x = torch.from_numpy(np.load(args.input))
    with torch.inference_mode():
        report(time_runs(lambda: model(x), args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
