"""FreshFilter: a series' point goes out only with a device timestamp newer than its last export."""

from __future__ import annotations

from netrosetta.collectors.gnmi.fresh import FreshFilter
from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch

A = (("network.interface.name", "eth1"),)
B = (("network.interface.name", "eth2"),)


def _t(points: list[tuple[object, float]], stamps: list[int] | None) -> DeviceTranslation:
    mp = MetricPoints("hw.network.io", "counter", "By", "", list(points), stamps)   # type: ignore[arg-type]
    sc = ScopeBatch("openconfig/interfaces", "1.0.0", "gnmi", {mp.name: mp})
    return DeviceTranslation({"host.name": "d"}, [sc], 0)


def _kept(t: DeviceTranslation) -> list[tuple[object, object, int]]:
    mp = t.scopes[0].metrics["hw.network.io"]
    return [(p[0], p[1], ts) for p, ts in zip(mp.points, mp.timestamps or [0] * len(mp.points), strict=True)]


def test_same_device_timestamp_goes_out_once_newer_goes_out() -> None:
    f = FreshFilter()
    first = _t([(A, 1), (B, 2)], [100, 100])
    assert f.take(first, True) == 0 and len(_kept(first)) == 2
    again = _t([(A, 1), (B, 2)], [100, 100])          # the cache translated again, nothing new
    assert f.take(again, True) == 2 and _kept(again) == []
    mixed = _t([(A, 5), (B, 2)], [200, 100])          # eth1 sampled again, eth2 not yet
    assert f.take(mixed, False) == 1 and _kept(mixed) == [(A, 5, 200)]
    older = _t([(A, 4)], [150])                       # never back in time for a series
    assert f.take(older, True) == 1 and _kept(older) == []


def test_points_without_device_timestamp_need_new_data() -> None:
    f = FreshFilter()
    zero = _t([(A, 1)], [0])
    assert f.take(zero, False) == 1 and _kept(zero) == []
    zero = _t([(A, 1)], [0])
    assert f.take(zero, True) == 0 and _kept(zero) == [(A, 1, 0)]
    plain = _t([(A, 1)], None)
    assert f.take(plain, False) == 1 and _kept(plain) == []
