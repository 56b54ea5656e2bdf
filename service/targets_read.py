"""Reading a watched targets file while the event loop keeps answering.

A thread is not enough: PyYAML's C composer holds the GIL for the whole document, so a file of
tens of thousands of targets stalled the loop (health, status, polls) for most of a second at a
time. The YAML is parsed in a child process (``python -m netrosetta.service.targets_read FILE``,
which prints the pickled data and positions); the parent only unpickles the plain data and
validates it in a thread. The target lists come in pickled chunks, so no single unpickling holds
the GIL for long; positions, needed only to say file:line for a bad file, are unpickled only then."""

from __future__ import annotations

import asyncio
import gc
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from netrosetta.engine.yaml_source import YamlDoc, load_yaml
from netrosetta.errors import NetrosettaError

if TYPE_CHECKING:
    from .config import TargetsBase

_BAD_FILE = 2     # the child's exit status for a file it could not read (message on stderr)
_CHUNK = 1000     # targets per pickled chunk: a few milliseconds each to unpickle


async def read_targets_file(path: Path) -> TargetsBase:
    """The file's ``targets:``, validated (a missing file: none); NetrosettaError with file:line
    for a bad one."""
    from .config import targets_from_doc

    if not path.exists():
        return await asyncio.to_thread(targets_from_doc, YamlDoc(str(path), None))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "netrosetta.service.targets_read", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    if proc.returncode == _BAD_FILE:
        raise NetrosettaError(err.decode(errors="replace").strip())
    if proc.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise NetrosettaError(f"the targets file reader stopped with status {proc.returncode}: {last[0]}",
                              file=str(path))

    def validate() -> TargetsBase:
        # tens of thousands of new objects would start full collections that stop every thread
        # (the loop too) for a few hundred milliseconds each: the collector waits until the end
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            # our own child's output, never a network peer's
            data, chunks, positions = pickle.loads(out)
            for kind, blob in chunks:
                data["targets"][kind].extend(pickle.loads(blob))
            return targets_from_doc(YamlDoc(str(path), data), lambda: pickle.loads(positions))
        finally:
            if was_enabled:
                gc.enable()
    return await asyncio.to_thread(validate)


def _main(path: str) -> int:
    try:
        doc = load_yaml(path)
    except NetrosettaError as exc:
        sys.stderr.write(f"{exc}\n")
        return _BAD_FILE
    data, chunks = doc.data, []
    targets = data.get("targets") if isinstance(data, dict) else None
    if isinstance(targets, dict):
        lists = {k: v for k, v in targets.items() if isinstance(v, list)}
        data = {**data, "targets": {**targets, **{k: [] for k in lists}}}
        chunks = [(k, pickle.dumps(v[i:i + _CHUNK])) for k, v in lists.items() for i in range(0, len(v), _CHUNK)]
    sys.stdout.buffer.write(pickle.dumps((data, chunks, pickle.dumps(doc.positions))))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
