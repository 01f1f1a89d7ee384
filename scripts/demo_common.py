"""Shared by train_demo.py and eval_miou.py: the demo model's name and seeds, FFNet's pre- and
post-processing (docs/ffnet-spec.md section 7), a numpy safetensors reader and IoU bookkeeping."""
from __future__ import annotations

import json
import struct

import numpy as np
import torch
import torch.nn.functional as F

MODEL = "segmentation_ffnet46NS_CCC_mobile"
WEIGHTS_NAME = "ffnet46NS_CCC_mobile_toy_streets"
EVAL_SIZE = (512, 1024)  # the model's natural input size, what ffnet-segment uses for it
HELD_OUT_FIRST_SEED = 1_000_000  # training uses seeds below this
NUM_CLASSES = 19
CLASS_NAMES = ["road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
               "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
               "motorcycle", "bicycle"]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2"}


def normalise(rgb: np.ndarray) -> torch.Tensor:
    """uint8 N x H x W x 3 (or H x W x 3) RGB -> float32 N x 3 x H x W, ImageNet-normalised."""
    x = torch.from_numpy(np.array(rgb, dtype=np.float32))
    x = x.unsqueeze(0) if x.dim() == 3 else x
    return (x.permute(0, 3, 1, 2) / 255 - MEAN) / STD


def upsample(logits: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Logits to the input size as the authors evaluate mobile models: bilinear, align_corners=False."""
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)


@torch.no_grad()
def predict(model: torch.nn.Module, rgb: np.ndarray) -> np.ndarray:
    """Train id per pixel (uint8 H x W) of one picture."""
    logits = model(normalise(rgb))
    return upsample(logits, rgb.shape[:2]).argmax(1)[0].to(torch.uint8).numpy()


def confusion(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """19 x 19 pixel counts, rows = ground truth, columns = prediction."""
    index = truth.astype(np.int64).ravel() * NUM_CLASSES + predicted.astype(np.int64).ravel()
    return np.bincount(index, minlength=NUM_CLASSES ** 2).reshape(NUM_CLASSES, NUM_CLASSES)


def per_class_iou(matrix: np.ndarray) -> dict[str, float]:
    """IoU in percent of every class that occurs in the ground truth."""
    hits = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - hits
    return {CLASS_NAMES[c]: 100 * hits[c] / union[c] for c in range(NUM_CLASSES) if matrix[c].sum() > 0}


def mean_iou(matrix: np.ndarray) -> float:
    return float(np.mean(list(per_class_iou(matrix).values())))


def read_safetensors(path: str) -> dict[str, np.ndarray]:
    """float32 arrays of an F32 or F16 safetensors file (numpy only)."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in SAFETENSORS_DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=SAFETENSORS_DTYPES[info["dtype"]])
        tensors[name] = array.astype(np.float32).reshape(info["shape"])
    return tensors


def load_model(path: str) -> torch.nn.Module:
    """The demo model in eval mode with the weights of a converted safetensors file."""
    from ffnet_torch import build_model
    model = build_model(MODEL)
    state = {k: torch.from_numpy(v) for k, v in read_safetensors(path).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
        raise ValueError(f"{path}: missing {missing}, unexpected {unexpected}")
    return model.eval()
