"""Values the engine treats specially, whatever the source that produced them."""

from __future__ import annotations

OUT_OF_RANGE_REASON = "value out of range"


class OutOfRange:
    """A value (from a source or a transform) no number can stand for: e.g. a BER integer
    longer or larger than its SMI type allows, an overflow, a non-finite float. Translation
    counts it as a skip ("value out of range") instead of exporting anything."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<value out of range>"

    def __reduce__(self) -> str:
        return "OUT_OF_RANGE"    # pickles as the singleton (cluster mode ships datasets)


OUT_OF_RANGE = OutOfRange()
