"""`netrosetta flow decode|listen` end to end, in process (argv -> exit code, stdout, stderr)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netrosetta.cli import main
from netrosetta.collectors.flow.simulator import FlowReplayer
from netrosetta.collectors.flow.synth import SynthFlow, write_pcap
from tests.conftest import need_shared

ROOT = Path(__file__).resolve().parents[2]


def test_decode_pcap_jsonl(capsys: pytest.CaptureFixture[str]) -> None:
    pcap = need_shared("corpus", "flow", "pmacct", "100-IPFIXv10-CISCO", "traffic-00.pcap")
    assert main(["flow", "decode", str(pcap)]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 12 and all(r["type"] == "IPFIX" for r in rows)
    assert "flows=12" in err


def test_decode_bin_hex_table_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    d = need_shared("corpus", "flow", "telegraf", "netflow_v5_example", "netflow_v5.bin")
    h = need_shared("corpus", "flow", "softflowd-hex", "packet_v5.hex")
    assert main(["flow", "decode", str(d), str(h), "--format", "table", "-filters", "int,l4_src_port,==,443"]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("type")
    assert len(lines) > 1 and all(" 443 " in line for line in lines[1:])


def test_decode_rollup_and_columns(capsys: pytest.CaptureFixture[str]) -> None:
    d = need_shared("corpus", "flow", "telegraf", "netflow_v9_example", "netflow_v9.bin")
    assert main(["flow", "decode", str(d), "--columns", "src_addr,bytes",
                 "-rollups", "sum,bytes_by_src,bytes,src_addr"]) == 0
    out, _ = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    flows = [r for r in rows if "rollup" not in r]
    rollups = [r for r in rows if "rollup" in r]
    assert all(set(r) == {"src_addr", "bytes"} for r in flows)
    per_src: dict[str, int] = {}
    for r in flows:
        per_src[r["src_addr"]] = per_src.get(r["src_addr"], 0) + r["bytes"]
    assert {r["src_addr"]: r["value"] for r in rollups} == per_src


def test_ignores_non_flow_traffic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a capture of plain TCP/UDP traffic (not NetFlow): parsed, nothing decoded, no error
    pcap = tmp_path / "t.pcap"
    write_pcap(pcap, [SynthFlow("10.0.0.1", "10.0.0.2", 1, 2, 17, 2, 10), SynthFlow("10.0.0.1", "10.0.0.3", 3, 4, 6, 1, 5)])
    assert main(["flow", "decode", str(pcap)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "unsupported_version=2" in err and "pcap_non_udp=1" in err


@pytest.mark.parametrize("argv,msg", [
    (["flow", "decode", "/nonexistent/x.pcap"], "no such file"),
    (["flow", "decode", "README.md", "--filters", "src_addr,==,bogus"], "not an address"),
    (["flow", "decode", "README.md", "--rollups", "median,x,bytes"], "unknown method"),
])
def test_user_errors_are_one_line(argv: list[str], msg: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["random.pcap", "random.PCAPNG", "random.cap"])
def test_capture_name_without_capture_magic_is_an_error(name: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # random bytes named as a capture: a clear error, not a decode of the file as one raw datagram
    f = tmp_path / name
    f.write_bytes(bytes((i * 37 + 11) & 0xFF for i in range(300)))
    assert main(["flow", "decode", str(f)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "not a pcap/pcapng capture" in err and name in err
    assert "Traceback" not in err and "unsupported_version" not in err


def test_listen_subprocess_receives_and_reports(tmp_path: Path) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    out = tmp_path / "flows.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "netrosetta", "flow", "listen", "--port", str(port),
                             "--duration", "20", "--output", f"jsonl:{out}"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # printed once the socket is bound
        assert f"127.0.0.1:{port}" in line
        d = need_shared("corpus", "flow", "telegraf", "netflow_v5_example", "netflow_v5.bin").read_bytes()
        rep = FlowReplayer(port)
        rep.send([d])
        rep.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 8):
            time.sleep(0.1)
        assert len(out.read_text().splitlines()) == 8  # Telegraf decodes 8 records from this datagram
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "flows=8" in err
