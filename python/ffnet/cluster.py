"""Segment a dataset of pictures on a Dask cluster: python -m ffnet.cluster --help.

Each worker loads the network once (a WorkerPlugin); tasks segment batches of pictures and
write the outputs atomically, so a picture's outputs are either complete or absent. Pictures
whose requested outputs all exist are skipped, which makes a rerun resume an interrupted one.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import glob
import json
import os
import re
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

KINDS = ("labels", "color", "overlay", "logits")
PICTURE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")
# ffnet's atomic writes go through "<output>.tmp-XXXXXX" (ffnet/core/atomic_file.cpp); a worker
# killed mid-write leaves one behind.
TEMPORARY = re.compile(r"^(?P<output>.+)\.tmp-[A-Za-z0-9_]+$")

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 2, 3, 4, 130

DESCRIPTION = """\
Segment a dataset of pictures with ffnet on a Dask cluster: each worker process loads the
network once and segments batches of pictures; outputs are written as ffnet-segment writes them.

INPUT (--input, repeatable) is one of:
  DIR             every PNG/JPEG/BMP picture (by extension, any case) in DIR and its subdirectories
  'PATTERN'       a glob, quoted so that the shell leaves it alone; ** matches subdirectories
                  ('data/**/*.jpg'); only names with a picture extension are taken
  @LIST           a text file naming one picture per line (blank lines and lines starting with #
                  are ignored; relative paths are relative to the list file's directory)
  FILE            one picture
Pictures inside --output are never inputs.

Outputs mirror the input's directories under one subdirectory per kind:
  OUTPUT/labels/REL/STEM.png  OUTPUT/color/REL/STEM.png  OUTPUT/overlay/REL/STEM.png
  OUTPUT/logits/REL/STEM.npy
REL is the picture's directory relative to its input's root (the directory DIR, the part of
PATTERN before its first wildcard, the list file's directory, or --root). As with ffnet-segment,
pictures of one directory sharing a stem (a.png, a.jpg) keep their extension: a.png.png, a.jpg.png.
The default output is labels only.

Paths are the driver's: on a cluster, workers must see the input, output and (without
--ship-weights) weights paths at the same place, e.g. on a shared file system.
"""

EPILOG = """\
A rerun with the same arguments segments only the pictures missing an output. The summary file
(default OUTPUT/summary.json) lists the counts and every failed picture with its error.

Exit status: 0 every picture done or skipped; 2 usage error (bad options, conflicting outputs);
3 input error (weights or input missing or unloadable, no pictures found, or one or more
pictures failed: see the summary); 4 internal error (the cluster failed); 130 interrupted
(rerun to resume).
"""


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> CliError:
    return CliError(message, EXIT_USAGE)


def input_error(message: str) -> CliError:
    return CliError(message, EXIT_INPUT)


# ---------------------------------------------------------------------------------------------
# Planning: which pictures, which outputs, which are already done.


@dataclass
class Job:
    source: str
    outputs: dict[str, str]  # kind -> path


@dataclass
class Plan:
    jobs: list[Job]
    skipped: int = 0
    output_dirs: set[str] = field(default_factory=set)
    all_outputs: set[str] = field(default_factory=set)  # of every picture, skipped ones included


def is_picture(path: str) -> bool:
    return path.lower().endswith(PICTURE_EXTENSIONS)


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _walk(directory: str, exclude: str) -> list[str]:
    found = []
    for parent, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not _inside(os.path.join(parent, d), exclude))
        found += [os.path.join(parent, f) for f in sorted(files) if is_picture(f)]
    return found


def _glob_root(pattern: str) -> str:
    parts = pattern.split(os.sep)
    fixed = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return os.sep.join(fixed) or ("/" if pattern.startswith(os.sep) else ".")


def _read_list(spec: str) -> list[str]:
    path = spec[1:]
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise input_error(f"{path}: cannot read the list file: {e.strerror}") from None
    base = os.path.dirname(os.path.abspath(path))
    entries = [line.strip() for line in lines]
    return [os.path.join(base, e) for e in entries if e and not e.startswith("#")]


def expand_input(spec: str, exclude: str) -> tuple[list[str], str]:
    """(absolute picture paths, root directory) of one --input argument."""
    if spec.startswith("@"):
        pictures = [os.path.abspath(p) for p in _read_list(spec)]
        missing = [p for p in pictures if not os.path.isfile(p)]
        if missing:
            raise input_error(f"{spec[1:]}: {len(missing)} listed pictures do not exist, the first {missing[0]}")
        return pictures, os.path.dirname(os.path.abspath(spec[1:]))
    if os.path.isdir(spec):
        root = os.path.abspath(spec)
        return _walk(root, exclude), root
    if glob.has_magic(spec):
        matches = sorted(os.path.abspath(p) for p in glob.glob(spec, recursive=True))
        return [p for p in matches if os.path.isfile(p) and is_picture(p)], os.path.abspath(_glob_root(spec))
    if os.path.isfile(spec):
        path = os.path.abspath(spec)
        return [path], os.path.dirname(path)
    raise input_error(f"{spec}: no such file or directory")


class _Listing:
    """Cached directory listings: the names in a directory, and how many pictures have each stem."""

    def __init__(self):
        self._names: dict[str, set[str]] = {}
        self._stems: dict[str, collections.Counter] = {}

    def names(self, directory: str) -> set[str]:
        if directory not in self._names:
            try:
                self._names[directory] = set(os.listdir(directory))
            except FileNotFoundError:
                self._names[directory] = set()
        return self._names[directory]

    def shares_stem(self, picture: str) -> bool:
        """Whether another picture in the same directory has this one's stem (the whole directory
        counts, not only the pictures of this run, so that a name does not change between runs)."""
        directory, name = os.path.split(picture)
        if directory not in self._stems:
            self._stems[directory] = collections.Counter(
                os.path.splitext(n)[0] for n in self.names(directory) if is_picture(n))
        return self._stems[directory][os.path.splitext(name)[0]] > 1


def plan(inputs: list[str], output: str, kinds: list[str], root: str | None) -> Plan:
    output = os.path.abspath(output)
    listing = _Listing()
    sources: dict[str, str] = {}  # real path -> the path we use (duplicates dropped)
    roots: dict[str, str] = {}
    for spec in inputs:
        pictures, default_root = expand_input(spec, output)
        base = os.path.abspath(root) if root else default_root
        for p in pictures:
            if _inside(p, output):
                continue
            real = os.path.realpath(p)
            if real not in sources:
                sources[real] = p
                roots[p] = base
    if not sources:
        raise input_error(f"no PNG, JPEG or BMP pictures in {', '.join(inputs)}")

    result = Plan(jobs=[])
    owner: dict[str, str] = {}  # output path -> picture
    for picture in sorted(sources.values()):
        rel = os.path.relpath(picture, roots[picture])
        if rel.startswith(os.pardir + os.sep):
            raise usage_error(f"{picture} is outside {roots[picture]}: give --root a directory holding every picture")
        rel_dir, name = os.path.split(rel)
        base = name if listing.shares_stem(picture) else os.path.splitext(name)[0]
        outputs = {k: os.path.join(output, k, rel_dir, base + (".npy" if k == "logits" else ".png")) for k in kinds}
        first = owner.setdefault(outputs[kinds[0]], picture)
        if first != picture:
            raise usage_error(f"{first} and {picture} would both write {outputs[kinds[0]]}: "
                              "give them separate --input runs or a common --root")
        result.all_outputs.update(outputs.values())
        result.output_dirs.update(os.path.dirname(o) for o in outputs.values())
        if all(os.path.basename(o) in listing.names(os.path.dirname(o)) for o in outputs.values()):
            result.skipped += 1
        else:
            result.jobs.append(Job(picture, outputs))
    return result


def remove_temporaries(plan_: Plan) -> int:
    """Deletes the leftover temporaries of this run's outputs (a worker killed while writing)."""
    removed = 0
    for directory in plan_.output_dirs:
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            continue
        for name in names:
            m = TEMPORARY.match(name)
            if m and os.path.join(directory, m["output"]) in plan_.all_outputs:
                try:
                    os.unlink(os.path.join(directory, name))
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


# ---------------------------------------------------------------------------------------------
# Worker side.

try:
    from distributed import WorkerPlugin as _WorkerPluginBase
except ImportError:  # the planning above works without Dask; running needs it (checked in main)
    _WorkerPluginBase = object


class NetworkPlugin(_WorkerPluginBase):
    """Loads the network once per worker, with as many threads as the worker has. Each run
    registers its own (named after the run), so runs sharing a cluster keep their own weights."""

    def __init__(self, name: str, weights: str, data: bytes | None = None, model: str | None = None):
        self.name, self.weights, self.data, self.model = name, weights, data, model
        self.network = None

    def setup(self, worker):
        import ffnet

        threads = worker.state.nthreads
        if self.data is not None:
            self.network = ffnet.Network.from_bytes(self.data, model=self.model, threads=threads)
            self.data = None  # this worker's copy; the scheduler keeps the bytes for new workers
        else:
            self.network = ffnet.Network(self.weights, model=self.model, threads=threads)
        # Every forward runs on this one thread: the network's OpenMP team is then made once, and
        # a worker with T threads decodes and encodes pictures on T task threads while one
        # picture at a time is segmented with T OpenMP threads.
        self._inference = ThreadPoolExecutor(1, thread_name_prefix="ffnet-inference")

    def teardown(self, worker):
        self._inference.shutdown(wait=False)

    def segment(self, picture, **options):
        return self._inference.submit(self.network.segment, picture, **options).result()


def _segment_one(plugin: NetworkPlugin, job: Job, settings: dict) -> str | None:
    import ffnet

    try:
        picture = ffnet.load_image(job.source)
        result = plugin.segment(picture, size=settings["size"], keep_size=settings["keep_size"],
                                return_logits="logits" in job.outputs)
        labels, logits = result if "logits" in job.outputs else (result, None)
        for kind, path in job.outputs.items():
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if kind == "labels":
                ffnet.write_png(path, labels)
            elif kind == "color":
                ffnet.write_png(path, ffnet.colorize(labels))
            elif kind == "overlay":
                ffnet.write_png(path, ffnet.overlay(picture, labels, settings["alpha"]))
            else:
                ffnet.write_npy(path, logits)
        return None
    except Exception as e:  # noqa: BLE001  (any failure is this picture's; the others go on)
        message = str(e) or type(e).__name__
        return message if job.source in message else f"{job.source}: {message}"


def segment_batch(jobs: list[Job], settings: dict) -> list[str | None]:
    """Task: segments `jobs`; returns each one's error message, or None when it was written."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(settings["plugin"])
    if plugin is None or plugin.network is None:
        raise RuntimeError("the ffnet network is not loaded on this worker (see its log)")
    return [_segment_one(plugin, job, settings) for job in jobs]


# ---------------------------------------------------------------------------------------------
# Driver.


@dataclass
class Report:
    done: int = 0
    skipped: int = 0
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0      # from the first task submitted to the last result
    startup_seconds: float = 0.0  # cluster start and network loading
    removed_temporaries: int = 0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{1,5})x(\d{1,5})", text)
    if not m or int(m[1]) < 1 or int(m[2]) < 1:
        raise argparse.ArgumentTypeError(f"must look like 512x1024, got {text!r}")
    return int(m[1]), int(m[2])


def default_workers(cores: int) -> tuple[int, int]:
    """(worker processes, threads each): one single-threaded process per core. Pictures are
    independent, so processes scale better than threads inside one forward (bench/bench_cluster.py)."""
    return max(1, cores), 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ffnet.cluster", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True, metavar="FILE", help="converted model (.safetensors)")
    p.add_argument("--model", metavar="NAME", help="model name, if the weights file does not record it")
    p.add_argument("--input", action="append", required=True, metavar="INPUT",
                   help="DIR, 'PATTERN', @LIST or FILE (see above); repeatable")
    p.add_argument("--root", metavar="DIR", help="mirror paths relative to DIR instead of each input's root")
    p.add_argument("--output", required=True, metavar="DIR", help="output directory")
    for kind, what in [("labels", "train ids, 8-bit PNG"), ("color", "labels in the Cityscapes palette, PNG"),
                       ("overlay", "the palette blended over the picture, PNG"),
                       ("logits", "the raw output, float32 .npy")]:
        p.add_argument(f"--{kind}", action="store_true", help=f"write OUTPUT/{kind}/: {what}")
    sizing = p.add_mutually_exclusive_group()
    sizing.add_argument("--size", type=parse_size, metavar="HxW",
                        help="resize pictures to HxW first (default: the model's natural size)")
    sizing.add_argument("--keep-size", action="store_true", help="run pictures at their own size")
    p.add_argument("--alpha", type=float, default=0.5, help="overlay opacity from 0 to 1 (default 0.5)")
    p.add_argument("--batch", type=int, default=4, metavar="N", help="pictures per task (default 4)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="an existing cluster's scheduler (tcp://host:8786 or a scheduler file's path); "
                        "default: a LocalCluster on this machine")
    cores = len(os.sched_getaffinity(0))
    workers, threads = default_workers(cores)
    p.add_argument("--workers", type=int, metavar="N",
                   help=f"LocalCluster worker processes (default: {workers} here, one per core)")
    p.add_argument("--threads-per-worker", type=int, metavar="T",
                   help=f"LocalCluster threads per worker, used by each forward (default {threads})")
    p.add_argument("--ship-weights", action="store_true",
                   help="send the weights file's bytes to each worker once, instead of each worker "
                        "reading --weights from a shared path")
    p.add_argument("--summary", metavar="PATH", help="summary file (JSON; default OUTPUT/summary.json)")
    args = p.parse_args(argv)
    if not 0.0 <= args.alpha <= 1.0:
        p.error(f"--alpha must be from 0 to 1, got {args.alpha}")
    for name in ("batch", "workers", "threads_per_worker"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.scheduler and (args.workers or args.threads_per_worker):
        p.error("--workers and --threads-per-worker size the LocalCluster; with --scheduler the cluster is given")
    args.kinds = [k for k in KINDS if getattr(args, k)] or ["labels"]
    args.workers = args.workers or (workers if not args.threads_per_worker else max(1, cores // args.threads_per_worker))
    args.threads_per_worker = args.threads_per_worker or threads
    args.summary = args.summary or os.path.join(args.output, "summary.json")
    return args


def _start_client(args):
    from distributed import Client, LocalCluster

    if args.scheduler:
        try:
            if os.path.isfile(args.scheduler):  # dask-mpi, dask-jobqueue, dask scheduler --scheduler-file
                return Client(scheduler_file=args.scheduler, timeout="30s")
            return Client(args.scheduler, timeout="30s")
        except (OSError, TimeoutError) as e:
            raise CliError(f"cannot reach the scheduler at {args.scheduler}: {e}", EXIT_INTERNAL) from None
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                           processes=True, dashboard_address=None)
    return Client(cluster)


def _weights_plugin(args, name: str) -> NetworkPlugin:
    """The plugin loading --weights, checked here first when this machine sees the file, so that
    a bad file is reported before a cluster is started. With --scheduler and no such file here,
    the path is the workers' (their load errors are reported by register_worker_plugin)."""
    import ffnet

    if args.scheduler and not args.ship_weights and not os.path.exists(args.weights):
        return NetworkPlugin(name, args.weights, None, args.model)
    try:
        with open(args.weights, "rb") as f:
            data = f.read()
    except OSError as e:
        raise input_error(f"{args.weights}: cannot read the weights file: {e.strerror}") from None
    try:
        ffnet.Network.from_bytes(data, model=args.model, threads=1)
    except (ValueError, RuntimeError) as e:
        raise input_error(f"{args.weights}: {e}") from None
    return NetworkPlugin(name, os.path.abspath(args.weights), data if args.ship_weights else None, args.model)


def _batches(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def run(args, client=None) -> Report:
    """Segments what `args` asks for; with `client`, on that client's cluster (left running)."""
    work = plan(args.input, args.output, args.kinds, args.root)
    report = Report(skipped=work.skipped)
    try:
        if work.jobs:
            _run_jobs(args, work.jobs, client, report)
    finally:  # also after an interruption: the cluster is closed, nothing writes any more
        report.removed_temporaries = remove_temporaries(work)
    return report


def _run_jobs(args, jobs: list[Job], client, report: Report) -> None:
    token = uuid.uuid4().hex[:8]  # names this run's plugin and tasks on a possibly shared cluster
    plugin = _weights_plugin(args, f"ffnet-network-{token}")
    began = time.monotonic()
    own_client = client is None
    if own_client:
        client = _start_client(args)
    try:
        try:
            client.register_worker_plugin(plugin)
        except Exception as e:  # noqa: BLE001  (the worker's exception, re-raised here)
            raise input_error(f"{args.weights}: the workers could not load the network: {e}") from None
        report.startup_seconds = time.monotonic() - began
        _process(client, jobs, args, token, plugin.name, report)
    finally:
        local_cluster = client.cluster if own_client else None
        if local_cluster is None:  # a cluster that outlives this run: its workers drop the network
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(plugin.name)
        if own_client:
            client.close()
        if local_cluster is not None:
            local_cluster.close()


def _process(client, jobs: list[Job], args, token: str, plugin: str, report: Report) -> None:
    from distributed import as_completed, progress

    settings = {"size": args.size, "keep_size": args.keep_size, "alpha": args.alpha, "plugin": plugin}
    batches = _batches(jobs, args.batch)
    began = time.monotonic()
    futures = client.map(segment_batch, batches, settings=settings,
                         key=[f"ffnet-segment-{token}-{i}" for i in range(len(batches))])
    batch_of = {f.key: b for f, b in zip(futures, batches)}
    if sys.stdout.isatty():
        progress(futures, multi=False)  # returns when all are finished, or at the first failed task
    for future, result in as_completed(futures, with_results=True, raise_errors=False):
        batch = batch_of.pop(future.key)
        if isinstance(result, BaseException):  # the whole task failed (e.g. its workers kept dying)
            result = [f"{job.source}: {type(result).__name__}: {result}" for job in batch]
        for job, error in zip(batch, result):
            if error is None:
                report.done += 1
            else:
                report.failures.append({"picture": job.source, "error": error})
        future.release()
    report.seconds = time.monotonic() - began


def write_summary(path: str, args, report: Report) -> None:
    summary = {
        "weights": args.weights, "output": os.path.abspath(args.output), "outputs": args.kinds,
        "done": report.done, "skipped": report.skipped, "failed": len(report.failures),
        "seconds": round(report.seconds, 3), "pictures_per_second": round(report.rate, 3),
        "failures": sorted(report.failures, key=lambda f: f["picture"]),
    }
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    prog = "ffnet.cluster"
    try:
        import distributed  # noqa: F401
    except ImportError:
        print(f"{prog}: needs Dask distributed (pip install distributed, or Debian's python3-distributed)",
              file=sys.stderr)
        return EXIT_INTERNAL
    try:
        report = run(args)
        write_summary(args.summary, args, report)
    except CliError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; rerun the same command to segment the pictures still missing", file=sys.stderr)
        return EXIT_INTERRUPTED
    failed = len(report.failures)
    line = f"{prog}: {report.done} done, {report.skipped} skipped, {failed} failed"
    if report.done or failed:
        line += (f" in {report.seconds:.1f} s ({report.rate:.2f} pictures/s; cluster start-up and network "
                 f"loading {report.startup_seconds:.1f} s not counted)")
    print(f"{line}; summary: {args.summary}")
    return EXIT_INPUT if failed else EXIT_OK


if __name__ == "__main__":
    # Run as ffnet.cluster, not __main__, so that the workers can unpickle the tasks and the plugin.
    from ffnet.cluster import main as _main

    sys.exit(_main())
