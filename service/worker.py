"""One worker process of an instance run with ``workers: N`` (the supervisor is workers.py).

A worker is a whole service of its own — event loop, sockets, caches, outputs, spill — that polls
only its shard: the targets it wins by rendezvous among ``<instance>/w0 .. w<N-1>`` (with NATS
configured it is simply one more cluster member under that name, and the cluster decides). What
must not be shared gets a per-worker name: the spill folder (``<spill_dir>/w<k>``), OTLP/JSON
files and the cluster's record file (``<stem>.w<k><suffix>``). Flow listeners and the trap
receiver run in worker 0 only (a flow listener has its own ``workers:`` for more cores). The
worker's HTTP server listens on a loopback port the supervisor reads from the worker's start
line; the instance's own port and the Prometheus endpoint are the supervisor's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from .config import Http, ServiceConfig, load_config
from .main import run_service
from .ports import Ownership
from .runtime import Service
from .shard import Shard, worker_name

log = logging.getLogger(__name__)

BANNER = "netrosetta: worker"   # the start line the supervisor waits for (not the instance's own)


def suffixed(path: Path, index: int) -> Path:
    """``a/out.jsonl`` → ``a/out.w1.jsonl``: a file only this worker writes."""
    if str(path) == "-":
        return path   # stdout: the supervisor forwards whole lines
    return path.with_name(f"{path.stem}.w{index}{path.suffix}")


def worker_config(cfg: ServiceConfig, index: int) -> ServiceConfig:
    """Worker ``index``'s config: the instance's, minus what only one process may hold."""
    d = cfg.delivery
    outputs = cfg.outputs.model_copy(update={
        "prometheus": None,
        "otlp_json": [o.model_copy(update={"path": suffixed(o.path, index)}) for o in cfg.outputs.otlp_json]})
    update: dict[str, object] = {
        "workers": 1,
        "http": Http(listen="127.0.0.1:0"),
        "outputs": outputs,
        "delivery": d.model_copy(update={"spill_dir": d.spill_dir / f"w{index}" if d.spill_dir else None}),
    }
    if cfg.cluster is not None and cfg.cluster.record_file is not None:
        update["cluster"] = cfg.cluster.model_copy(
            update={"record_file": suffixed(cfg.cluster.record_file, index)})
    if index:
        update["flow"] = []
        update["traps"] = None
    return cfg.model_copy(update=update)


def _loader(index: int) -> Callable[[Path], ServiceConfig]:
    return lambda path: worker_config(load_config(path), index)


def _stop_when_parent_goes(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """The supervisor holds our stdin (a pipe) open: EOF means it died (even by kill -9), so stop too."""
    fd = sys.stdin.fileno()
    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
        return   # started by hand, not by a supervisor

    def readable() -> None:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            log.warning("the supervisor is gone: stopping")
            stop.set()
    os.set_blocking(fd, False)
    loop.add_reader(fd, readable)


async def run_worker(config_path: Path, index: int, count: int, instance: str, restarts: int) -> None:
    cfg = worker_config(load_config(config_path), index)
    name = worker_name(instance, index)
    ownership: Ownership | None = None
    if cfg.cluster is None:
        ownership = Shard([worker_name(instance, k) for k in range(count)], name)
    stop = asyncio.Event()
    _stop_when_parent_goes(asyncio.get_running_loop(), stop)

    def started(svc: Service, _port: int | None) -> None:
        # cumulative: the supervisor's count of this worker's restarts, exported by the worker itself
        svc.own_counters["netrosetta.worker.restarts"] = {(("netrosetta.worker", name),): restarts}

    await run_service(cfg, config_path, on_started=started, until=stop, banner=BANNER,
                      instance=name, ownership=ownership, loader=_loader(index))
