#!/usr/bin/env python3
"""FFNet architecture facts (docs/ffnet-spec.md) as data: the 87 published model names,
their configuration, and the exact state-dict tensors each one's checkpoint holds.

Standard library only, so that the checkpoint converter can use it without torch.
"""
from __future__ import annotations

import argparse
import difflib
import math
import re
from dataclasses import dataclass

# --- Published models -----------------------------------------------------------------------

# "ffnet" name suffix -> Cityscapes val mIoU (spec section 9), in the authors' order.
_SEGMENTATION_MIOU_TABLE = """
    150_AAA 84.4  134_AAA 84.1  101_AAA 82.1  86_AAA 83.2
    56_AAA 82.5  50_AAA 79.6  34_AAA 81.4  150_ABB 83.7
    86_ABB 83.5  56_ABB 82.1  34_ABB 80.3  150S_BBB 84.1
    86S_BBB 82.6  122N_CBB 83.7  74N_CBB 83.0  46N_CBB 81.9
    150_dAAA 82.3  134_dAAA 82.0  101_dAAA 80.4  86_dAAA 81.4
    56_dAAA 80.7  50_dAAA 79.4  34_dAAA 79.1  18_dAAA 76.5
    150_dAAC 81.9  86_dAAC 81.1  34_dAAC 79.1  18_dAAC 76.4
    150S_dBBB 81.0  86S_dBBB 81.1  86S_dBBB_mobile 81.5  78S_dBBB_mobile 81.3
    54S_dBBB_mobile 80.8  40S_dBBB_mobile 79.2  150S_BBB_mobile 81.6  150S_BBB_mobile_pre_down 81.6
    86S_BBB_mobile 80.9  86S_BBB_mobile_pre_down 80.9  78S_BBB_mobile 80.5  78S_BBB_mobile_pre_down 80.5
    54S_BBB_mobile 80.2  54S_BBB_mobile_pre_down 80.2  40S_BBB_mobile 79.7  40S_BBB_mobile_pre_down 79.7
    150S_BCC_mobile 81.0  150S_BCC_mobile_pre_down 81.0  86S_BCC_mobile 81.0  86S_BCC_mobile_pre_down 81.0
    78S_BCC_mobile 80.6  78S_BCC_mobile_pre_down 80.6  54S_BCC_mobile 79.9  54S_BCC_mobile_pre_down 79.9
    40S_BCC_mobile 78.4  40S_BCC_mobile_pre_down 78.4  122NS_CBB_mobile 79.3  122NS_CBB_mobile_pre_down 79.3
    74NS_CBB_mobile 78.3  74NS_CBB_mobile_pre_down 78.3  46NS_CBB_mobile 77.5  46NS_CBB_mobile_pre_down 77.5
    122NS_CCC_mobile 79.2  122NS_CCC_mobile_pre_down 79.2  74NS_CCC_mobile 77.8  74NS_CCC_mobile_pre_down 77.8
    46NS_CCC_mobile 76.7  46NS_CCC_mobile_pre_down 76.7
"""

_CLASSIFICATION_TABLE = """
    150_AAX 134_AAX 101_AAX 86_AAX 56_AAX 50_AAX 34_AAX 18_AAX
    150S_BBX 86S_BBX 122N_CBX 74N_CBX 46N_CBX
    150S_BBX_mobile 86S_BBX_mobile 78S_BBX_mobile 54S_BBX_mobile 40S_BBX_mobile
    122NS_CBX_mobile 74NS_CBX_mobile 46NS_CBX_mobile
"""


def _published_miou() -> dict[str, float | None]:
    words = _SEGMENTATION_MIOU_TABLE.split()
    table: dict[str, float | None] = {
        "segmentation_ffnet" + suffix: float(miou) for suffix, miou in zip(words[::2], words[1::2])}
    table.update({"classification_ffnet" + s: None for s in _CLASSIFICATION_TABLE.split()})
    return table


_MIOU = _published_miou()
MODEL_NAMES: tuple[str, ...] = tuple(_MIOU)

# --- Architecture presets (spec sections 2-5) --------------------------------------------------


@dataclass(frozen=True)
class Backbone:
    stem: str                    # "A", "B" or "C"
    block: str                   # "basic" or "bottleneck"
    depths: tuple[int, ...]      # blocks per stage
    widths: tuple[int, ...]      # stage widths (planes; bottleneck outputs are 4x)


BACKBONES: dict[str, Backbone] = {
    "18": Backbone("A", "basic", (2, 2, 2, 2), (64, 128, 256, 512)),
    "34": Backbone("A", "basic", (3, 4, 6, 3), (64, 128, 256, 512)),
    "50": Backbone("A", "bottleneck", (3, 4, 6, 3), (64, 128, 256, 512)),
    "56": Backbone("A", "basic", (4, 8, 12, 3), (64, 128, 256, 512)),
    "86": Backbone("A", "basic", (8, 12, 16, 6), (64, 128, 256, 512)),
    "101": Backbone("A", "bottleneck", (3, 4, 23, 3), (64, 128, 256, 512)),
    "134": Backbone("A", "basic", (8, 18, 28, 12), (64, 128, 256, 512)),
    "150": Backbone("A", "basic", (16, 18, 28, 12), (64, 128, 256, 512)),
    "40S": Backbone("B", "basic", (4, 5, 6, 4), (64, 128, 192, 320)),
    "54S": Backbone("B", "basic", (5, 8, 8, 5), (64, 128, 192, 320)),
    "78S": Backbone("B", "basic", (6, 12, 12, 8), (64, 128, 192, 320)),
    "86S": Backbone("B", "basic", (8, 12, 16, 6), (64, 128, 192, 320)),
    "150S": Backbone("B", "basic", (16, 18, 28, 12), (64, 128, 192, 320)),
    "46N": Backbone("C", "basic", (6, 8, 8), (96, 160, 320)),
    "74N": Backbone("C", "basic", (8, 12, 16), (96, 160, 320)),
    "122N": Backbone("C", "basic", (16, 24, 20), (96, 160, 320)),
    "46NS": Backbone("C", "basic", (6, 8, 8), (64, 128, 256)),
    "74NS": Backbone("C", "basic", (8, 12, 16), (64, 128, 256)),
    "122NS": Backbone("C", "basic", (16, 24, 20), (64, 128, 256)),
}

STEM_WIDTH = 64  # every stem ends with 64 channels
BOTTLENECK_EXPANSION = 4

# UP preset -> (adapter widths b0..b3, output widths o0..o3)
UP_PRESETS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "A": ((64, 128, 256, 512), (128, 128, 128, 128)),
    "B": ((64, 128, 128, 256), (96, 96, 64, 32)),
    "C": ((128, 128, 128, 128), (128, 16, 16, 16)),
}

# SEG preset -> (mid width, kernel size of the last conv)
SEG_PRESETS: dict[str, tuple[int, int]] = {"A": (512, 1), "B": (256, 3), "C": (128, 1)}

CLASSIFICATION_HEAD_WIDTHS = (128, 256, 512, 1024)
CLASSIFICATION_FINAL_WIDTH = 2048
SMOOTHING_SHAPE = (3, 1, 5, 5)
NUM_CLASSES = {"segmentation": 19, "classification": 1000}

# --- Name parsing ----------------------------------------------------------------------------

_NAME_RE = re.compile(
    r"(?P<task>segmentation|classification)_ffnet(?P<backbone>\d+(?:S|N|NS)?)_"
    r"(?P<d>d?)(?P<stem>[ABC])(?P<up>[ABC])(?P<seg>[ABCX])"
    r"(?P<mobile>_mobile)?(?P<pre_down>_pre_down)?")


@dataclass(frozen=True)
class ModelConfig:
    name: str
    task: str                    # "segmentation" or "classification"
    backbone: str                # key of BACKBONES, e.g. "78S"
    first_stage_stride: int      # 2 for "d" models, else 1
    stem: str                    # "A", "B" or "C"
    up: str                      # key of UP_PRESETS
    seg: str | None              # key of SEG_PRESETS; None for classification
    mobile: bool                 # nearest upsampling in the head
    pre_down: bool               # smoothing + downsampling before the backbone

    @property
    def arch(self) -> Backbone:
        return BACKBONES[self.backbone]

    @property
    def num_classes(self) -> int:
        return NUM_CLASSES[self.task]

    @property
    def upsample_mode(self) -> str:
        return "nearest" if self.mobile else "bilinear"

    @property
    def stage_strides(self) -> tuple[int, ...]:
        if len(self.arch.depths) == 3:
            return (2, 2, 2)
        return (self.first_stage_stride, 2, 2, 2)

    @property
    def stage_out_widths(self) -> tuple[int, ...]:
        factor = BOTTLENECK_EXPANSION if self.arch.block == "bottleneck" else 1
        return tuple(w * factor for w in self.arch.widths)

    @property
    def feature_widths(self) -> tuple[int, ...]:
        """Widths of the four maps handed to the Up-head, fine to coarse."""
        if len(self.arch.depths) == 3:
            return (STEM_WIDTH,) + self.stage_out_widths
        return self.stage_out_widths

    @property
    def adapter_widths(self) -> tuple[int, ...]:
        return UP_PRESETS[self.up][0]

    @property
    def up_out_widths(self) -> tuple[int, ...]:
        return UP_PRESETS[self.up][1]


def parse_name(name: str) -> ModelConfig:
    """Configuration of a published model; ValueError for any other name."""
    if name not in _MIOU:
        close = difflib.get_close_matches(name, MODEL_NAMES, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see ffnet_arch.MODEL_NAMES"
        raise ValueError(f"unknown FFNet model name {name!r}{hint}")
    m = _NAME_RE.fullmatch(name)
    if m is None or BACKBONES[m["backbone"]].stem != m["stem"]:
        raise AssertionError(f"published name {name!r} does not follow the naming rules")
    task = m["task"]
    return ModelConfig(
        name=name, task=task, backbone=m["backbone"],
        first_stage_stride=2 if m["d"] else 1, stem=m["stem"], up=m["up"],
        seg=m["seg"] if task == "segmentation" else None,
        mobile=bool(m["mobile"]), pre_down=bool(m["pre_down"]))


def model_name_argument(name: str) -> str:
    """argparse `type=` for a published model name (keeps parse_name's suggestion)."""
    try:
        parse_name(name)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
    return name


# --- Shapes ----------------------------------------------------------------------------------


def _conv_out(n: int, kernel: int, stride: int, pad: int) -> int:
    return (n + 2 * pad - kernel) // stride + 1


def finest_feature_size(config: ModelConfig, height: int, width: int) -> tuple[int, int]:
    """Spatial size of the first (finest) feature map, i.e. of s4 and the segmentation logits."""
    h, w = height, width
    if config.pre_down:
        h, w = _conv_out(h + 2, 5, 2, 0), _conv_out(w, 5, 2, 0)  # rows reflect-padded by 1
    stem_layers = {"A": [(7, 2, 3), (3, 2, 1)], "B": [(3, 2, 1)] * 2,
                   "C": [(3, 2, 1), (3, 2, 1), (3, 1, 1)]}[config.stem]
    if len(config.arch.depths) == 4:
        stem_layers = stem_layers + [(3, config.first_stage_stride, 1)]
    for kernel, stride, pad in stem_layers:
        h, w = _conv_out(h, kernel, stride, pad), _conv_out(w, kernel, stride, pad)
    if h < 1 or w < 1:
        raise ValueError(f"input {height}x{width} is too small for {config.name}")
    return h, w


def output_shape(config: ModelConfig, height: int, width: int) -> tuple[int, ...]:
    if config.task == "classification":
        return (1, config.num_classes)
    return (1, config.num_classes) + finest_feature_size(config, height, width)


# --- Published-model facts -------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedModel:
    name: str
    task: str
    input_size: tuple[int, int]          # natural (H, W)
    output_shape: tuple[int, ...]        # at the natural input size
    checkpoint: str                      # "<family>/<file>.pth" inside the family's zip
    cityscapes_val_miou: float | None


def _natural_input_size(config: ModelConfig) -> tuple[int, int]:
    if config.task == "classification":
        return (224, 224)
    low_resolution = config.mobile and not config.pre_down and config.first_stage_stride == 1
    return (512, 1024) if low_resolution else (1024, 2048)


def _checkpoint_file(config: ModelConfig) -> str:
    family = "ffnet" + config.backbone
    code = config.name.split("_")[2]                      # e.g. "dBBB", "BCC", "AAX"
    gpu = "_gpu" if config.stem == "B" and not config.mobile else ""
    dataset = "cityscapes" if config.task == "segmentation" else "imagenet"
    return f"{family}/{family}_{code}{gpu}_{dataset}_state_dict_quarts.pth"


def published_model(name: str) -> PublishedModel:
    config = parse_name(name)
    size = _natural_input_size(config)
    return PublishedModel(name=name, task=config.task, input_size=size,
                          output_shape=output_shape(config, *size),
                          checkpoint=_checkpoint_file(config),
                          cityscapes_val_miou=_MIOU[name])


# --- State-dict tensors ----------------------------------------------------------------------

Shape = tuple[int, ...]


class _TensorList:
    """Accumulates (key, shape) in state-dict order, mirroring the modules' registration order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Shape]] = []

    def conv(self, key: str, c_out: int, c_in: int, kernel: int, bias: bool = False) -> None:
        self.items.append((f"{key}.weight", (c_out, c_in, kernel, kernel)))
        if bias:
            self.items.append((f"{key}.bias", (c_out,)))

    def bn(self, key: str, c: int) -> None:
        for field in ("weight", "bias", "running_mean", "running_var"):
            self.items.append((f"{key}.{field}", (c,)))
        self.items.append((f"{key}.num_batches_tracked", ()))

    def conv_bn(self, conv_key: str, bn_key: str, c_out: int, c_in: int, kernel: int,
                bias: bool = False) -> None:
        self.conv(conv_key, c_out, c_in, kernel, bias)
        self.bn(bn_key, c_out)

    def downsample(self, key: str, c_out: int, c_in: int) -> None:
        self.conv_bn(f"{key}.downsample.0", f"{key}.downsample.1", c_out, c_in, 1)

    def basic_block(self, key: str, c_in: int, c: int, stride: int) -> None:
        self.conv_bn(f"{key}.conv1", f"{key}.bn1", c, c_in, 3)
        self.conv_bn(f"{key}.conv2", f"{key}.bn2", c, c, 3)
        if c_in != c or stride != 1:
            self.downsample(key, c, c_in)

    def bottleneck(self, key: str, c_in: int, planes: int, stride: int,
                   downsample_first: bool = False) -> None:
        c_out = planes * BOTTLENECK_EXPANSION
        needs_downsample = c_in != c_out or stride != 1
        if needs_downsample and downsample_first:
            self.downsample(key, c_out, c_in)
        self.conv_bn(f"{key}.conv1", f"{key}.bn1", planes, c_in, 1)
        self.conv_bn(f"{key}.conv2", f"{key}.bn2", planes, planes, 3)
        self.conv_bn(f"{key}.conv3", f"{key}.bn3", c_out, planes, 1)
        if needs_downsample and not downsample_first:
            self.downsample(key, c_out, c_in)

    def cbr(self, key: str, c_out: int, c_in: int, kernel: int) -> None:
        self.conv_bn(f"{key}.layers.0", f"{key}.layers.1", c_out, c_in, kernel)


def _add_backbone(t: _TensorList, config: ModelConfig) -> None:
    p = "backbone_model"
    if config.stem == "A":
        t.conv_bn(f"{p}.conv1", f"{p}.bn1", STEM_WIDTH, 3, 7)
    elif config.stem == "B":
        t.conv_bn(f"{p}.conv0", f"{p}.bn0", 32, 3, 3)
        t.conv_bn(f"{p}.conv1", f"{p}.bn1", STEM_WIDTH, 32, 3)
    else:
        t.conv_bn(f"{p}.conv0", f"{p}.bn0", STEM_WIDTH, 3, 3)
        t.conv_bn(f"{p}.conv1", f"{p}.bn1", STEM_WIDTH, STEM_WIDTH, 3)
        t.conv_bn(f"{p}.conv2", f"{p}.bn2", STEM_WIDTH, STEM_WIDTH, 3)
    c_in = STEM_WIDTH
    stages = zip(config.arch.depths, config.arch.widths, config.stage_strides, config.stage_out_widths)
    for s, (depth, width, stride, c_out) in enumerate(stages, start=1):
        for i in range(depth):
            key, block_stride = f"{p}.layer{s}.{i}", stride if i == 0 else 1
            if config.arch.block == "bottleneck":
                t.bottleneck(key, c_in, width, block_stride)
            else:
                t.basic_block(key, c_in, width, block_stride)
            c_in = c_out


def _add_up_head(t: _TensorList, config: ModelConfig) -> None:
    b, o = config.adapter_widths, config.up_out_widths
    for k, (c_in, c_out) in enumerate(zip(config.feature_widths, b)):
        t.cbr(f"head.layers.0.adapter_conv.{k}", c_out, c_in, 1)
    up = "head.layers.1"
    t.cbr(f"{up}.fam_32_sm", o[3], b[3], 3)
    t.cbr(f"{up}.fam_32_up", b[2], b[3], 1)
    t.cbr(f"{up}.fam_16_sm", o[2], b[2], 3)
    t.cbr(f"{up}.fam_16_up", b[1], b[2], 1)
    t.cbr(f"{up}.fam_8_sm", o[1], b[1], 3)
    t.cbr(f"{up}.fam_8_up", b[0], b[1], 1)
    t.cbr(f"{up}.fam_4", o[0], b[0], 3)


def _add_segmentation_head(t: _TensorList, config: ModelConfig) -> None:
    assert config.seg is not None
    mid, last_kernel = SEG_PRESETS[config.seg]
    p = "head.layers.3.last_layer"
    t.conv_bn(f"{p}.0", f"{p}.1", mid, sum(config.up_out_widths), 3, bias=True)
    t.conv(f"{p}.3", config.num_classes, mid, last_kernel, bias=True)


def _add_classification_head(t: _TensorList, config: ModelConfig) -> None:
    p, h = "head.layers.2", CLASSIFICATION_HEAD_WIDTHS
    for i, (c_in, c_out) in enumerate(zip(config.up_out_widths, h)):
        # The authors' head registers the shortcut before the main branch.
        t.bottleneck(f"{p}.expansion_layers.{i}", c_in, c_out // BOTTLENECK_EXPANSION, 1,
                     downsample_first=True)
    for i in range(3):
        t.conv_bn(f"{p}.downsampling_layers.{i}.0", f"{p}.downsampling_layers.{i}.1",
                  h[i + 1], h[i], 3, bias=True)
    t.conv_bn(f"{p}.final_layer.0", f"{p}.final_layer.1", CLASSIFICATION_FINAL_WIDTH, h[3], 1,
              bias=True)
    t.items.append((f"{p}.classifier.weight", (config.num_classes, CLASSIFICATION_FINAL_WIDTH)))
    t.items.append((f"{p}.classifier.bias", (config.num_classes,)))


def expected_tensors(name: str) -> list[tuple[str, Shape]]:
    """Every state-dict tensor of the model's checkpoint (num_batches_tracked included), in order."""
    config = parse_name(name)
    t = _TensorList()
    _add_backbone(t, config)
    _add_up_head(t, config)
    if config.task == "segmentation":
        _add_segmentation_head(t, config)
    else:
        _add_classification_head(t, config)
    if config.pre_down:
        t.items.append(("smoothing.weight", SMOOTHING_SHAPE))
    return t.items


def optional_tensors(name: str) -> list[tuple[str, Shape]]:
    """Tensors a checkpoint may carry beyond expected_tensors(name); the model ignores them.

    `_mobile` models without `_pre_down` load the same file as their `_pre_down` twin.
    """
    config = parse_name(name)
    if config.mobile and not config.pre_down:
        return [("smoothing.weight", SMOOTHING_SHAPE)]
    return []


def is_bn_counter(key: str) -> bool:
    return key.endswith("num_batches_tracked")


def parameter_count(name: str) -> int:
    """Number of float values in the checkpoint (num_batches_tracked excluded)."""
    return sum(math.prod(shape) for key, shape in expected_tensors(name) if not is_bn_counter(key))
