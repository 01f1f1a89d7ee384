#!/usr/bin/python3
"""The int8 QDQ model ONNX Runtime (and OpenVINO) run in the peer benchmark, made with Debian's
python3-onnx from the float export, the way ONNX Runtime's own static quantisation lays it out:

  weights      per output channel, symmetric s8 (scale max |w| / 127), through DequantizeLinear
  biases       s32 with scale s_input * s_weight, through DequantizeLinear
  activations  u8, per tensor, from the minimum and maximum over the calibration input:
               QuantizeLinear -> DequantizeLinear after the input and after every Conv (or its
               Relu), Add (or its Relu), Resize, MaxPool and Concat, except the logits

ONNX Runtime fuses DQ -> Conv -> (Relu) -> Q into QLinearConv, and likewise the adds, concats,
resizes and max pooling.

  make_qdq.py observe FLOAT.onnx OBSERVED.onnx   the float model with every activation above as an
                                                 extra output (run once to find the ranges)
  make_qdq.py quantize FLOAT.onnx RANGES.json QDQ.onnx   RANGES: {tensor: [min, max]}
"""
from __future__ import annotations

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ACTIVATION_OPS = {"Conv", "Relu", "Add", "Resize", "MaxPool", "Concat"}


def activations(graph: onnx.GraphProto) -> list[str]:
    """Float activations to quantise, in graph order: the input, and the outputs of the ops above
    fed by activations, where a Relu reading one directly takes its place."""
    initializers = {i.name for i in graph.initializer}
    is_activation = {graph.input[0].name}
    outputs = [graph.input[0].name]
    readers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    final = {o.name for o in graph.output}
    for node in graph.node:
        if node.op_type not in ACTIVATION_OPS:
            continue
        data_inputs = [i for i in node.input if i and i not in initializers]
        if not data_inputs or not all(i in is_activation for i in
                                      (data_inputs if node.op_type in ("Add", "Concat") else data_inputs[:1])):
            continue
        out = node.output[0]
        is_activation.add(out)
        followers = readers.get(out, [])
        if out in final or (len(followers) == 1 and followers[0].op_type == "Relu"):
            continue  # the logits stay float; a Relu's output is quantised instead
        outputs.append(out)
    return outputs


def observe(src: str, dst: str) -> None:
    model = onnx.load(src)
    existing = {o.name for o in model.graph.output}
    for name in activations(model.graph):
        if name not in existing:
            model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    onnx.save(model, dst)


def qparams(lo: float, hi: float) -> tuple[float, int]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255 if hi > lo else 1.0 / 255
    return scale, int(np.clip(round(-lo / scale), 0, 255))


def quantize(src: str, ranges_path: str, dst: str) -> None:
    model = onnx.load(src)
    graph = model.graph
    with open(ranges_path, encoding="utf-8") as f:
        ranges = json.load(f)
    init = {i.name: i for i in graph.initializer}
    new_nodes: list[onnx.NodeProto] = []
    new_inits: list[onnx.TensorProto] = []
    act_params: dict[str, tuple[float, int]] = {}
    renamed: dict[str, str] = {}  # activation -> its dequantised copy

    def qdq(name: str) -> None:
        scale, zero = qparams(*ranges[name])
        act_params[name] = (scale, zero)
        s, z = f"{name}_scale", f"{name}_zero"
        new_inits.extend([numpy_helper.from_array(np.array(scale, np.float32), s),
                          numpy_helper.from_array(np.array(zero, np.uint8), z)])
        new_nodes.append(helper.make_node("QuantizeLinear", [name, s, z], [f"{name}_q"], name=f"{name}_Q"))
        new_nodes.append(helper.make_node("DequantizeLinear", [f"{name}_q", s, z], [f"{name}_dq"], name=f"{name}_DQ"))
        renamed[name] = f"{name}_dq"

    targets = set(activations(graph))
    if graph.input[0].name in targets:
        qdq(graph.input[0].name)
    for node in graph.node:
        node.input[:] = [renamed.get(i, i) for i in node.input]
        if node.op_type == "Conv" and node.input[1] in init:
            x_scale = act_params.get(node.input[0].removesuffix("_dq"), (None,))[0]
            w = numpy_helper.to_array(init[node.input[1]]).astype(np.float32)
            w_scale = np.abs(w.reshape(w.shape[0], -1)).max(axis=1) / 127
            w_scale[w_scale == 0] = 1
            qw = np.clip(np.round(w / w_scale.reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
            wn = node.input[1]
            new_inits.extend([numpy_helper.from_array(qw, f"{wn}_q"),
                              numpy_helper.from_array(w_scale.astype(np.float32), f"{wn}_scale"),
                              numpy_helper.from_array(np.zeros(w.shape[0], np.int8), f"{wn}_zero")])
            new_nodes.append(helper.make_node("DequantizeLinear", [f"{wn}_q", f"{wn}_scale", f"{wn}_zero"],
                                              [f"{wn}_dq"], name=f"{wn}_DQ", axis=0))
            node.input[1] = f"{wn}_dq"
            if len(node.input) > 2 and node.input[2] in init and x_scale is not None:
                b = numpy_helper.to_array(init[node.input[2]]).astype(np.float64)
                b_scale = (x_scale * w_scale.astype(np.float64)).astype(np.float32)
                qb = np.round(b / b_scale).astype(np.int32)
                bn = node.input[2]
                new_inits.extend([numpy_helper.from_array(qb, f"{bn}_q"),
                                  numpy_helper.from_array(b_scale, f"{bn}_scale"),
                                  numpy_helper.from_array(np.zeros(w.shape[0], np.int32), f"{bn}_zero")])
                new_nodes.append(helper.make_node("DequantizeLinear", [f"{bn}_q", f"{bn}_scale", f"{bn}_zero"],
                                                  [f"{bn}_dq"], name=f"{bn}_DQ", axis=0))
                node.input[2] = f"{bn}_dq"
        new_nodes.append(node)
        for out in node.output:
            if out in targets:
                qdq(out)
    del graph.node[:]
    graph.node.extend(new_nodes)
    used = {i for n in graph.node for i in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    onnx.checker.check_model(model)
    onnx.save(model, dst)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "observe":
        observe(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "quantize":
        quantize(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
