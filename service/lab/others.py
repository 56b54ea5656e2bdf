"""Lab simulators beyond SNMP, each the collector author's simulator fed with our synthetic data:
gNMI (generated OpenConfig counters), CLI over SSH (synthetic IOS `show interfaces`), HTTPS eAPI
(synthetic EOS JSON), NETCONF over SSH (synthetic Junos replies), and a flow exporter (synthetic
NetFlow v5 over UDP). Every fixture is generated here, seeded; nothing is copied from recordings.
The interface answers of gNMI, CLI, eAPI and NETCONF are computed from the lab's device states
(state.py) when asked, so they agree with the SNMP agent serving the same device.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from typing import Any

from .devices import Lab, LabDevice
from .netflow_v5 import synthetic_datagrams

START_TIMEOUT = 20.0


def _gnmi(stack: contextlib.ExitStack, lab: Lab) -> None:
    import tempfile
    from pathlib import Path

    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nr-lab-gnmi-")))
    gstate = lab.state_for("gnmi")
    state = gstate.write_gnmi(tmp / "state.json")
    proc = subprocess.Popen([sys.executable, "-m", "netrosetta.collectors.gnmi.lab", "--port", "0",
                             "--state", str(state)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True, text=True)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    stack.callback(stop)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""),
                              daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if not line or not line[0].startswith("listening "):
        raise RuntimeError(f"gNMI simulator did not start within {START_TIMEOUT:g}s")
    address = line[0].split()[1]
    lab.devices.append(LabDevice("gnmi", gstate.name, address, {
        "name": gstate.name, "address": address, "tls": {"enabled": False}, "mode": "stream",
        "subscriptions": [{"path": "/interfaces/interface/state/counters", "mode": "sample", "sample_interval": 5},
                          {"path": "/interfaces/interface/state/oper-status", "mode": "on_change"},
                          {"path": "/components/component/state/temperature", "mode": "sample", "sample_interval": 5},
                          {"path": "/components/component/cpu", "mode": "sample", "sample_interval": 5},
                          {"path": "/system/memory/state", "mode": "sample", "sample_interval": 5}],
    }))


def _flow(stack: contextlib.ExitStack, lab: Lab) -> None:
    from netrosetta.collectors.flow.simulator import FlowReplayer
    from netrosetta.collectors.snmp.lab import free_udp_port

    port = free_udp_port()
    stop = threading.Event()

    def export() -> None:
        rep: Any = None
        seq = 0
        while not stop.wait(1.0):
            try:
                if rep is None:
                    rep = FlowReplayer(port)
                batch = synthetic_datagrams(seq, flows=20, seed=7)
                rep.send(batch)
                seq += 20 * len(batch)
            except OSError:
                time.sleep(1)
        if rep is not None:
            rep.close()

    t = threading.Thread(target=export, name="lab-flow-exporter", daemon=True)
    t.start()
    def halt() -> None:
        stop.set()
        t.join(3)

    stack.callback(halt)
    lab.flow.append({"port": port, "bind": "127.0.0.1", "rollup_interval": 10,
                     "rollups": ["sum,bytes_by_dst_port,bytes,dst_port"]})
    lab.devices.append(LabDevice("flow", "lab-netflow-exporter", f"127.0.0.1:{port}", {}))


def _cli(stack: contextlib.ExitStack, lab: Lab) -> None:
    """The CLI collector's SSH simulator (cisco_ios prompt) answering `show interfaces` from the
    lab device's state at the moment it is asked."""
    import tempfile
    from pathlib import Path

    from netrosetta.collectors.cli.lab.server import CliSimulator

    from .ios_cli import show_interfaces

    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nr-lab-cli-")))
    state = lab.state_for("cli")
    sim = CliSimulator("cisco_ios", outputs={"show interfaces": lambda: show_interfaces(state)},
                       hostname=state.name, username="lab", password="lab")
    _in_thread(stack, "CLI", sim.start, sim.stop)
    known = tmp / "known_hosts"
    known.write_text(sim.known_hosts_line())
    lab.devices.append(LabDevice("cli", state.name, f"127.0.0.1:{sim.port}", {
        "name": state.name, "host": "127.0.0.1", "port": sim.port, "username": "lab", "password": "literal:lab",
        "platform": "cisco_ios", "known_hosts": str(known), "timeout": 10, "connect_timeout": 5,
        # only what the synthetic device answers (the rulebook also reads CPU/memory commands)
        "commands": [{"command": "show interfaces", "template": "templates/cisco_ios/show_interfaces.ttp"}],
    }))


def _in_thread(stack: contextlib.ExitStack, name: str, start: Any, stop_sim: Any) -> None:
    """Run an asyncio simulator in its own thread and loop until the lab stops."""
    import asyncio

    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = threading.Event()
    failed: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:
            failed.append(exc)
            started.set()
            return
        started.set()

        async def serve() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.2)

        loop.run_until_complete(serve())
        loop.run_until_complete(stop_sim())
        loop.close()

    t = threading.Thread(target=run, name=f"lab-{name}", daemon=True)
    t.start()
    if not started.wait(START_TIMEOUT) or failed:
        raise RuntimeError(f"{name} simulator did not start: {failed[0] if failed else 'timeout'}")

    def halt() -> None:
        stop.set()
        t.join(5)

    stack.callback(halt)


def _api(stack: contextlib.ExitStack, lab: Lab) -> None:
    """The API collector's HTTPS simulator (eAPI) answering `show interfaces` from lab-eos-1's
    state at the moment it is asked (`show version` from a fixed file)."""
    import tempfile
    from pathlib import Path

    from netrosetta.collectors.api.lab.server import ApiSimulator

    from . import eos_api

    state = lab.state_for("api", lab.eos)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nr-lab-api-")))
    eos_api.write(folder, state)
    sim = ApiSimulator(folder, username="lab", password="lab",
                       computed={"show interfaces": lambda: eos_api.show_interfaces(state)})
    _in_thread(stack, "API", sim.start, sim.stop)
    lab.devices.append(LabDevice("api", state.name, f"127.0.0.1:{sim.port}", {
        "name": state.name, "host": "127.0.0.1", "port": sim.port, "username": "lab", "password": "literal:lab",
        "platform": "arista_eos", "api": "eapi", "ca_file": str(sim.cert), "timeout": 10,
        "commands": [{"command": "show version"}, {"command": "show interfaces"}],
    }))


def _netconf(stack: contextlib.ExitStack, lab: Lab) -> None:
    """The NETCONF collector's SSH simulator answering Junos RPCs from lab-mx-1's state at the
    moment they are asked."""
    import tempfile
    from pathlib import Path

    from netrosetta.collectors.netconf.lab.server import NetconfSimulator

    from . import junos_netconf

    state = lab.state_for("netconf", lab.junos)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nr-lab-netconf-")))
    sim = NetconfSimulator(folder, username="lab", password="lab", platform="juniper_junos", computed={
        "get-interface-information": lambda: junos_netconf.interface_information(state),
        "get-route-engine-information": lambda: junos_netconf.route_engine_information(state)})
    _in_thread(stack, "NETCONF", sim.start, sim.stop)
    known = folder.parent / f"{folder.name}.known_hosts"
    known.write_text(sim.known_hosts_line())
    stack.callback(lambda: known.unlink(missing_ok=True))
    lab.devices.append(LabDevice("netconf", state.name, f"127.0.0.1:{sim.port}", {
        "name": state.name, "host": "127.0.0.1", "port": sim.port, "username": "lab", "password": "literal:lab",
        "platform": "juniper_junos", "known_hosts": str(known), "timeout": 10, "connect_timeout": 5,
        "requests": [{"rpc": "<get-interface-information><extensive/></get-interface-information>"},
                     {"rpc": "<get-route-engine-information/>"}],
    }))


STARTERS = {"gnmi": _gnmi, "flow": _flow, "netconf": _netconf, "api": _api, "cli": _cli}
