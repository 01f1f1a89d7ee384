#!/usr/bin/env python3
"""Time ncnn (float32: no fp16 or bf16 storage or arithmetic) on the ONNX export, converted on
first use by the pnnx binary into MODEL.ncnn.param and MODEL.ncnn.bin beside it; prints median_ms,
min_ms, peak_rss_mb, or `skipped: REASON`. Runs in the peers' venv (bench_peers.sh installs ncnn
there from PyPI, and pnnx without its torch dependency: only its bundled binary is used)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peer_timing import peer_arguments, report, time_runs  # noqa: E402


def convert(onnx: str, shape: tuple[int, ...], param: str, weights: str) -> None:
    """pnnx leaves its intermediate files beside its input: run it on a link in a scratch folder."""
    spec = importlib.util.find_spec("pnnx")  # importing pnnx would import torch
    if spec is None:
        raise RuntimeError("pnnx not installed in the venv")
    with tempfile.TemporaryDirectory() as tmp:
        link = os.path.join(tmp, "model.onnx")
        os.symlink(os.path.abspath(onnx), link)
        result = subprocess.run([os.path.join(spec.submodule_search_locations[0], "pnnx"), link,
                                 f"inputshape=[{','.join(map(str, shape))}]", "fp16=0",
                                 f"ncnnparam={param}.tmp", f"ncnnbin={weights}"],
                                capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines() or [f"exit status {result.returncode}"]
            raise RuntimeError(f"pnnx failed: {last[-1]}")
    os.replace(f"{param}.tmp", param)  # the .param last: its presence marks a whole conversion


def main() -> int:
    parser = peer_arguments(__doc__)
    parser.add_argument("--onnx", required=True)
    args = parser.parse_args()
    x = np.load(args.input)
    param, weights = (args.onnx.removesuffix(".onnx") + ext for ext in (".ncnn.param", ".ncnn.bin"))
    try:
        import ncnn
    except ImportError as e:
        print(f"skipped: ncnn not installed in the venv ({e})")
        return 0
    try:
        if not os.path.exists(param):
            convert(args.onnx, x.shape, param, weights)
    except (OSError, RuntimeError) as e:
        print(f"skipped: no ncnn model: {e}")
        return 0
    net = ncnn.Net()
    net.opt.num_threads = args.threads
    net.opt.use_vulkan_compute = False
    for option in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"):
        setattr(net.opt, option, False)
    if net.load_param(param) != 0 or net.load_model(weights) != 0:
        print(f"skipped: ncnn could not load {param}")
        return 0
    image = ncnn.Mat(x[0])

    def forward():
        with net.create_extractor() as ex:
            ex.input(net.input_names()[0], image)
            return ex.extract(net.output_names()[0])[1]

    report(time_runs(forward, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
