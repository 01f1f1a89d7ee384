#!/usr/bin/python3
"""Writes op-level test vectors computed by PyTorch for tests/test_ops_vs_torch.cpp.

Usage: make_op_reference.py OUTPUT_DIR

OUTPUT_DIR receives float32 .npy files (format 1.0, C order) and cases.json, a list of cases:
{"name", "op", parameters..., "inputs": {role: file}, "expected": file, "expected_float32": file}.
"expected" is what the op must produce. For the ops that only move or pick values (max pool,
nearest, concat, add) and for bilinear resize it is torch's float32 result. For the ops that
accumulate (conv, linear, average pool, smoothing) it is torch's float64 result rounded to
float32, the exact answer the double-accumulating references should reproduce; torch's float32
result is kept beside it as "expected_float32" to show what a float32 PyTorch user sees.
Images are stored with a batch dimension of 1 (1 x C x H x W).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


class Writer:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.cases = []

    def save(self, name, role, tensor):
        file = f"{name}.{role}.npy"
        array = tensor.detach().to(torch.float32).contiguous().numpy()
        np.save(os.path.join(self.out_dir, file), array, allow_pickle=False)
        return file

    def add(self, name, op, params, inputs, expected, expected_float32=None):
        case = {"name": name, "op": op, **params}
        case["inputs"] = {role: self.save(name, role, t) for role, t in inputs.items()}
        case["expected"] = self.save(name, "expected", expected)
        if expected_float32 is not None:
            case["expected_float32"] = self.save(name, "expected_float32", expected_float32)
        self.cases.append(case)


def in_double(fn, *tensors):
    """fn evaluated in float64 on float32 tensors (the exactly accumulated answer)."""
    return fn(*[t.double() if t is not None else None for t in tensors]).float()


def conv_cases(w):
    # (in_c, out_c, kernel_h, kernel_w, stride, pad, h, w, residual_relu)
    shapes = [
        (3, 8, 3, 3, 1, 1, 9, 11, False),
        (4, 5, 1, 1, 1, 0, 7, 6, False),
        (3, 6, 7, 7, 2, 3, 17, 23, False),
        (5, 4, 3, 3, 2, 1, 10, 13, False),
        (2, 3, 5, 5, 1, 2, 6, 5, False),
        (6, 7, 3, 3, 2, 0, 9, 8, False),
        (3, 4, 1, 1, 2, 0, 9, 9, False),
        (1, 2, 3, 3, 1, 1, 1, 1, False),
        (3, 2, 1, 3, 1, 0, 4, 7, False),
        (8, 8, 3, 3, 1, 1, 6, 7, True),
    ]
    for n, (ci, co, kh, kw, s, p, h, wd, fused) in enumerate(shapes):
        x = torch.randn(1, ci, h, wd)
        weight = torch.randn(co, ci, kh, kw) / (ci * kh * kw) ** 0.5
        bias = torch.randn(co)
        conv = lambda x, wt, b: F.conv2d(x, wt, b, stride=s, padding=p)
        inputs = {"x": x, "weight": weight, "bias": bias}
        expected = in_double(conv, x, weight, bias)
        float32 = conv(x, weight, bias)
        if fused:
            residual = torch.randn_like(float32)
            inputs["residual"] = residual
            expected = torch.relu(expected.double() + residual.double()).float()
            float32 = torch.relu(float32 + residual)
        params = {"out_channels": co, "kernel_h": kh, "kernel_w": kw, "stride": s, "pad": p,
                  "relu": fused}
        w.add(f"conv2d_{n}", "conv2d", params, inputs, expected, float32)


def max_pool_cases(w):
    # (c, h, w, kernel, stride, pad); the first ones are FFNet's 3x3/2 pad 1
    shapes = [(3, 8, 8, 3, 2, 1), (2, 7, 9, 3, 2, 1), (4, 1, 1, 3, 2, 1), (2, 2, 3, 3, 2, 1),
              (1, 16, 33, 3, 2, 1), (5, 12, 20, 3, 2, 1), (2, 9, 8, 2, 2, 0), (2, 6, 7, 3, 1, 1),
              (2, 11, 13, 5, 3, 2), (1, 7, 7, 3, 3, 0)]
    for n, (c, h, wd, k, s, p) in enumerate(shapes):
        x = torch.randn(1, c, h, wd)
        if n == 0:
            x = -x.abs() - 1  # all negative: a zero padding would win
        w.add(f"max_pool_{n}", "max_pool", {"kernel": k, "stride": s, "pad": p}, {"x": x},
              F.max_pool2d(x, k, s, p))


RESIZE_SIZES = [  # (in_h, in_w, out_h, out_w)
    (4, 4, 8, 8), (8, 8, 4, 4), (13, 7, 50, 97), (190, 20, 48, 7), (7, 190, 97, 48),
    (1, 1, 5, 7), (5, 7, 1, 1), (1, 9, 4, 1), (16, 32, 64, 128), (32, 64, 64, 128),
    (17, 33, 65, 129), (3, 3, 3, 3), (6, 10, 11, 19), (2, 2, 3, 3), (64, 128, 16, 32),
    (9, 17, 9, 33), (33, 65, 128, 256),
]


def resize_cases(w):
    for mode in ("bilinear", "nearest"):
        for n, (ih, iw, oh, ow) in enumerate(RESIZE_SIZES):
            x = torch.randn(1, 2, ih, iw)
            kwargs = {"align_corners": True} if mode == "bilinear" else {}
            y = F.interpolate(x, size=(oh, ow), mode=mode, **kwargs)
            inputs = {"x": x}
            if n % 3 == 1:  # the Up-head's fused x + f
                f = torch.randn_like(y)
                inputs["add"] = f
                y = y + f
            w.add(f"resize_{mode}_{n}", "resize", {"mode": mode}, inputs, y)
    # A 1-channel NCHW tensor is also channels-last contiguous, and PyTorch 1.13 then takes its
    # channels-last bilinear kernel, whose rounding differs (by about one ulp) from the NCHW
    # kernel that ffnet follows. Kept as a separate, looser case.
    x = torch.randn(1, 1, 33, 65)
    w.add("resize_bilinear_one_channel", "resize", {"mode": "bilinear", "torch_kernel": "channels_last"},
          {"x": x}, F.interpolate(x, size=(128, 256), mode="bilinear", align_corners=True))


def gaussian_5x5(channels, sigma=0.7):
    t = torch.arange(5, dtype=torch.float64) - 2
    g = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = g[:, None] * g[None, :]
    return (k / k.sum()).float().expand(channels, 1, 5, 5).contiguous()


def smoothing_cases(w):
    shapes = [(3, 7, 9), (3, 3, 5), (3, 4, 6), (3, 10, 13), (3, 32, 48), (3, 33, 64), (2, 5, 5),
              (1, 64, 9)]
    for n, (c, h, wd) in enumerate(shapes):
        x = torch.randn(1, c, h, wd)
        weight = gaussian_5x5(c) if n % 2 == 0 else torch.randn(c, 1, 5, 5) / 5
        smooth = lambda x, wt: F.conv2d(F.pad(x, (0, 0, 1, 1), mode="reflect"), wt, stride=2,
                                        groups=c)
        w.add(f"smoothing_{n}", "smoothing", {}, {"x": x, "weight": weight},
              in_double(smooth, x, weight), smooth(x, weight))


def average_pool_cases(w):
    for n, (c, h, wd) in enumerate([(5, 7, 7), (3, 1, 1), (4, 13, 17), (256, 7, 7), (2, 64, 33)]):
        x = torch.randn(1, c, h, wd) + 0.5
        pool = lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1)
        w.add(f"average_pool_{n}", "global_average_pool", {}, {"x": x}, in_double(pool, x),
              pool(x))


def linear_cases(w):
    for n, (fi, fo, with_bias) in enumerate([(37, 13, True), (1, 3, True), (512, 100, True),
                                            (2048, 10, True), (64, 9, False)]):
        x = torch.randn(fi)
        weight = torch.randn(fo, fi) / fi ** 0.5
        inputs = {"x": x, "weight": weight}
        bias = None
        if with_bias:
            bias = torch.randn(fo)
            inputs["bias"] = bias
        w.add(f"linear_{n}", "linear", {}, inputs, in_double(F.linear, x, weight, bias),
              F.linear(x, weight, bias))


def concat_cases(w):
    lists = [[(2, 4, 5), (3, 4, 5), (1, 4, 5)], [(1, 1, 1), (1, 1, 1)], [(4, 3, 7)],
             [(128, 6, 5), (16, 6, 5), (16, 6, 5), (16, 6, 5)]]
    for n, shapes in enumerate(lists):
        xs = [torch.randn(1, *s) for s in shapes]
        w.add(f"concat_{n}", "concat_channels", {}, {f"x{i}": x for i, x in enumerate(xs)},
              torch.cat(xs, dim=1))


def picture_cases(w):
    """Pre- and post-processing of ffnet-segment: picture resizing (bilinear, align_corners=False),
    ImageNet normalisation, and label maps (logits resized to the picture, then arg-max)."""
    for n, (ih, iw, oh, ow) in enumerate([(64, 128, 32, 64), (50, 70, 97, 190), (97, 190, 64, 128),
                                          (33, 65, 33, 64), (1, 5, 3, 2)]):
        x = torch.randn(1, 3, ih, iw)
        w.add(f"picture_resize_{n}", "picture_resize", {}, {"x": x},
              F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False))
    pixels = torch.randint(0, 256, (1, 3, 7, 9)).float()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    w.add("normalise", "normalise", {}, {"pixels": pixels}, (pixels / 255 - mean) / std)
    for n, (ih, iw, oh, ow) in enumerate([(16, 32, 64, 128), (25, 48, 97, 190), (13, 24, 97, 190)]):
        for align_corners in (True, False):
            logits = torch.randn(1, 19, ih, iw)
            resized = F.interpolate(logits, size=(oh, ow), mode="bilinear", align_corners=align_corners)
            top2 = resized.topk(2, dim=1).values
            w.add(f"label_map_{n}_{int(align_corners)}", "label_map", {"align_corners": align_corners},
                  {"logits": logits, "top2_gap": top2[:, :1] - top2[:, 1:]}, resized.argmax(dim=1, keepdim=True).float())


def add_cases(w):
    for n, shape in enumerate([(3, 4, 5), (1, 1, 1), (7, 13, 17)]):
        a, b = torch.randn(1, *shape), torch.randn(1, *shape)
        w.add(f"add_{n}", "add", {}, {"a": a, "b": b}, a + b)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_op_reference.py OUTPUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):
        if old.endswith(".npy") or old == "cases.json":
            os.remove(os.path.join(out_dir, old))
    torch.manual_seed(20220608)
    torch.set_num_threads(1)
    w = Writer(out_dir)
    for make in (conv_cases, max_pool_cases, resize_cases, smoothing_cases, average_pool_cases,
                 linear_cases, concat_cases, add_cases, picture_cases):
        make(w)
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": w.cases}, f, indent=1)
    os.utime(out_dir)  # the build system compares the directory's time with the script's


if __name__ == "__main__":
    main()
