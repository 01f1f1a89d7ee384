#!/usr/bin/env python3
"""Download the FFNet authors' published checkpoints and convert them for ffnet.cpp.

  scripts/fetch_weights.sh FAMILY            the release zip of a backbone family, e.g. ffnet40S
  scripts/fetch_weights.sh FAMILY --zip Z    the same, from a zip downloaded elsewhere
  scripts/fetch_weights.sh --aimet FILE...   single state-dict files from the second source

Every checkpoint's SHA-256 is recorded in OUT/<family>/SHA256SUMS, and every published model
that loads it is converted to OUT/<model>.safetensors (a `_mobile` model and its `_pre_down`
variant share one checkpoint, so both are written). Standard library only.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import convert_checkpoint  # noqa: E402
import ffnet_arch  # noqa: E402

PROG = "fetch_weights"
RELEASE_URL = "https://github.com/Qualcomm-AI-research/FFNet/releases/download/models/{family}.zip"
AIMET_URL = "https://github.com/quic/aimet-model-zoo/releases/download/torch_segmentation_ffnet/{file}"
FAMILIES = sorted({ffnet_arch.published_model(n).checkpoint.split("/")[0] for n in ffnet_arch.MODEL_NAMES})
EXIT_USAGE, EXIT_INPUT = 2, 3


class FetchError(Exception):
    pass


def models_by_checkpoint() -> dict[str, list[str]]:
    """Checkpoint file name (without the family directory) -> models that load it."""
    table: dict[str, list[str]] = {}
    for name in ffnet_arch.MODEL_NAMES:
        table.setdefault(os.path.basename(ffnet_arch.published_model(name).checkpoint), []).append(name)
    return table


def download(url: str, path: str) -> None:
    base = os.environ.get("FFNET_WEIGHTS_BASE_URL")  # tests point this at an unreachable host
    if base:
        url = base.rstrip("/") + "/" + url.rsplit("/", 1)[1]
    print(f"downloading {url}", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(path + ".part", "wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise FetchError(f"cannot download {url}: {reason}. Without a network, download the file elsewhere "
                         "and pass it with --zip (families) or place it in the output directory (--aimet).")
    os.replace(path + ".part", path)


def unpack(zip_path: str, family: str, out_dir: str) -> list[str]:
    """Extracts <family>/*.pth from the release zip; returns the extracted paths."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as e:
        raise FetchError(f"{zip_path}: not a readable zip archive: {e}")
    extracted = []
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".pth"):
                continue
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or "\\" in name:
                raise FetchError(f"{zip_path}: refusing entry with an unsafe path: {name!r}")
            target = os.path.join(out_dir, family, parts[-1])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(info) as src, open(target + ".part", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(target + ".part", target)
            extracted.append(target)
    if not extracted:
        raise FetchError(f"{zip_path}: no .pth checkpoints inside")
    return sorted(extracted)


def record_and_convert(checkpoints: list[str], family_dir: str, out_dir: str) -> int:
    """Writes SHA256SUMS and converts each checkpoint for every model that loads it."""
    table = models_by_checkpoint()
    failures = 0
    with open(os.path.join(family_dir, "SHA256SUMS"), "a", encoding="utf-8") as sums:
        for path in checkpoints:
            digest = convert_checkpoint.sha256_of(path)
            sums.write(f"{digest}  {os.path.basename(path)}\n")
            print(f"{digest}  {path}")
            models = table.get(os.path.basename(path), [])
            if not models:
                print(f"  {os.path.basename(path)}: not a published model's checkpoint, not converted")
                continue
            for model in models:
                target = os.path.join(out_dir, model + ".safetensors")
                code = convert_checkpoint.main([path, target, "--model", model])
                print(f"  {model}: {'ok -> ' + target if code == 0 else 'FAILED'}")
                failures += code != 0
    return failures


def fetch_family(family: str, zip_path: str | None, out_dir: str) -> int:
    if family not in FAMILIES:
        raise FetchError(f"unknown family {family!r}; one of: {' '.join(FAMILIES)}")
    os.makedirs(out_dir, exist_ok=True)
    if zip_path is None:
        zip_path = os.path.join(out_dir, family + ".zip")
        if not os.path.exists(zip_path):
            download(RELEASE_URL.format(family=family), zip_path)
    family_dir = os.path.join(out_dir, family)
    if os.path.exists(os.path.join(family_dir, "SHA256SUMS")):
        os.remove(os.path.join(family_dir, "SHA256SUMS"))
    checkpoints = unpack(zip_path, family, out_dir)
    return record_and_convert(checkpoints, family_dir, out_dir)


def fetch_aimet(files: list[str], out_dir: str) -> int:
    table = models_by_checkpoint()
    checkpoints = []
    for file in files:
        if file.startswith("prepared_"):
            raise FetchError(f"{file}: prepared_*.pth files are pickled modules, not state dicts; not supported")
        if file not in table or "/" in file:
            raise FetchError(f"{file}: not the file name of a published FFNet state dict")
        family_dir = os.path.join(out_dir, table[file][0].split("_")[1])
        os.makedirs(family_dir, exist_ok=True)
        path = os.path.join(family_dir, file)
        if not os.path.exists(path):
            download(AIMET_URL.format(file=file), path)
        checkpoints.append(path)
    failures = 0
    for path in checkpoints:
        failures += record_and_convert([path], os.path.dirname(path), out_dir)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fetch_weights.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("family", nargs="?", help="backbone family: " + " ".join(FAMILIES))
    parser.add_argument("--zip", help="use this release zip instead of downloading it")
    parser.add_argument("--aimet", nargs="+", metavar="FILE", help="single files from aimet-model-zoo")
    parser.add_argument("--out", default=os.path.join("weights", "published"), help="output directory")
    args = parser.parse_args(argv)
    if bool(args.family) == bool(args.aimet):
        parser.print_usage(sys.stderr)
        print(f"{PROG}: give either a FAMILY or --aimet FILE...", file=sys.stderr)
        return EXIT_USAGE
    try:
        failures = fetch_aimet(args.aimet, args.out) if args.aimet else fetch_family(args.family, args.zip, args.out)
    except FetchError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return EXIT_INPUT
    if failures:
        print(f"{PROG}: {failures} conversion(s) failed", file=sys.stderr)
        return EXIT_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
