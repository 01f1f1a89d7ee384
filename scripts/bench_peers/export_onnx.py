#!/usr/bin/python3
"""Export our PyTorch FFNet (scripts/ffnet_torch.py) with a checkpoint's weights to ONNX, for
the peer benchmark: the same weights ffnet.cpp loads from the converted .safetensors."""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ffnet_arch  # noqa: E402
from ffnet_torch import build_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, type=ffnet_arch.model_name_argument)
    parser.add_argument("--checkpoint", required=True, help="state dict saved by make_reference.py")
    parser.add_argument("--size", required=True, help="HxW of the exported (fixed) input")
    parser.add_argument("--out", required=True, help="the .onnx file to write")
    args = parser.parse_args()
    h, w = (int(v) for v in args.size.split("x"))
    model = build_model(args.model)
    model.load_state_dict(torch.load(args.checkpoint, map_location="cpu", weights_only=True))
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, (torch.zeros(1, 3, h, w),), args.out, opset_version=13,
                          input_names=["input"], output_names=["logits"], do_constant_folding=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
