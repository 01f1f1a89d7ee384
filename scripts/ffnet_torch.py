#!/usr/bin/python3
"""PyTorch implementation of the 87 published FFNet models, written from docs/ffnet-spec.md.

Module names are chosen so that state_dict() has exactly the published keys in the published
order. forward(x, features) optionally records the intermediate maps the C++ tests compare.
"""
from __future__ import annotations

import contextvars
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ffnet_arch  # noqa: E402
from ffnet_arch import ModelConfig  # noqa: E402

Features = dict[str, torch.Tensor] | None
SMOOTHING_SIGMA = 0.7

# Device for parameter creation ("meta" builds the module structure without memory).
_build_device: contextvars.ContextVar[str | None] = contextvars.ContextVar("device", default=None)


def _conv(c_in: int, c_out: int, kernel: int, stride: int = 1, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=bias, device=_build_device.get())


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, device=_build_device.get())


def _keep(features: Features, name: str, x: torch.Tensor) -> torch.Tensor:
    if features is not None:
        features[name] = x
    return x


def resize(x: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    """up(.) of the spec: to the exact target size."""
    if mode == "bilinear":
        return F.interpolate(x, size=size, mode="bilinear", align_corners=True)
    return F.interpolate(x, size=size, mode="nearest")


def _downsample(c_in: int, c_out: int, stride: int) -> nn.Sequential | None:
    if c_in == c_out and stride == 1:
        return None
    return nn.Sequential(_conv(c_in, c_out, 1, stride), _bn(c_out))


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c: int, stride: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = _conv(c_in, c, 3, stride), _bn(c)
        self.conv2, self.bn2 = _conv(c, c, 3), _bn(c)
        self.downsample = _downsample(c_in, c, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class Bottleneck(nn.Module):
    def __init__(self, c_in: int, planes: int, stride: int, downsample_first: bool = False) -> None:
        super().__init__()
        c_out = planes * ffnet_arch.BOTTLENECK_EXPANSION
        if downsample_first:  # registration order decides the state-dict order
            self.downsample = _downsample(c_in, c_out, stride)
        self.conv1, self.bn1 = _conv(c_in, planes, 1), _bn(planes)
        self.conv2, self.bn2 = _conv(planes, planes, 3, stride), _bn(planes)
        self.conv3, self.bn3 = _conv(planes, c_out, 1), _bn(c_out)
        if not downsample_first:
            self.downsample = _downsample(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class ConvBNReLU(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(_conv(c_in, c_out, kernel), _bn(c_out), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class Backbone(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        width = ffnet_arch.STEM_WIDTH
        if config.stem == "A":
            self.conv1, self.bn1 = _conv(3, width, 7, 2), _bn(width)
        elif config.stem == "B":
            self.conv0, self.bn0 = _conv(3, 32, 3, 2), _bn(32)
            self.conv1, self.bn1 = _conv(32, width, 3, 2), _bn(width)
        else:
            self.conv0, self.bn0 = _conv(3, width, 3, 2), _bn(width)
            self.conv1, self.bn1 = _conv(width, width, 3, 2), _bn(width)
            self.conv2, self.bn2 = _conv(width, width, 3), _bn(width)
        c_in = width
        arch = config.arch
        for s, (depth, planes, stride, c_out) in enumerate(
                zip(arch.depths, arch.widths, config.stage_strides, config.stage_out_widths), start=1):
            blocks = []
            for i in range(depth):
                block_stride = stride if i == 0 else 1
                if arch.block == "bottleneck":
                    blocks.append(Bottleneck(c_in, planes, block_stride))
                else:
                    blocks.append(BasicBlock(c_in, planes, block_stride))
                c_in = c_out
            self.add_module(f"layer{s}", nn.Sequential(*blocks))

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.stem == "A":
            return F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = F.relu(self.bn0(self.conv0(x)))
        x = F.relu(self.bn1(self.conv1(x)))
        if self.config.stem == "C":
            x = F.relu(self.bn2(self.conv2(x)))
        return x

    def forward(self, x: torch.Tensor, features: Features = None) -> list[torch.Tensor]:
        x = _keep(features, "stem", self.stem(x))
        maps = [x] if len(self.config.arch.depths) == 3 else []
        for s in range(1, len(self.config.arch.depths) + 1):
            x = _keep(features, f"layer{s}", getattr(self, f"layer{s}")(x))
            maps.append(x)
        return maps


class Adapters(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.adapter_conv = nn.ModuleList(
            ConvBNReLU(c_in, c_out, 1) for c_in, c_out in zip(config.feature_widths, config.adapter_widths))

    def forward(self, maps: list[torch.Tensor], features: Features = None) -> list[torch.Tensor]:
        return [_keep(features, f"adapter{k}", conv(x))
                for k, (conv, x) in enumerate(zip(self.adapter_conv, maps))]


class UpBranch(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        b, o = config.adapter_widths, config.up_out_widths
        self.mode = config.upsample_mode
        self.fam_32_sm, self.fam_32_up = ConvBNReLU(b[3], o[3], 3), ConvBNReLU(b[3], b[2], 1)
        self.fam_16_sm, self.fam_16_up = ConvBNReLU(b[2], o[2], 3), ConvBNReLU(b[2], b[1], 1)
        self.fam_8_sm, self.fam_8_up = ConvBNReLU(b[1], o[1], 3), ConvBNReLU(b[1], b[0], 1)
        self.fam_4 = ConvBNReLU(b[0], o[0], 3)

    def _merge(self, coarse: torch.Tensor, fine: torch.Tensor) -> torch.Tensor:
        return resize(coarse, fine.shape[-2:], self.mode) + fine

    def forward(self, f: list[torch.Tensor], features: Features = None) -> list[torch.Tensor]:
        f4, f8, f16, f32 = f
        s32 = self.fam_32_sm(f32)
        x16 = self._merge(self.fam_32_up(f32), f16)
        s16 = self.fam_16_sm(x16)
        x8 = self._merge(self.fam_16_up(x16), f8)
        s8 = self.fam_8_sm(x8)
        s4 = self.fam_4(self._merge(self.fam_8_up(x8), f4))
        outputs = [s4, s8, s16, s32]
        for name, s in zip(("s4", "s8", "s16", "s32"), outputs):
            _keep(features, name, s)
        return outputs


class Concat(nn.Module):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, s: list[torch.Tensor]) -> torch.Tensor:
        size = s[0].shape[-2:]
        return torch.cat([s[0]] + [resize(x, size, self.mode) for x in s[1:]], dim=1)


class SegmentationHead(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        mid, last_kernel = ffnet_arch.SEG_PRESETS[config.seg]
        self.last_layer = nn.Sequential(
            _conv(sum(config.up_out_widths), mid, 3, bias=True), _bn(mid), nn.ReLU(),
            _conv(mid, config.num_classes, last_kernel, bias=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.last_layer(x)


class ClassificationHead(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        h = ffnet_arch.CLASSIFICATION_HEAD_WIDTHS
        final = ffnet_arch.CLASSIFICATION_FINAL_WIDTH
        self.expansion_layers = nn.ModuleList(
            Bottleneck(c_in, c_out // ffnet_arch.BOTTLENECK_EXPANSION, 1, downsample_first=True)
            for c_in, c_out in zip(config.up_out_widths, h))
        self.downsampling_layers = nn.ModuleList(
            nn.Sequential(_conv(h[i], h[i + 1], 3, 2, bias=True), _bn(h[i + 1]), nn.ReLU())
            for i in range(3))
        self.final_layer = nn.Sequential(_conv(h[3], final, 1, bias=True), _bn(final), nn.ReLU())
        self.classifier = nn.Linear(final, config.num_classes, device=_build_device.get())

    def forward(self, s: list[torch.Tensor], features: Features = None) -> torch.Tensor:
        y = self.expansion_layers[0](s[0])
        for i in range(3):
            y = self.expansion_layers[i + 1](s[i + 1]) + self.downsampling_layers[i](y)
        y = _keep(features, "head_final", self.final_layer(y))
        pooled = _keep(features, "pooled", F.adaptive_avg_pool2d(y, 1).flatten(1))
        return self.classifier(pooled)


class Head(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.task = config.task
        layers: list[nn.Module] = [Adapters(config), UpBranch(config)]
        if config.task == "segmentation":
            layers += [Concat(config.upsample_mode), SegmentationHead(config)]
        else:
            layers.append(ClassificationHead(config))
        self.layers = nn.ModuleList(layers)

    def forward(self, maps: list[torch.Tensor], features: Features = None) -> torch.Tensor:
        s = self.layers[1](self.layers[0](maps, features), features)
        if self.task == "classification":
            return self.layers[2](s, features)
        return self.layers[3](_keep(features, "concat", self.layers[2](s)))


def gaussian_smoothing_weight(device: str | None = None) -> torch.Tensor:
    """[3, 1, 5, 5] normalised Gaussian (sigma 0.7), one copy per RGB channel."""
    taps = torch.arange(5, dtype=torch.float64) - 2
    g = torch.exp(-(taps[:, None] ** 2 + taps[None, :] ** 2) / (2 * SMOOTHING_SIGMA ** 2))
    return (g / g.sum()).float().expand(3, 1, 5, 5).clone().to(device)


class FFNet(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.backbone_model = Backbone(config)
        self.head = Head(config)
        if config.pre_down:
            self.smoothing = nn.Conv2d(3, 3, 5, stride=2, groups=3, bias=False,
                                       device=_build_device.get())
            with torch.no_grad():
                self.smoothing.weight.copy_(gaussian_smoothing_weight(_build_device.get()))

    def forward(self, x: torch.Tensor, features: Features = None) -> torch.Tensor:
        if self.config.pre_down:
            x = F.pad(x, (0, 0, 1, 1), mode="reflect")  # rows only
            x = _keep(features, "smoothing", self.smoothing(x))
        return self.head(self.backbone_model(x, features), features)


def build_model(name: str, device: str | None = None) -> FFNet:
    """The published model `name` with PyTorch's default initialisation (device "meta": no memory)."""
    token = _build_device.set(device)
    try:
        return FFNet(ffnet_arch.parse_name(name))
    finally:
        _build_device.reset(token)

