"""The Python module (python/module.cpp) through pytest: the same numbers as ffnet-segment bit for
bit, PyTorch's within the end-to-end tolerances, bad arrays refused with clear messages, threads,
the GIL released, and the inputs' reference counts unchanged.

Environment (tests/meson.build sets it): PYTHONPATH=<build>/python, FFNET_SEGMENT (the
command), FFNET_REFDATA (tests/refdata: PyTorch's outputs for random checkpoints),
FFNET_INT8_REFDATA (the same checkpoints quantised by ffnet-quantize), FFNET_DEMO_WEIGHTS and
FFNET_SAMPLE_PICTURE (the bundled demo model and docs/sample_street.png).
"""
import ast
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import ffnet

SEGMENT = os.environ["FFNET_SEGMENT"]
REFDATA = Path(os.environ["FFNET_REFDATA"])
INT8_REFDATA = Path(os.environ["FFNET_INT8_REFDATA"])
DEMO = Path(os.environ["FFNET_DEMO_WEIGHTS"])
PICTURE = Path(os.environ["FFNET_SAMPLE_PICTURE"])
MODEL = "segmentation_ffnet46N_CBB"


def cli(*args):
    result = subprocess.run([SEGMENT, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def read_png(path):
    from PIL import Image
    return np.asarray(Image.open(path))


@pytest.fixture(scope="module")
def demo():
    return ffnet.Network(DEMO, threads=2)


@pytest.fixture(scope="module")
def picture():
    # A 200 x 300 crop keeps the CLI comparisons quick; segment() resizes it to 512 x 1024.
    return np.ascontiguousarray(ffnet.load_image(PICTURE)[100:300, 200:500])


def test_logits_match_pytorch_and_cli():
    for model, size in [(MODEL, "97x190"), ("classification_ffnet18_AAX", "128x256")]:
        case = REFDATA / model / size
        x = np.load(case / "input.npy")
        ref = np.load(case / "output.npy")
        for algorithm, tolerance in (("exact", 1e-4), ("fastest", 1e-3), ("winograd", 1e-3)):  # as tests/test_cli.py
            net = ffnet.Network(REFDATA / model / "model.safetensors", threads=2, conv_algorithm=algorithm)
            ours = net(x)
            assert ours.dtype == np.float32 and ours.shape == ref.shape == net.output_shape(x.shape)
            assert np.abs(ours - ref).max() <= tolerance * np.abs(ref).max()


def test_forward_equals_cli_bit_for_bit(tmp_path):
    for model_file in (REFDATA / MODEL / "model.safetensors", INT8_REFDATA / MODEL / "int8.safetensors"):
        x_path = REFDATA / MODEL / "97x190" / "input.npy"
        for threads, mode in ((1, []), (2, []), (2, ["--exact"])):
            cli("--weights", model_file, "--input", x_path, "--logits", tmp_path / "y.npy", "--threads", threads, *mode)
            net = ffnet.Network(model_file, threads=threads, exact=bool(mode))
            assert np.array_equal(net.forward(np.load(x_path)), np.load(tmp_path / "y.npy"))


def test_segment_equals_cli_outputs(demo, picture, tmp_path):
    from PIL import Image
    pic_path = tmp_path / "crop.png"
    Image.fromarray(picture).save(pic_path)
    for sizing, kwargs in (([], {}), (["--keep-size"], {"keep_size": True}), (["--size", "96x160"], {"size": (96, 160)})):
        cli("--weights", DEMO, "--input", pic_path, "--threads", 2, *sizing, "--labels", tmp_path / "l.png",
            "--color", tmp_path / "c.png", "--overlay", tmp_path / "o.png", "--logits", tmp_path / "y.npy",
            "--alpha", "0.3")
        labels, logits = demo.segment(picture, return_logits=True, **kwargs)
        assert labels.shape == picture.shape[:2] and labels.dtype == np.uint8
        assert np.array_equal(labels, read_png(tmp_path / "l.png"))
        assert np.array_equal(logits, np.load(tmp_path / "y.npy"))
        assert np.array_equal(demo.segment(picture, **kwargs), labels)
        assert np.array_equal(ffnet.colorize(labels), read_png(tmp_path / "c.png"))
        assert np.array_equal(ffnet.overlay(picture, labels, 0.3), read_png(tmp_path / "o.png"))
        # write_png / write_npy write exactly ffnet-segment's bytes.
        ffnet.write_png(tmp_path / "l2.png", labels)
        ffnet.write_npy(tmp_path / "y2.npy", logits)
        assert (tmp_path / "l2.png").read_bytes() == (tmp_path / "l.png").read_bytes()
        assert (tmp_path / "y2.npy").read_bytes() == (tmp_path / "y.npy").read_bytes()
    assert np.array_equal(ffnet.load_image(pic_path), picture)


def test_bgr_and_non_contiguous_pictures(demo, picture):
    labels = demo.segment(picture, keep_size=True)
    bgr = np.ascontiguousarray(picture[..., ::-1])
    assert np.array_equal(demo.segment(bgr, bgr=True, keep_size=True), labels)
    assert np.array_equal(demo.segment(bgr[..., ::-1], keep_size=True), labels)  # a strided view: copied once
    assert np.array_equal(demo.segment(np.asfortranarray(picture), keep_size=True), labels)


def test_converted_inputs_give_the_same_logits():
    net = ffnet.Network(REFDATA / MODEL / "model.safetensors", threads=2)
    x = np.load(REFDATA / MODEL / "97x190" / "input.npy")
    y = net(x)
    assert np.array_equal(net(np.asfortranarray(x)), y)
    assert np.array_equal(net(x.astype(np.float64)), y)  # float64 -> float32 rounds back to x exactly
    wide = np.zeros((1, 3, 97, 380), np.float32)
    wide[..., ::2] = x
    assert np.array_equal(net(wide[..., ::2]), y)
    out = np.empty(net.output_shape(x.shape), np.float32)
    assert net(x, out=out) is out and np.array_equal(out, y)


def test_bad_arrays_are_refused_with_clear_messages(demo):
    x = np.zeros((1, 3, 64, 64), np.float32)
    cases = [
        (np.zeros((1, 3, 64, 64), np.int32), "must be float32 N x 3 x H x W"),
        (np.zeros((1, 3, 64, 64), np.complex64), "got an array of complex64"),
        (np.zeros((1, 3, 64, 64), bool), "got an array of bool"),
        (np.zeros((0, 3, 64, 64), np.float32), "input is empty (shape [0, 3, 64, 64])"),
        (np.zeros((3, 64, 64), np.float32), "input must be N x 3 x H x W, got shape [3, 64, 64]"),
        (np.zeros((1, 4, 64, 64), np.float32), "got shape [1, 4, 64, 64]"),
        ("a string", "must be float32"),
        ([[1, 2], [3, 4]], "got an array of int64"),
        (np.full((1, 3, 64, 64), np.nan, np.float32), "element [0, 0, 0, 0] is NaN"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError) as e:
            demo(bad)
        assert message in str(e.value)
    for out, message in [(np.empty((1, 19, 16, 16), np.float64), "out must be a writeable, C-contiguous float32"),
                         (np.empty((1, 19, 8, 8), np.float32), "out must have shape [1, 19, 16, 16]"),
                         ("no", "out must be a numpy array")]:
        with pytest.raises(ValueError) as e:
            demo(x, out=out)
        assert message in str(e.value)
    # The output may not overlap the input.
    shared = np.zeros(1 * 3 * 64 * 64 + 19 * 16 * 16, np.float32)
    with pytest.raises(ValueError, match="overlaps the input"):
        demo(shared[: 3 * 64 * 64].reshape(1, 3, 64, 64), out=shared[100 : 100 + 19 * 16 * 16].reshape(1, 19, 16, 16))
    pic = np.zeros((32, 32, 3), np.uint8)
    for bad, message in [(pic.astype(np.float32), "picture must be uint8 (H x W x 3 RGB), got an array of float32"),
                         (np.zeros((32, 32, 4), np.uint8), "picture must be H x W x 3 (RGB, uint8), got shape [32, 32, 4]"),
                         (np.zeros((32, 32), np.uint8), "got shape [32, 32]"),
                         (np.zeros((0, 32, 3), np.uint8), "picture is empty")]:
        with pytest.raises(ValueError) as e:
            demo.segment(bad)
        assert message in str(e.value)
    with pytest.raises(ValueError, match="exclude each other"):
        demo.segment(pic, size=(32, 32), keep_size=True)
    with pytest.raises(ValueError, match="differ in size"):
        ffnet.overlay(pic, np.zeros((16, 32), np.uint8))
    classifier = ffnet.Network(REFDATA / "classification_ffnet18_AAX" / "model.safetensors")
    with pytest.raises(ValueError, match="is a classification model"):
        classifier.segment(pic)


def test_errors_are_python_exceptions(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors: no such file"):
        ffnet.Network(tmp_path / "nope.safetensors")
    with pytest.raises(FileNotFoundError):
        ffnet.load_image(tmp_path / "nope.png")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    with pytest.raises(ValueError, match="bad.safetensors"):
        ffnet.Network(bad)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(ValueError, match="corrupt.png"):
        ffnet.load_image(corrupt)
    with pytest.raises(ValueError, match="unknown model"):
        ffnet.Network(REFDATA / MODEL / "model.safetensors", model="segmentation_ffnet_nope")
    with pytest.raises(ValueError, match="threads"):
        ffnet.Network(REFDATA / MODEL / "model.safetensors", threads=-1)
    with pytest.raises(ValueError, match="my.bytes"):
        ffnet.Network.from_bytes(b"garbage!", name="my.bytes")
    with pytest.raises(TypeError):
        ffnet.Network(REFDATA / MODEL / "model.safetensors", nonsense=1)
    with pytest.raises(ValueError, match="conv_algorithm must be"):
        ffnet.Network(REFDATA / MODEL / "model.safetensors", conv_algorithm="fast")
    with pytest.raises(ValueError, match="contradict"):
        ffnet.Network(REFDATA / MODEL / "model.safetensors", exact=True, conv_algorithm="winograd")


def test_from_bytes_equals_path():
    path = REFDATA / MODEL / "model.safetensors"
    x = np.load(REFDATA / MODEL / "97x190" / "input.npy")
    a = ffnet.Network(path, threads=1)(x)
    b = ffnet.Network.from_bytes(path.read_bytes(), threads=1)(x)
    assert np.array_equal(a, b)


def test_config_and_repr(demo):
    c = demo.config
    assert (c.name, c.task, c.classes, c.natural_size, c.mobile) == (
        "segmentation_ffnet46NS_CCC_mobile", "segmentation", 19, (512, 1024), True)
    assert demo.threads == 2 and demo.isa and demo.weight_bytes > 0
    assert "segmentation_ffnet46NS_CCC_mobile" in repr(demo) and "natural_size=(512, 1024)" in repr(c)
    assert ffnet.Network(REFDATA / "classification_ffnet18_AAX" / "model.safetensors").config.classes == 1000
    assert demo.output_shape((2, 3, 128, 256)) == (2, 19, 32, 64)


def test_threads_share_a_network_bit_identically():
    net = ffnet.Network(REFDATA / MODEL / "model.safetensors", threads=1)
    inputs = [np.load(REFDATA / MODEL / size / "input.npy") for size in ("97x190", "128x256")]
    expected = [ffnet.Network(REFDATA / MODEL / "model.safetensors", threads=2)(x) for x in inputs]
    results, errors = {}, []

    def work(k):
        try:
            for i in range(6):
                results[(k, i)] = net(inputs[(k + i) % 2])
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    for (k, i), y in results.items():
        assert np.array_equal(y, expected[(k + i) % 2])


def test_gil_is_released_during_forward(demo):
    x = np.random.default_rng(1).standard_normal((1, 3, 512, 1024), dtype=np.float32)
    demo(x)  # warm: the later call allocates nothing
    done = threading.Event()
    ticks = 0

    def run():
        for _ in range(3):
            demo(x)
        done.set()

    t = threading.Thread(target=run)
    t.start()
    while not done.is_set():
        ticks += 1  # runs only while the other thread does not hold the GIL
    t.join()
    assert ticks > 10000, f"the main thread ran only {ticks} iterations during three forwards"


def test_reference_counts_unchanged(demo, picture):
    x = np.zeros((1, 3, 64, 64), np.float32)
    out = np.empty((1, 19, 16, 16), np.float32)
    before = sys.getrefcount(x), sys.getrefcount(out), sys.getrefcount(picture)
    for _ in range(3):
        demo(x)
        demo(x, out=out)
        demo.segment(picture, keep_size=True)
        labels = demo.segment(picture, keep_size=True)
        ffnet.overlay(picture, labels)
        try:
            demo(x[:, :2])
        except ValueError:
            pass
    assert (sys.getrefcount(x), sys.getrefcount(out), sys.getrefcount(picture)) == before


def test_docstrings_and_stubs():
    assert "safetensors" in ffnet.Network.__doc__
    for name in ("forward", "segment", "output_shape", "from_bytes"):
        assert getattr(ffnet.Network, name).__doc__
    stub = Path(ffnet.__file__).with_name("_ffnet.pyi")
    tree = ast.parse(stub.read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    assert stubbed == set(ffnet.__all__)
    assert (Path(ffnet.__file__).parent / "py.typed").exists()
