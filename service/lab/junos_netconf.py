"""Synthetic Junos NETCONF replies for the lab's NETCONF simulator (seeded, counters grow).

The elements the juniper/junos-netconf rulebook reads, in the shape `get-interface-information`
and `get-route-engine-information` replies have; written as `<rpc>.xml` files the simulator
serves (it wraps them in <rpc-reply>), refreshed every few seconds.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

START = time.time()


def interface_information(ports: int = 4, seed: int = 3) -> str:
    rnd = random.Random(seed)
    elapsed = time.time() - START
    parts = ["<interface-information>"]
    for i in range(ports):
        rate = rnd.randint(100_000, 8_000_000)
        ib = rnd.randint(10**9, 10**12) + int(rate * elapsed)
        ob = rnd.randint(10**9, 10**12) + int(rate * 0.8 * elapsed)
        status = "up" if i != ports - 1 else "down"
        parts.append(
            f"<physical-interface><name>ge-0/0/{i}</name><admin-status>up</admin-status>"
            f"<oper-status>{status}</oper-status><mtu>1514</mtu><speed>1000mbps</speed>"
            f"<traffic-statistics><input-bytes>{ib}</input-bytes><output-bytes>{ob}</output-bytes>"
            f"<input-packets>{ib // 700}</input-packets><output-packets>{ob // 700}</output-packets>"
            f"</traffic-statistics>"
            f"<input-error-list><input-errors>{rnd.randint(0, 3)}</input-errors>"
            f"<input-discards>{rnd.randint(0, 9)}</input-discards></input-error-list>"
            f"<output-error-list><output-errors>0</output-errors><output-drops>{rnd.randint(0, 4)}</output-drops>"
            f"</output-error-list>"
            f"<ethernet-mac-statistics><input-unicasts>{ib // 720}</input-unicasts>"
            f"<output-unicasts>{ob // 720}</output-unicasts><input-multicasts>{ib // 90_000}</input-multicasts>"
            f"<output-multicasts>{ob // 90_000}</output-multicasts><input-broadcasts>{ib // 900_000}"
            f"</input-broadcasts><output-broadcasts>{ob // 900_000}</output-broadcasts>"
            f"</ethernet-mac-statistics>"
            f"<logical-interface><name>ge-0/0/{i}.0</name><traffic-statistics>"
            f"<input-bytes>{ib - 1000}</input-bytes><output-bytes>{ob - 1000}</output-bytes>"
            f"</traffic-statistics></logical-interface></physical-interface>")
    parts.append("</interface-information>")
    return "".join(parts)


def route_engine_information() -> str:
    rnd = random.Random(int(time.time() // 10))
    return ("<route-engine-information><route-engine><slot>0</slot><mastership-state>master</mastership-state>"
            "<model>RE-LAB-1</model><memory-dram-size>4096 MB</memory-dram-size>"
            f"<memory-buffer-utilization>{rnd.randint(20, 40)}</memory-buffer-utilization>"
            f"<cpu-user>{rnd.randint(1, 20)}</cpu-user><cpu-background>0</cpu-background>"
            f"<cpu-system>{rnd.randint(1, 10)}</cpu-system><cpu-interrupt>0</cpu-interrupt>"
            f"<cpu-idle>{rnd.randint(60, 90)}</cpu-idle></route-engine></route-engine-information>")


def write(folder: Path) -> None:
    for name, body in (("get-interface-information.xml", interface_information()),
                       ("get-route-engine-information.xml", route_engine_information())):
        tmp = folder / (name + ".tmp")
        tmp.write_text(body)
        tmp.replace(folder / name)
