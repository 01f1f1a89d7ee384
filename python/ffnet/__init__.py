"""FFNet semantic segmentation on CPUs: ffnet.cpp's C++ engine for numpy arrays.

    import ffnet
    net = ffnet.Network("ffnet46NS_CCC_mobile.safetensors")
    picture = ffnet.load_image("street.png")          # H x W x 3 uint8 RGB
    labels = net.segment(picture)                      # H x W uint8 Cityscapes train ids
    ffnet.write_png("street_overlay.png", ffnet.overlay(picture, labels))
    logits = net(x)                                    # x: float32 N x 3 x H x W, normalised

`python -m ffnet.cluster --help` segments a whole dataset on a Dask cluster.
"""
from ._ffnet import ModelConfig, Network, colorize, load_image, overlay, write_npy, write_png

__all__ = ["ModelConfig", "Network", "colorize", "load_image", "overlay", "write_npy", "write_png"]
__version__ = "@VERSION@"
