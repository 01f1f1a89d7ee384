#!/usr/bin/python3
"""python -m ffnet.cluster on LocalClusters of 2 worker processes x 1 thread, 45 generated pictures:
outputs byte-identical to ffnet-segment's, a worker SIGKILLed mid-run, a driver SIGKILLed and the
run resumed, a corrupt picture reported, bad arguments refused; and the planning (inputs, output
names, skipping, leftover temporaries) on its own.

usage: FFNET_PYTHONPATH=<build>/python (or PYTHONPATH=...) FFNET_SEGMENT=<build>/examples/ffnet-segment \\
       /usr/bin/python3 -m pytest -rs tests/test_cluster.py
(FFNET_WEIGHTS: another model than the bundled demo model.)
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
MODULE_DIR = os.environ.get("FFNET_PYTHONPATH", "")
SEGMENT = os.environ.get("FFNET_SEGMENT", "")
WEIGHTS = os.environ.get("FFNET_WEIGHTS", str(ROOT / "weights" / "ffnet46NS_CCC_mobile_toy_streets.safetensors"))


def _missing() -> str | None:
    global MODULE_DIR
    if not MODULE_DIR:  # else the ffnet package that PYTHONPATH finds
        try:
            import ffnet
            if ffnet.__file__:  # not the source tree's C++ directory ffnet/, a namespace package
                MODULE_DIR = str(Path(ffnet.__file__).resolve().parent.parent)
        except ImportError:
            pass
    if not MODULE_DIR or not SEGMENT:
        return ("set FFNET_PYTHONPATH (or PYTHONPATH) to the directory holding the ffnet package, and "
                "FFNET_SEGMENT to ffnet-segment")
    if not os.access(SEGMENT, os.X_OK):
        return f"FFNET_SEGMENT={SEGMENT} is not an executable"
    try:
        import distributed  # noqa: F401
        import psutil  # noqa: F401
        from PIL import Image  # noqa: F401
    except ImportError as e:
        return f"needs Dask distributed, psutil and PIL for {sys.executable} ({e})"
    sys.path.insert(0, MODULE_DIR)
    try:
        import ffnet.cluster  # noqa: F401
    except ImportError as e:
        return f"cannot import ffnet.cluster from {MODULE_DIR}: {e}"
    return None


if (_why := _missing()) is not None:
    pytest.skip(_why, allow_module_level=True)

import psutil  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from PIL import Image  # noqa: E402

import png_io  # noqa: E402  (scripts/)
from ffnet import cluster  # noqa: E402
from toy_streets import generate_scene  # noqa: E402

KINDS = ("labels", "color", "overlay", "logits")
SIZES = [(96, 192), (128, 256), (101, 203), (112, 224)]
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [MODULE_DIR, os.environ.get("PYTHONPATH")])))
COUNTS = re.compile(r"(\d+) done, (\d+) skipped, (\d+) failed")
# An in-process LocalCluster on Debian's tornado 6.2 (distributed's own deprecation, not ours).
pytestmark = pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")


def _write_picture(path: Path, seed: int) -> None:
    rgb, _ = generate_scene(seed, *SIZES[seed % len(SIZES)])
    if path.suffix.lower() == ".png":
        png_io.write_png(str(path), rgb.shape[1], rgb.shape[0], 3, rgb.tobytes())
    else:
        Image.fromarray(rgb).save(path, format="JPEG" if path.suffix.lower() == ".jpg" else "BMP")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """45 pictures: 37 in pictures/ (PNG, JPEG, an upper-case BMP, a.png next to a.jpg), 8 in
    pictures/sub/; and ffnet-segment's four outputs of each, under reference/<kind>/."""
    base = tmp_path_factory.mktemp("cluster")
    top, sub = base / "pictures", base / "pictures" / "sub"
    sub.mkdir(parents=True)
    names = [f"{i:04d}.png" for i in range(32)] + ["0032.jpg", "0033.jpg", "0034.BMP", "pair.png", "pair.jpg"]
    for seed, name in enumerate(names):
        _write_picture(top / name, seed)
    for seed in range(8):
        _write_picture(sub / f"s{seed}.png", 100 + seed)
    for source, rel in [(top, ""), (sub, "sub")]:
        outputs = [arg for kind in KINDS for arg in (f"--{kind}", str(base / "reference" / kind / rel))]
        done = subprocess.run([SEGMENT, "--weights", WEIGHTS, "--input", str(source), *outputs, "--keep-size",
                               "--threads", "2", "--quiet"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    pictures = sorted(p for p in top.rglob("*") if p.is_file())
    assert len(pictures) == 45
    return base, pictures


def run_cluster(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ffnet.cluster", "--weights", WEIGHTS, *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=ENV)


def counts(result: subprocess.CompletedProcess) -> tuple[int, int, int]:
    m = COUNTS.search(result.stdout)
    assert m, f"no counts in the output:\n{result.stdout}\n{result.stderr}"
    return tuple(map(int, m.groups()))


def output_files(out: Path, kind: str) -> list[Path]:
    return sorted(p for p in (out / kind).rglob("*") if p.is_file())


def finished(out: Path, kind: str) -> list[Path]:
    """The outputs written so far: not the temporaries of writes in progress (or killed)."""
    return [p for p in output_files(out, kind) if ".tmp-" not in p.name]


def expected_names(kind: str) -> list[str]:
    ext = ".npy" if kind == "logits" else ".png"
    names = [f"{i:04d}{ext}" for i in range(35)] + ["pair.png" + ext, "pair.jpg" + ext]
    return sorted(names + [f"sub/s{i}{ext}" for i in range(8)])


def assert_complete(base: Path, out: Path, kinds=KINDS) -> None:
    """Every output present once, nothing else (no temporaries), each identical to ffnet-segment's."""
    for kind in kinds:
        files = output_files(out, kind)
        assert [str(f.relative_to(out / kind)) for f in files] == expected_names(kind), kind
        for f in files:
            reference = base / "reference" / kind / f.relative_to(out / kind)
            assert f.read_bytes() == reference.read_bytes(), f"{f} differs from ffnet-segment's {reference}"


def poll_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_outputs_identical_to_ffnet_segment(dataset):
    base, _ = dataset
    out = base / "all"
    result = run_cluster("--input", base / "pictures", "--output", out, "--labels", "--color", "--overlay",
                         "--logits", "--keep-size", "--workers", 2, "--threads-per-worker", 1, "--batch", 3)
    assert result.returncode == 0, result.stderr
    assert counts(result) == (45, 0, 0)
    assert "pictures/s" in result.stdout
    assert_complete(base, out)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["done"], summary["skipped"], summary["failed"], summary["failures"]) == (45, 0, 0, [])


def test_worker_killed_mid_run(dataset):
    """A worker SIGKILLed while segmenting: its tasks run elsewhere and every output is whole."""
    base, pictures = dataset
    out = base / "killed-worker"
    os.environ["PYTHONPATH"] = ENV["PYTHONPATH"]  # the workers spawned below import ffnet
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as client:
        pids = client.run(os.getpid)
        driver = subprocess.Popen([sys.executable, "-m", "ffnet.cluster", "--weights", WEIGHTS, "--input",
                                   str(base / "pictures"), "--output", str(out), "--labels", "--logits",
                                   "--keep-size", "--batch", "1", "--scheduler", lc.scheduler_address],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        poll_until(lambda: len(finished(out, "labels")) >= 4 or driver.poll() is not None, 60, "outputs")
        written_at_kill = len(finished(out, "labels"))
        os.kill(sorted(pids.values())[0], signal.SIGKILL)
        stdout, stderr = driver.communicate(timeout=120)
        # The run's plugin is gone from the cluster it leaves running (and with it the network).
        assert client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins)) == []
    assert driver.returncode == 0, stderr
    assert written_at_kill < len(pictures) - 4, "the run ended before the worker was killed"
    assert counts(subprocess.CompletedProcess([], 0, stdout, stderr)) == (45, 0, 0)
    assert_complete(base, out, kinds=("labels", "logits"))
    for picture in pictures:  # whole files: each decodes to the picture's size
        rel = picture.relative_to(base / "pictures")
        name = rel.name if rel.stem == "pair" else rel.stem
        with Image.open(out / "labels" / rel.parent / (name + ".png")) as labels, Image.open(picture) as source:
            labels.load()
            assert labels.size == source.size and labels.mode == "L"
        assert np.load(out / "logits" / rel.parent / (name + ".npy")).shape[:2] == (1, 19)


def test_rerun_after_killed_driver_does_only_the_rest(dataset):
    base, pictures = dataset
    out = base / "resumed"
    command = ["--input", base / "pictures", "--output", out, "--keep-size", "--workers", 2,
               "--threads-per-worker", 1, "--batch", 1]
    driver = subprocess.Popen([sys.executable, "-m", "ffnet.cluster", "--weights", WEIGHTS, *map(str, command)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    process = psutil.Process(driver.pid)
    workers = []

    def some_written():
        workers.extend(c for c in process.children(recursive=True) if c not in workers)
        return len(finished(out, "labels")) >= 4 or driver.poll() is not None

    poll_until(some_written, 60, "outputs")
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    # The workers notice their parent's death and exit by themselves.
    _, alive = psutil.wait_procs(workers, timeout=20)
    for p in alive:
        p.kill()
    assert not alive, f"worker processes outlived the killed driver: {alive}"

    written = len(finished(out, "labels"))
    assert 0 < written < len(pictures), f"{written} of {len(pictures)} written before the kill"
    missing = sorted(set(expected_names("labels")) - {str(f.relative_to(out / "labels"))
                                                      for f in finished(out, "labels")})
    stale = out / "labels" / (missing[0] + ".tmp-Ab12Cd")  # as a worker killed mid-write leaves it
    stale.write_bytes(b"\x89PNG half")
    foreign = out / "labels" / "notes.txt.tmp-Ab12Cd"  # not one of this run's outputs: kept
    foreign.write_bytes(b"")

    result = run_cluster(*command)
    assert result.returncode == 0, result.stderr
    assert counts(result) == (len(pictures) - written, written, 0)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["done"], summary["skipped"]) == (len(pictures) - written, written)
    assert not stale.exists() and foreign.exists()
    foreign.unlink()
    assert_complete(base, out, kinds=("labels",))


def test_corrupt_picture_reported_others_done(dataset, tmp_path):
    base, pictures = dataset
    source = tmp_path / "pictures"
    source.mkdir()
    for p in pictures[:4]:
        (source / p.name).write_bytes(p.read_bytes())
    (source / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is no picture")
    out = tmp_path / "out"
    summary_path = tmp_path / "report.json"
    result = run_cluster("--input", source, "--output", out, "--keep-size", "--workers", 2,
                         "--threads-per-worker", 1, "--ship-weights", "--summary", summary_path)
    assert result.returncode == 3, result.stderr
    assert counts(result) == (4, 0, 1)
    summary = json.loads(summary_path.read_text())
    assert summary["failed"] == 1 and [f["picture"] for f in summary["failures"]] == [str(source / "broken.png")]
    assert "broken.png" in summary["failures"][0]["error"]
    assert sorted(f.name for f in output_files(out, "labels")) == sorted(p.stem + ".png" for p in pictures[:4])
    for p in pictures[:4]:
        assert (out / "labels" / (p.stem + ".png")).read_bytes() == (base / "reference" / "labels" / (p.stem + ".png")).read_bytes()


def test_bad_arguments(dataset, tmp_path):
    base, _ = dataset
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no pictures here")
    bad_weights = tmp_path / "bad.safetensors"
    bad_weights.write_bytes(b"not a model")
    out = tmp_path / "out"
    cases = [
        (["--weights", tmp_path / "missing.safetensors", "--input", base / "pictures"], 3, "missing.safetensors"),
        (["--weights", bad_weights, "--input", base / "pictures"], 3, "bad.safetensors"),
        (["--input", empty], 3, "no PNG, JPEG or BMP pictures"),
        (["--input", tmp_path / "nowhere"], 3, "nowhere: no such file or directory"),
        (["--input", base / "pictures", "--size", "big"], 2, "512x1024"),
        (["--input", base / "pictures", "--batch", "0"], 2, "--batch"),
    ]
    for args, code, message in cases:
        weights = [] if "--weights" in args else ["--weights", WEIGHTS]
        result = subprocess.run([sys.executable, "-m", "ffnet.cluster", *map(str, weights + args), "--output", str(out)],
                                capture_output=True, text=True, timeout=60, env=ENV)
        assert result.returncode == code, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    assert not out.exists(), "a refused run wrote outputs"


# Planning alone: no cluster.

def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_inputs_and_output_names(tmp_path):
    data = tmp_path / "data"
    for rel in ["a.png", "a.JPG", "b.jpeg", "x/c.bmp", "x/y/d.png", "x/notes.txt", "out/labels/old.png"]:
        _touch(data / rel)
    out = data / "out"
    plan = cluster.plan([str(data)], str(out), ["labels", "logits"], None)
    got = {os.path.relpath(j.source, data): os.path.relpath(j.outputs["labels"], out) for j in plan.jobs}
    assert got == {"a.png": "labels/a.png.png", "a.JPG": "labels/a.JPG.png", "b.jpeg": "labels/b.png",
                   "x/c.bmp": "labels/x/c.png", "x/y/d.png": "labels/x/y/d.png"}  # out/ is never an input
    assert plan.jobs[0].outputs["logits"].endswith(".npy")

    # A glob mirrors paths below its fixed part; a list file's below its own directory.
    plan = cluster.plan([str(data / "x" / "**" / "*.*")], str(out), ["labels"], None)
    assert sorted(os.path.relpath(j.outputs["labels"], out) for j in plan.jobs) == ["labels/c.png", "labels/y/d.png"]
    listing = data / "x" / "list.txt"
    listing.write_text("# two pictures\nc.bmp\n\n" + str(data / "x" / "y" / "d.png") + "\n")
    plan = cluster.plan(["@" + str(listing)], str(out), ["labels"], None)
    assert [os.path.relpath(j.outputs["labels"], out) for j in plan.jobs] == ["labels/c.png", "labels/y/d.png"]
    listing.write_text("c.bmp\nmissing.png\n")
    with pytest.raises(cluster.CliError, match="missing.png"):
        cluster.plan(["@" + str(listing)], str(out), ["labels"], None)

    # Two inputs whose pictures would write the same output are refused.
    _touch(tmp_path / "other" / "c.png")
    with pytest.raises(cluster.CliError, match="would both write"):
        cluster.plan([str(data / "x"), str(tmp_path / "other")], str(out), ["labels"], None)


def test_skipping_and_temporaries(tmp_path):
    for name in ["a.png", "b.png", "c.png"]:
        _touch(tmp_path / "in" / name)
    out = tmp_path / "out"
    _touch(out / "labels" / "a.png")
    _touch(out / "color" / "a.png")
    _touch(out / "labels" / "b.png")
    _touch(out / "labels" / "c.png.tmp-Xy12Zw")  # a temporary is not an output
    plan = cluster.plan([str(tmp_path / "in")], str(out), ["labels", "color"], None)
    assert plan.skipped == 1 and [Path(j.source).name for j in plan.jobs] == ["b.png", "c.png"]
    assert cluster.remove_temporaries(plan) == 1
    assert not (out / "labels" / "c.png.tmp-Xy12Zw").exists()
