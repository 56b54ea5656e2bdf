"""The live collector: UDP sockets -> bulk decode -> FlowPipeline.

``workers`` > 1 forks that many processes, each with its own SO_REUSEPORT socket on the same port
(the kernel hashes each exporter's address:port to one socket, so an exporter's templates and its
data meet in the same process). Workers send decode results to the parent, which runs the
pipeline (filters, rollups, outputs). Each worker persists its templates to
``<template_cache_path>.<worker>`` and loads every worker's file at start, so templates survive a
restart even if the hash then lands an exporter elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import queue
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from netrosetta.collectors.flow import bulk
from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoder import DecodeResult, DecodeStats, FlowDecoder
from netrosetta.collectors.flow.names import NameTables
from netrosetta.collectors.flow.sampling import SamplingTable
from netrosetta.collectors.flow.templates import Template, TemplateCache
from netrosetta.collectors.flow.udp import Datagrams, ReadAhead, make_reader, open_socket, udp_sockets

log = logging.getLogger(__name__)
SAVE_EVERY_S = 5.0


def sharing_for(cfg: FlowListenerConfig, worker: int) -> TemplateSharing | None:
    if cfg.workers < 2 or not cfg.template_cache_path:
        return None
    base = Path(cfg.template_cache_path)
    return TemplateSharing(base, Path(f"{base}.{worker}"), cfg.template_timeout)


def make_decoder(cfg: FlowListenerConfig, worker: int = 0) -> FlowDecoder:
    path = None
    if cfg.template_cache_path:
        path = Path(f"{cfg.template_cache_path}.{worker}") if cfg.workers > 1 else Path(cfg.template_cache_path)
    cache = TemplateCache(cfg.template_timeout, path)
    if cfg.template_cache_path and cfg.workers > 1:  # templates another worker learnt before a restart
        base = Path(cfg.template_cache_path)
        for other in base.parent.glob(base.name + ".*"):
            if other != path:
                cache.adopt(TemplateCache(cfg.template_timeout, other))
    sampling = SamplingTable(cfg.sampling.default_rate, cfg.sampling.overrides)
    return FlowDecoder(cache, sampling, hold_seconds=cfg.hold_seconds, strict_scope=cfg.strict_template_scope)


class TemplateSharing:
    """Workers publish their templates to ``<base>.<worker>`` and adopt each other's.

    SO_REUSEPORT keeps an exporter on one socket only while the group is unchanged; when the hash
    moves an exporter (a worker joined or died), its data may reach a worker that never saw its
    template. That worker holds the data, and adopts the template from the other workers' files.
    """

    def __init__(self, base: Path, own: Path, timeout: float) -> None:
        self.base, self.own, self.timeout = base, own, timeout
        self.seen: dict[Path, float] = {}
        self.names = NameTables()  # options-data names other workers learnt

    def changed_templates(self) -> list[Template]:
        """Templates in the files other workers rewrote since the last look (their options
        names are merged into ``self.names`` on the way)."""
        out: list[Template] = []
        for other in self.base.parent.glob(self.base.name + ".*"):
            if other == self.own or other.name.startswith("."):
                continue
            try:
                mtime = other.stat().st_mtime
            except OSError:
                continue
            if self.seen.get(other) == mtime:
                continue
            self.seen[other] = mtime
            theirs = TemplateCache(self.timeout, other)
            out.extend(theirs.templates())
            self.names.merge(theirs.names)
        return out


def _emit_guarded(emit: Callable[[DecodeResult], None], res: DecodeResult, dec: FlowDecoder,
                  last_err: float) -> float:
    """Hand decoded flows on; an exception past the decoder (filters, rollups, an output) is
    counted and logged at most every 10 s, and the listener goes on receiving."""
    try:
        emit(res)
    except Exception as exc:
        dec.stats.emit_errors += 1
        if time.monotonic() - last_err > 10.0:
            log.warning("flow batch of %d flows not processed: %s: %s", len(res.flows), type(exc).__name__, exc)
            return time.monotonic()
    return last_err


def _decode(dec: FlowDecoder, got: Datagrams, emit: Callable[[DecodeResult], None], last_err: float) -> float:
    # exporter identity per datagram: one lookup per distinct sender address in the batch
    ids = np.array([dec.exporter_id(a) for a in got.addrs], dtype=np.int64)[got.addr_index]
    try:
        res = bulk.decode_buffer(dec, got.buf, got.offs, got.lens, ids, got.ports, got.stamps)
    except Exception as exc:  # a decoder bug must not end the listener: count, log, go on
        dec.stats.malformed += len(got)
        if time.monotonic() - last_err > 10.0:
            log.warning("flow batch of %d datagrams not decoded: %s: %s", len(got), type(exc).__name__, exc)
            return time.monotonic()
        return last_err
    return _emit_guarded(emit, res, dec, last_err)


def receive_loop(cfg: FlowListenerConfig, sock: object, dec: FlowDecoder, emit: Callable[[DecodeResult], None],
                 stop: threading.Event | mp.synchronize.Event, deadline: float | None,
                 sharing: TemplateSharing | None = None, beat: Callable[[], None] | None = None) -> None:
    import socket as _socket

    assert isinstance(sock, _socket.socket)
    reader = ReadAhead(make_reader(sock, cfg.batch_datagrams), cfg.batch_wait_ms / 1000, cfg.batch_linger_ms / 1000)
    try:
        _receive(dec, reader, emit, stop, deadline, sharing, beat)
    finally:
        reader.close()
    last_err = 0.0
    for got in reader.leftovers():  # read before the stop: decoded, not lost
        last_err = _decode(dec, got, emit, last_err)
    if dec.templates.dirty:
        dec.templates.save()


def _receive(dec: FlowDecoder, reader: ReadAhead, emit: Callable[[DecodeResult], None],
             stop: threading.Event | mp.synchronize.Event, deadline: float | None,
             sharing: TemplateSharing | None, beat: Callable[[], None] | None) -> None:
    last_save = last_poll = time.monotonic()
    last_err = 0.0
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        if beat is not None:  # liveness: the service's /readyz sees a wedged loop
            beat()
        got = reader.get()
        if len(got):
            last_err = _decode(dec, got, emit, last_err)
        now = time.monotonic()
        # shared between workers: publish at once; look for others' templates while data waits
        if dec.templates.dirty and (sharing is not None or now - last_save > SAVE_EVERY_S):
            dec.templates.save()
            last_save = now
        if sharing is not None and (dec.n_held or now - last_poll > 1.0) and now - last_poll > 0.02:
            last_poll = now
            found = sharing.changed_templates()
            dec.templates.names.merge(sharing.names)
            if found:
                res = dec.adopt(found)
                if len(res.flows) or res.options or res.counters:
                    last_err = _emit_guarded(emit, res, dec, last_err)


def _worker(cfg_json: str, worker: int, port: int, q: mp.Queue, stop: mp.synchronize.Event,
            ready: mp.synchronize.Event, deadline: float | None) -> None:
    cfg = FlowListenerConfig.model_validate_json(cfg_json)
    sock = open_socket(cfg.bind, port, cfg.receive_buffer, reuseport=True)
    ready.set()
    dec = make_decoder(cfg, worker)
    try:
        receive_loop(cfg, sock, dec, q.put, stop, deadline, sharing_for(cfg, worker))
    finally:
        q.put(("stats", worker, dec.stats.as_dict()))
        sock.close()


class FlowListener:
    def __init__(self, cfg: FlowListenerConfig, emit: Callable[[DecodeResult], None]) -> None:
        self._tmpdir: str | None = None
        if cfg.workers > 1 and not cfg.template_cache_path:  # workers share templates through files
            self._tmpdir = tempfile.mkdtemp(prefix="netrosetta-flow-")
            cfg = cfg.model_copy(update={"template_cache_path": Path(self._tmpdir) / "templates.json"})
        self.cfg = cfg
        self.emit = emit
        self.sock = self._bind()
        self.port: int = self.sock.getsockname()[1]
        self.decoder = make_decoder(cfg, 0)
        self.stop_event = mp.Event()
        self.ready = threading.Event()  # set once every worker socket is bound
        self.worker_stats: dict[int, dict[str, int]] = {}
        self.heartbeat = time.monotonic()  # last turn of the receive loop (monotonic seconds)

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def _bind(self) -> socket.socket:
        """Bind; with port 0, make sure the kernel did not hand us a port another SO_REUSEPORT
        socket already holds (it may, for sockets of the same user), or we would share its load."""
        cfg = self.cfg
        for _ in range(50):
            sock = open_socket(cfg.bind, cfg.port, cfg.receive_buffer, reuseport=True)
            if udp_sockets(sock.getsockname()[1]) == 1:
                return sock
            sock.close()
            if cfg.port:  # someone else's SO_REUSEPORT socket: we would silently split its traffic
                raise OSError(98, "Address already in use")
        raise OSError(98, "no free UDP port found")

    def stats(self) -> DecodeStats:
        total = DecodeStats(**self.decoder.stats.as_dict())
        for st in self.worker_stats.values():
            for k, v in st.items():
                setattr(total, k, getattr(total, k) + v)
        return total

    def serve(self, duration: float | None = None) -> None:
        deadline = time.monotonic() + duration if duration else None
        if self.cfg.workers == 1:
            self.ready.set()
            try:
                receive_loop(self.cfg, self.sock, self.decoder, self.emit, self.stop_event, deadline,
                             beat=self.beat)
            finally:
                self.sock.close()
            return
        ctx = mp.get_context("fork")
        q: mp.Queue = ctx.Queue()
        procs = []
        for w in range(1, self.cfg.workers):
            ready = ctx.Event()
            p = ctx.Process(target=_worker, args=(self.cfg.model_dump_json(), w, self.port, q,
                                                  self.stop_event, ready, deadline), daemon=True)
            p.start()
            ready.wait(10)
            procs.append(p)
        # a socket joining the SO_REUSEPORT group reshuffles the hash: senders should start after this
        self.ready.set()
        t = threading.Thread(target=receive_loop, args=(self.cfg, self.sock, self.decoder, q.put,
                                                        self.stop_event, deadline, sharing_for(self.cfg, 0)),
                             daemon=True)
        t.start()
        try:
            while t.is_alive() or any(p.is_alive() for p in procs) or not q.empty():
                if t.is_alive():  # liveness: this loop runs the pipeline (outputs may block it)
                    self.beat()
                try:
                    item = q.get(timeout=0.1)
                except queue.Empty:
                    continue
                if isinstance(item, tuple) and item and item[0] == "stats":
                    self.worker_stats[item[1]] = item[2]
                else:
                    self.emit(item)
        finally:
            self.stop_event.set()
            t.join(5)
            for p in procs:
                p.join(5)
                if p.is_alive():
                    p.terminate()
            with contextlib.suppress(OSError):
                self.sock.close()
            if self._tmpdir:
                shutil.rmtree(self._tmpdir, ignore_errors=True)

    def stop(self) -> None:
        self.stop_event.set()
