#!/usr/bin/python3
"""Reference data for the C++ int8 end-to-end test, through the user's path: each model of the
float references (scripts/make_test_references.py: checkpoint saved by torch.save, converted)
is quantised by the ffnet-quantize binary on two random calibration tensors of its own, and the
PyTorch int8 reference (scripts/ffnet_int8_torch.py) runs the int8 file on the float references'
inputs (both sizes, one odd).

OUT/<model>/int8.safetensors, OUT/<model>/<H>x<W>/output.npy (float32 logits) and
OUT/<model>/<H>x<W>/u8/<value>.npy (every u8 map, as float32 codes 0..255), OUT/done.

usage: /usr/bin/python3 scripts/make_int8_references.py FLOAT_REFDATA FFNET_QUANTIZE OUT [WRAPPER...]
WRAPPER: what runs FFNET_QUANTIZE when it is built for another machine (a cross build's
exe_wrapper, e.g. qemu-aarch64 -L /usr/aarch64-linux-gnu).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ffnet_int8_torch import Int8FFNet  # noqa: E402
from make_reference import random_input  # noqa: E402

CALIBRATION = [(128, 256, 7), (97, 190, 8)]  # size and random stream of each calibration tensor


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    refdata, quantize, out = sys.argv[1:4]
    wrapper = sys.argv[4:]
    torch.use_deterministic_algorithms(True)
    with open(os.path.join(refdata, "done"), encoding="utf-8") as f:
        models = f.read().split()
    for model in models:
        with open(os.path.join(refdata, model, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        directory = os.path.join(out, model)
        calibration = os.path.join(directory, "calibration")
        os.makedirs(calibration, exist_ok=True)
        for i, (h, w, stream) in enumerate(CALIBRATION):
            np.save(os.path.join(calibration, f"{i}.npy"), random_input(meta["seed"], h, w, stream=stream))
        int8 = os.path.join(directory, "int8.safetensors")
        subprocess.run([*wrapper, quantize, "--weights", os.path.join(refdata, model, "model.safetensors"),
                        "--calibration", calibration, "--output", int8, "--quiet", "--threads", "2"],
                       check=True, stdout=subprocess.DEVNULL)
        net = Int8FFNet(int8)
        for h, w in meta["sizes"]:
            size_dir = os.path.join(directory, f"{h}x{w}")
            os.makedirs(os.path.join(size_dir, "u8"), exist_ok=True)
            x = torch.from_numpy(np.load(os.path.join(refdata, model, f"{h}x{w}", "input.npy")))
            maps: dict[str, torch.Tensor] = {}
            y = net.forward(x, maps)
            np.save(os.path.join(size_dir, "output.npy"), y.numpy())
            for name, q in maps.items():
                np.save(os.path.join(size_dir, "u8", f"{name}.npy"), q.numpy().astype(np.float32))
            print(f"== {model} {h}x{w}: {len(maps)} u8 maps, logits std {float(y.std()):.3g}", flush=True)
    with open(os.path.join(out, "done"), "w", encoding="utf-8") as f:
        f.write("\n".join(models) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
