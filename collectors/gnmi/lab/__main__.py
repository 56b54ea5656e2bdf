"""Run the gNMI simulator as a process (tests kill and restart it; users try rulebooks on it).

    python -m netrosetta.collectors.gnmi.lab --port 50051 [--interfaces 4] [--native srl]
        [--replay RESPONSES.json] [--state STATE.json] [--tls-cert C --tls-key K [--client-ca CA]] [--user U --password P]

Prints ``listening 127.0.0.1:PORT`` once ready; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from ..recording import load_responses
from .device import SimDevice
from .simulator import SimConfig, SimServer, TLSFiles


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m netrosetta.collectors.gnmi.lab")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--interfaces", type=int, default=4)
    ap.add_argument("--native", choices=["srl", "eos", "xr", "xe", "sros"], default=None)
    ap.add_argument("--replay", type=Path)
    ap.add_argument("--replay-loop", type=float, default=None, help="STREAM: resend the recording every N s")
    ap.add_argument("--snmp-walk", type=Path, help="mirror the interfaces and counters of an snmprec walk")
    ap.add_argument("--state", type=Path, help="serve the device a state file describes (the lab's shared device)")
    ap.add_argument("--tls-cert", type=Path)
    ap.add_argument("--tls-key", type=Path)
    ap.add_argument("--client-ca", type=Path)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--start", type=float, default=None, help="epoch seconds the counters started at")
    args = ap.parse_args(argv)
    device = (SimDevice.from_state(args.state) if args.state
              else SimDevice.from_snmp_walk(args.snmp_walk) if args.snmp_walk
              else SimDevice.generated(args.interfaces, native=args.native))
    if args.start is not None:
        device.start = args.start
    cfg = SimConfig(device=device, username=args.user, password=args.password,
                    replay=load_responses(args.replay) if args.replay else None,
                    replay_loop_interval=args.replay_loop)
    tls = None
    if args.tls_cert and args.tls_key:
        tls = TLSFiles(args.tls_cert.read_bytes(), args.tls_key.read_bytes(),
                       args.client_ca.read_bytes() if args.client_ca else None)
    server = SimServer(cfg, port=args.port, tls=tls).start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(f"listening {server.address}", flush=True)
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
