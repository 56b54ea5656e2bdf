"""IOS-XR XML-agent replies in a recording: keyed by what they answer, faults counted by file."""

from __future__ import annotations

from pathlib import Path

from netrosetta.cli.record import guess_kind
from netrosetta.collectors.netconf.dataset import from_recording
from netrosetta.collectors.recording import Recording

OK = ('<?xml version="1.0"?><Response MajorVersion="1" MinorVersion="0"><Get><Operational>'
      "<SystemTime><Uptime><Hostname>r1</Hostname></Uptime></SystemTime><PlatformInventory/></Operational></Get></Response>")
FAILED = ('<Response MajorVersion="1" MinorVersion="0"><Get ErrorCode="0x4368a000" ErrorMsg="\'XML Service Library\' '
          'detected the \'fatal\' condition \'The XML document is not well formed\'"/></Response>')


def test_replies_are_keyed_by_their_containers_and_faults_counted(tmp_path: Path) -> None:
    (tmp_path / "_Get__Operational__SystemTime___Get_.txt").write_text(OK)
    (tmp_path / "_Get__Operational__Bad___Get_.txt").write_text(FAILED)
    (tmp_path / "__Get_____Operational___Get_.txt").write_text("% Invalid input detected at '^' marker.")
    assert guess_kind(tmp_path) == "netconf"
    ds = from_recording(Recording.open(tmp_path), "cisco_xr")
    assert sorted(ds.documents) == ["Operational/PlatformInventory", "Operational/SystemTime"]
    assert "0x4368a000" in ds.errors["_Get__Operational__Bad___Get_"]
    assert "malformed XML" in ds.errors["__Get_____Operational___Get_"]


def test_text_files_of_other_tools_are_not_xml_agent_replies(tmp_path: Path) -> None:
    (tmp_path / "show_version.txt").write_text("Cisco IOS XR Software, Version 7.3.2\n")
    assert guess_kind(tmp_path) == "cli"
