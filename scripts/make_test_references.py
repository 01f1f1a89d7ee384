#!/usr/bin/python3
"""Reference data for the C++ end-to-end test: for each model the test requires, a random
checkpoint saved by torch.save (alternately zip and legacy format), PyTorch's outputs and
intermediate maps at two input sizes (one odd), and the checkpoint converted to
model.safetensors by scripts/convert_checkpoint.py run as a separate process.

usage: /usr/bin/python3 scripts/make_test_references.py OUT_DIR
"""
from __future__ import annotations

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import make_reference  # noqa: E402

MODELS = [
    "segmentation_ffnet18_dAAA",
    "segmentation_ffnet50_AAA",
    "segmentation_ffnet34_ABB",
    "segmentation_ffnet86S_dBBB",
    "segmentation_ffnet40S_BCC_mobile_pre_down",
    "segmentation_ffnet46N_CBB",
    "segmentation_ffnet122NS_CCC_mobile",
    "segmentation_ffnet54S_dBBB_mobile",
    "classification_ffnet18_AAX",
    "classification_ffnet46NS_CBX_mobile",
]
SIZES = "128x256,97x190"
CONVERTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert_checkpoint.py")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    for index, model in enumerate(MODELS):
        directory = os.path.join(out, model)
        args = ["--model", model, "--sizes", SIZES, "--seed", str(index), "--out", directory]
        if index % 2 == 1:
            args.append("--legacy-format")
        print(f"== {model}", flush=True)
        make_reference.main(args)
        checkpoint = os.path.join(directory, "checkpoint.pth")
        subprocess.run([sys.executable, CONVERTER, checkpoint, os.path.join(directory, "model.safetensors"),
                        "--model", model], check=True)
        os.remove(checkpoint)  # the converted file is all the C++ test reads
    with open(os.path.join(out, "done"), "w", encoding="utf-8") as f:
        f.write("\n".join(MODELS) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
