"""One streamed device for the service: session + Dataset + identity, ready to translate.

    dev = GnmiDevice(target)
    task = asyncio.create_task(dev.run(stop))            # reconnects by itself until stop is set
    ...every export interval:
    t = translate(dev.dataset, dev.facts(), rulebooks)    # unified points, device timestamps kept
    ended = dev.take_ended()                              # leaves the target deleted: end those series
    up = dev.state.up_point()                             # netrosetta.gnmi.target.up (1/0)
"""

from __future__ import annotations

import asyncio
from typing import Any

from netrosetta.engine.facts import DeviceFacts

from .config import GnmiTarget
from .dataset import GnmiDataset
from .flatten import Leaf
from .session import Batch, TargetState, run_target


class GnmiDevice:
    def __init__(self, target: GnmiTarget, types: Any = None) -> None:
        self.target = target
        self.dataset = GnmiDataset(target.name, platform=target.platform)
        self.state = TargetState(target.name, target.address)
        self._types = types
        self._ended: list[Leaf] = []

    def on_batch(self, batch: Batch) -> None:
        self._ended.extend(self.dataset.apply(batch.flat))    # counts its malformed updates too

    async def run(self, stop: asyncio.Event | None = None) -> TargetState:
        return await run_target(self.target, self.on_batch, state=self.state, stop=stop, types=self._types)

    def facts(self) -> DeviceFacts:
        """Identity for rulebook matching: configured platform and the Capabilities models."""
        host = self.target.address.rpartition(":")[0].strip("[]")
        return DeviceFacts(name=self.target.name, address=host, platform=self.target.platform,
                           gnmi_models=[f"{n}@{v}" if v else n for n, _o, v in self.state.models],
                           gnmi_organizations=sorted({o for _n, o, _v in self.state.models if o}))

    def take_ended(self) -> list[Leaf]:
        ended, self._ended = self._ended, []
        return ended
