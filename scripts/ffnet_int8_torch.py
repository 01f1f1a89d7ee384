#!/usr/bin/python3
"""PyTorch reference of an int8 FFNet file (what ffnet-quantize writes), written from the
arithmetic ffnet/core/quant.hpp and the qu8 kernels' scalar epilogue define, not from their code:

  activations  u8, real = scale * (q - zero_point), per tensor ("quant.<value>.scale/.zero_point")
  weights      s8 per output channel ("<conv>.qweight", "<conv>.weight_scale"), float bias
               ("<conv>.qbias", batch norm folded in)
  convolution  acc = sum (q_in - z_in) * w (exact integers; the padding reads z_in)
               v   = fma(acc, float32(s_in * s_w[o]), bias[o])
                     [+ fma(q_res - z_res, s_res, .)] [relu]
               q   = clamp(round_half_even(clamp(v * float32(1 / s_out), -256, 512)) + z_out, 0, 255)
               the last convolution keeps v (float32 logits)
  resize, add  dequantised to float32, resized (PyTorch's own interpolate) and added, quantised
  max pool, concat   on the u8 values (they share the parameters of their inputs)
  global pool  float(s * (sum q - z n) / n); the classifier's linear layer and the pre-down
               smoothing stay float32

Values are named as ffnet's graph names them (the keys of the quantisation tensors): named
features ("stem", "layer1", "adapter0", "s4", "concat", ...) or else the convolution's checkpoint
prefix. forward() records every u8 map by that name.

usage (module): Int8FFNet(path).forward(x, features) -> logits (torch.float32)
"""
from __future__ import annotations

import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ffnet_arch  # noqa: E402
from ffnet_torch import gaussian_smoothing_weight, resize  # noqa: E402

DTYPES = {"F32": np.float32, "F16": np.float16, "I8": np.int8, "U8": np.uint8}
INT8_FORMAT = "ffnet-int8-v1"


def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every tensor of a safetensors file in its own type, and the metadata."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).copy()
    return tensors, metadata


def f32(x: float) -> np.float32:
    return np.float32(x)


class Int8FFNet:
    def __init__(self, path: str) -> None:
        self.t, meta = read_safetensors(path)
        if meta.get("format") != INT8_FORMAT:
            raise ValueError(f"{path}: not an int8 file (format {meta.get('format')!r})")
        self.config = ffnet_arch.parse_name(meta["model"])
        self.features: dict[str, torch.Tensor] | None = None

    # --- quantisation ---------------------------------------------------------------------

    def params(self, value: str) -> tuple[np.float32, int]:
        return f32(self.t[f"quant.{value}.scale"][0]), int(self.t[f"quant.{value}.zero_point"][0])

    def quantize(self, v: torch.Tensor, value: str) -> torch.Tensor:
        """float32 -> u8 codes (held as int64) of `value`, recorded under its name."""
        scale, zero = self.params(value)
        inverse = torch.tensor(f32(1) / scale, dtype=torch.float32)
        t = (v.float() * inverse).clamp(-256, 512)
        q = (torch.round(t).to(torch.int64) + zero).clamp(0, 255)
        return self.keep(value, q)

    def dequantize(self, q: torch.Tensor, value: str) -> torch.Tensor:
        scale, zero = self.params(value)
        return torch.tensor(scale, dtype=torch.float32) * (q - zero).float()

    def keep(self, value: str, q: torch.Tensor) -> torch.Tensor:
        if self.features is not None:
            self.features[value] = q.to(torch.uint8)
        return q

    # --- ops ------------------------------------------------------------------------------

    def conv(self, key: str, q: torch.Tensor, in_value: str, out_value: str, stride: int = 1, relu: bool = True,
             residual: tuple[torch.Tensor, str] | None = None, float_output: bool = False) -> torch.Tensor:
        weight = torch.from_numpy(self.t[f"{key}.qweight"].astype(np.float64))
        w_scale = self.t[f"{key}.weight_scale"].astype(np.float32)
        bias = torch.from_numpy(self.t[f"{key}.qbias"].astype(np.float64))
        s_in, z_in = self.params(in_value)
        # Integer sums, exact in float64 (|sum| < 2^53).
        acc = F.conv2d((q - z_in).double(), weight, stride=stride, padding=weight.shape[-1] // 2)
        scale = torch.from_numpy((s_in * w_scale).astype(np.float32).astype(np.float64))
        # fma in float64: the product of two float32 is exact there, and one rounding follows.
        v = (acc.float().double() * scale.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1)).float()
        if residual is not None:
            rq, r_value = residual
            s_r, z_r = self.params(r_value)
            v = ((rq - z_r).float().double() * float(s_r) + v.double()).float()
        if relu:
            v = v.clamp_min(0)
        if float_output:
            return v
        return self.quantize(v, out_value)

    def resize(self, q: torch.Tensor, value: str, size: tuple[int, int], out_value: str,
               add: tuple[torch.Tensor, str] | None = None) -> torch.Tensor:
        v = resize(self.dequantize(q, value), size, self.config.upsample_mode)
        if add is not None:
            v = v + self.dequantize(*add)
        return self.quantize(v, out_value)

    # --- the network (ffnet/graph_builder.cpp's names, docs/ffnet-spec.md's structure) -------

    def cbr(self, prefix: str, q: torch.Tensor, in_value: str, out_value: str = "") -> tuple[torch.Tensor, str]:
        key = f"{prefix}.layers.0"
        out_value = out_value or key
        return self.conv(key, q, in_value, out_value), out_value

    def block(self, prefix: str, q: torch.Tensor, value: str, stride: int, out_value: str) -> tuple[torch.Tensor, str]:
        shortcut, shortcut_value = q, value
        if f"{prefix}.downsample.0.qweight" in self.t:
            shortcut_value = f"{prefix}.downsample.0"
            shortcut = self.conv(shortcut_value, q, value, shortcut_value, stride, relu=False)
        bottleneck = f"{prefix}.conv3.qweight" in self.t
        names = ["conv1", "conv2", "conv3"] if bottleneck else ["conv1", "conv2"]
        strides = [1, stride, 1] if bottleneck else [stride, 1]
        for i, (name, s) in enumerate(zip(names, strides)):
            key = f"{prefix}.{name}"
            last = i == len(names) - 1
            out = (out_value or key) if last else key
            q = self.conv(key, q, value, out, s, residual=(shortcut, shortcut_value) if last else None)
            value = out
        return q, value

    def backbone(self, q: torch.Tensor, value: str) -> list[tuple[torch.Tensor, str]]:
        c = self.config
        p = "backbone_model."
        if c.stem == "A":
            q = self.conv(p + "conv1", q, value, p + "conv1", 2)
            q = self.keep("stem", F.max_pool2d(q.double(), 3, 2, 1).to(torch.int64))
        else:
            convs = ["conv0", "conv1"] + (["conv2"] if c.stem == "C" else [])
            strides = [2, 2, 1]
            for i, name in enumerate(convs):
                out = "stem" if i == len(convs) - 1 else p + name
                q = self.conv(p + name, q, value, out, strides[i])
                value = out
        value = "stem"
        maps = [(q, value)] if len(c.arch.depths) == 3 else []
        for s, (depth, stride) in enumerate(zip(c.arch.depths, c.stage_strides), start=1):
            for b in range(depth):
                q, value = self.block(f"{p}layer{s}.{b}", q, value, stride if b == 0 else 1,
                                      f"layer{s}" if b == depth - 1 else "")
            maps.append((q, value))
        return maps

    def up_head(self, features: list[tuple[torch.Tensor, str]]) -> list[tuple[torch.Tensor, str]]:
        f = [self.cbr(f"head.layers.0.adapter_conv.{k}", q, v, f"adapter{k}") for k, (q, v) in enumerate(features)]
        p = "head.layers.1."

        def merge(coarse: tuple[torch.Tensor, str], fine: tuple[torch.Tensor, str], name: str):
            return self.resize(*coarse, tuple(fine[0].shape[-2:]), p + name, add=fine), p + name

        s32 = self.cbr(p + "fam_32_sm", *f[3], "s32")
        x16 = merge(self.cbr(p + "fam_32_up", *f[3]), f[2], "up16")
        s16 = self.cbr(p + "fam_16_sm", *x16, "s16")
        x8 = merge(self.cbr(p + "fam_16_up", *x16), f[1], "up8")
        s8 = self.cbr(p + "fam_8_sm", *x8, "s8")
        x4 = merge(self.cbr(p + "fam_8_up", *x8), f[0], "up4")
        s4 = self.cbr(p + "fam_4", *x4, "s4")
        return [s4, s8, s16, s32]

    def segmentation_head(self, s: list[tuple[torch.Tensor, str]]) -> torch.Tensor:
        size = tuple(s[0][0].shape[-2:])
        parts = [s[0][0]] + [self.resize(q, v, size, f"head.layers.2.up{k}") for k, (q, v) in enumerate(s[1:], 1)]
        q = self.keep("concat", torch.cat(parts, dim=1))
        p = "head.layers.3.last_layer."
        q = self.conv(p + "0", q, "concat", p + "0")
        return self.conv(p + "3", q, p + "0", "output", relu=False, float_output=True)

    def classification_head(self, s: list[tuple[torch.Tensor, str]]) -> torch.Tensor:
        p = "head.layers.2."
        y = self.block(p + "expansion_layers.0", *s[0], 1, "")
        for i in range(3):
            d = f"{p}downsampling_layers.{i}.0"
            down = self.conv(d, *y, d, 2), d
            e = self.block(f"{p}expansion_layers.{i + 1}", *s[i + 1], 1, "")
            name = f"{p}sum{i + 1}"
            y = self.quantize(self.dequantize(*e) + self.dequantize(*down), name), name
        q = self.conv(p + "final_layer.0", *y, "head_final")
        scale, zero = self.params("head_final")
        n = q.shape[-1] * q.shape[-2]
        pooled = ((q.sum(dim=(2, 3)) - zero * n).double() * float(scale) / n).float()
        weight = torch.from_numpy(self.t[p + "classifier.weight"].astype(np.float32))
        bias = torch.from_numpy(self.t[p + "classifier.bias"].astype(np.float32))
        return F.linear(pooled, weight, bias)

    @torch.no_grad()
    def forward(self, x: torch.Tensor, features: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        self.features = features
        value = "input"
        if self.config.pre_down:
            weight = torch.from_numpy(self.t["smoothing.weight"].astype(np.float32)) \
                if "smoothing.weight" in self.t else gaussian_smoothing_weight()
            x = F.conv2d(F.pad(x, (0, 0, 1, 1), mode="reflect"), weight, stride=2, groups=3)
            value = "smoothing"
        q = self.quantize(x, value + ".u8")
        s = self.up_head(self.backbone(q, value + ".u8"))
        if self.config.task == "classification":
            return self.classification_head(s)
        return self.segmentation_head(s)
