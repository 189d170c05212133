"""Argument checks shared by every public function: expressions, keys, numbers, durations."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Sequence
from typing import Any, Union

import polars as pl

IntoExpr = Union[str, pl.Expr]
IntoKeys = Union[IntoExpr, Sequence[IntoExpr]]


def _to_expr(value: object, what: str) -> pl.Expr:
    """``value`` as an expression; ``what`` names it in errors (``"gradient: y"``)."""
    if isinstance(value, str):
        return pl.col(value)
    if isinstance(value, pl.Expr):
        return value
    raise TypeError(
        f"{what} must be a column name (str) or a polars expression, "
        f"got {value!r} of type {type(value).__name__}"
    )


def _to_keys(partition_by: object, name: str) -> list[pl.Expr]:
    if isinstance(partition_by, (str, pl.Expr)):
        return [_to_expr(partition_by, f"{name}: partition_by")]
    if isinstance(partition_by, Sequence) and not isinstance(partition_by, (bytes, bytearray)):
        keys = [_to_expr(k, f"{name}: partition_by") for k in partition_by]
        if not keys:
            raise ValueError(f"{name}: partition_by needs at least one column")
        return keys
    raise TypeError(
        f"{name}: partition_by must be a column name (str), a polars expression or a list "
        f"of them, got {partition_by!r} of type {type(partition_by).__name__}"
    )


_FIXED_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}
_CALENDAR_UNITS = {"mo", "q", "y", "i"}
# numpy's fixed timedelta64 units, in nanoseconds.
_NUMPY_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "D": 86_400_000_000_000,
    "W": 604_800_000_000_000,
}
_DURATION_PART = re.compile(r"(\d+)(ns|us|µs|ms|mo|s|m|h|d|w|q|y|i)")


def _timedelta64_ns(value: Any, name: str, what: str) -> int:
    """A numpy ``timedelta64`` of a fixed unit as whole nanoseconds."""
    unit = str(value.dtype)[len("timedelta64") :].strip("[]")
    if unit not in _NUMPY_UNITS_NS:
        raise ValueError(
            f"{name}: {what} must have a fixed length; {value!r} has the unit "
            f"{unit or 'generic'!r}. Use fixed units: ns, us, ms, s, m, h, D, W"
        )
    return int(value.astype("int64")) * _NUMPY_UNITS_NS[unit]


def _timedelta_ns(value: dt.timedelta) -> int:
    """A ``datetime.timedelta`` as whole nanoseconds (exactly, of any sign)."""
    return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000


def _per_ns(per: object, name: str, what: str = "per") -> int:
    """``per`` as a whole number of nanoseconds (a fixed-length duration).

    ``what`` names the argument in errors (``per``, or ``window``)."""
    if isinstance(per, dt.timedelta):
        ns = _timedelta_ns(per)
    elif _is_timedelta(per):
        ns = _timedelta64_ns(per, name, what)
    elif isinstance(per, str):
        text = per.strip()
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(
                f"{name}: {what} must be a Polars duration string such as '1s', '250ms', '15m', "
                f"'1h' or '1d', or a datetime.timedelta; got {per!r}"
            )
        calendar = [u for _, u in parts if u in _CALENDAR_UNITS]
        if calendar:
            raise ValueError(
                f"{name}: {what} must have a fixed length; {per!r} uses the calendar unit "
                f"{calendar[0]!r}, whose length varies. Use fixed units: ns, us, ms, s, m, h, d, w"
            )
        ns = sum(int(n) * _FIXED_UNITS_NS[u] for n, u in parts)
    else:
        raise TypeError(
            f"{name}: {what} must be a duration string (for example '1s') or a datetime.timedelta, "
            f"got {per!r} of type {type(per).__name__}"
        )
    if ns <= 0:
        raise ValueError(f"{name}: {what} must be a positive duration, got {per!r}")
    if ns >= 2**63:
        raise ValueError(f"{name}: {what} is too long, got {per!r}")
    return ns


def _is_timedelta(value: object) -> bool:
    """A ``datetime.timedelta``, or numpy's ``timedelta64`` (scalar or 0-d array)."""
    dtype = getattr(value, "dtype", None)
    return isinstance(value, dt.timedelta) or getattr(dtype, "kind", None) == "m"


def _number(value: object) -> object:
    """``value`` as a plain Python number where numpy would take it as one.

    numpy scalars and 0-d arrays (``np.float32(2)``, ``np.array(3.0)``) become the
    Python number they hold; anything else is returned as it is, for the caller's
    type check (which refuses ``bool`` and timedeltas: numpy's ``timedelta64`` is an
    integer type to Python's ``numbers``, so it is told apart first).
    """
    if _is_timedelta(value):
        return value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, (int, float)):
            return item
    return value


def _timedelta_hint(value: object) -> str:
    return (
        "; a timedelta is not a number: give time coordinates as x (a Datetime or "
        "Duration column) and the result's unit as per"
        if _is_timedelta(value)
        else ""
    )


def _check_int(value: object, what: str, expected: str = "an integer") -> int:
    """An integer argument (``bool`` is not one): ``TypeError`` for anything else.

    The one integer check of every function; ``what`` names the argument
    (``"derivative: order"``), ``expected`` says what is accepted. numpy integers
    and 0-d integer arrays are integers.
    """
    return int(_of_kind(value, numbers.Integral, what, expected))


def _check_real(value: object, what: str, expected: str) -> float:
    """A real-number argument as numpy takes one (Python and numpy numbers, 0-d
    arrays; not ``bool``, not a timedelta): ``TypeError`` for anything else."""
    return float(_of_kind(value, numbers.Real, what, expected))


def _of_kind(value: object, kind: type, what: str, expected: str) -> Any:
    """``value`` as the plain number of ``kind`` it is (not a bool, not a timedelta)."""
    number = _number(value)
    if isinstance(number, kind) and not isinstance(number, bool) and not _is_timedelta(number):
        return number
    raise TypeError(
        f"{what} must be {expected}, got {value!r} of type {type(value).__name__}"
        + _timedelta_hint(value)
    )


def _check_edge_order(edge_order: object, name: str) -> int:
    edge = _check_int(edge_order, f"{name}: edge_order", "the integer 1 or 2")
    if edge not in (1, 2):
        raise ValueError(f"{name}: edge_order must be 1 or 2, got {edge_order!r}")
    return edge


def _check_order(order: object, name: str) -> int:
    """A derivative's order: an integer ``>= 1``."""
    value = _check_int(order, f"{name}: order")
    if value < 1:
        raise ValueError(f"{name}: order must be at least 1, got {order!r}")
    return value


def _check_spacing(spacing: object, name: str) -> float:
    value = _check_real(spacing, f"{name}: spacing", "a finite, non-zero number")
    if not math.isfinite(value) or value == 0.0:
        raise ValueError(f"{name}: spacing must be a finite, non-zero number, got {spacing!r}")
    return value


def _check_order_accuracy(order: object, accuracy: object) -> tuple[int, int]:
    checked = _check_order(order, "derivative")
    acc = _check_int(accuracy, "derivative: accuracy")
    if acc < 2 or acc % 2:
        raise ValueError(f"derivative: accuracy must be an even integer >= 2, got {accuracy!r}")
    return checked, acc
