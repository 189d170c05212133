"""A reader of Prometheus' ``.test`` files: ``load``, ``clear`` and the ``eval`` commands of one
function of the rate family over one range selector, with their samples and expected values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FUNCTIONS = (
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "deriv",
    "predict_linear",
    "resets",
    "changes",
)
_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_536_000_000,
}
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_NUMBER = r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|Inf|inf|NaN|nan)"
_EXPAND = re.compile(rf"^({_NUMBER})(?:([+-])({_NUMBER}))?x(\d+)$")
_SERIES = re.compile(r"^\s*([a-zA-Z_:][\w:]*)?\s*(\{[^}]*\})?\s*(.*)$")
_QUERY = re.compile(
    rf"^(?P<f>{'|'.join(FUNCTIONS)})\(\s*(?P<paren>\()?\s*(?P<name>[a-zA-Z_:][\w:]*)?"
    r"(?P<m>\{[^}]*\})?\[(?P<range>[^\]:]+)\](?:\s+offset\s+(?P<offset>-?[0-9a-z]+))?"
    r"(?:\s*@\s*(?P<at>\d+(?:\.\d+)?))?\s*"
    r"(?(paren)\))\s*(?:,\s*(?P<ahead>" + _NUMBER + r"|[0-9a-z]+)\s*)?\)$"
)
_DURATION_TOKEN = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")


def duration_ms(text: str) -> int:
    """A PromQL duration (``5m``, ``15m1s``, ``-4000s``, or plain seconds ``600``) in ms."""
    if text.startswith("-"):
        return -duration_ms(text[1:])
    if text.isdigit():
        return int(text) * 1000
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(text)
    return sum(int(n) * _UNITS_MS[u] for n, u in parts)


def duration_expression_ms(text: str) -> int:
    """A range given as a duration expression (``26m+4m``, ``2m*(10+5)``, ``1h30m % 1h``,
    ``60*30``): durations in seconds, numbers as they are, the result in seconds."""
    arithmetic = _DURATION_TOKEN.sub(lambda m: str(duration_ms(m.group(0)) / 1000), text)
    if not re.fullmatch(r"[0-9.+\-*/%() ]+", arithmetic):
        raise ValueError(text)
    seconds = eval(arithmetic, {"__builtins__": {}})  # digits and operators only
    return round(float(seconds) * 1000)


def matchers(text: str | None, name: str | None) -> list[tuple[str, str, str]] | None:
    """A selector's label matchers (``=``, ``!=``, ``=~``, ``!~``), the name as one."""
    out = [] if name is None else [("__name__", "=", name)]
    body = (text or "{}").strip()[1:-1].strip()
    pattern = r"""\s*(\w+)\s*(=~|!=|!~|=)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*,?"""
    found = re.findall(pattern, body)
    if body and not found:
        return None
    out += [(key, op, a or b) for key, op, a, b in found]
    return out


def _is_regex(value: str) -> bool:
    """Whether Python reads ``value`` as PromQL (RE2) does, as far as these tests go."""
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def selects(selector: list[tuple[str, str, str]], series: frozenset[tuple[str, str]]) -> bool:
    """Whether every matcher holds for the series' labels (regexes anchored, as PromQL's)."""
    have = dict(series)
    for key, op, value in selector:
        got = have.get(key, "")
        ok = {
            "=": got == value,
            "!=": got != value,
            "=~": re.fullmatch(value, got) is not None,
            "!~": re.fullmatch(value, got) is None,
        }[op]
        if not ok:
            return False
    return True


def labels(text: str | None, name: str | None) -> frozenset[tuple[str, str]] | None:
    """``{a="b", c="d"}`` (equality only; None for other matchers) with the metric name."""
    out = {} if name is None else {"__name__": name}
    body = (text or "{}").strip()[1:-1].strip()
    if body:
        for part in re.findall(r'\s*([\w]+)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"\s*,?', body):
            key, op, value = part
            if op != "=":
                return None
            out[key] = value
    return frozenset(out.items())


def points(text: str) -> list[float | None] | None:
    """Expanding notation to values, ``None`` for a missing (or stale) point; ``None``
    for a line of histograms."""
    if "{{" in text:
        return None
    out: list[float | None] = []
    for tok in text.split():
        if tok in ("_", "stale"):
            out.append(None)
            continue
        if tok.startswith("_x"):
            out += [None] * int(tok[2:])
            continue
        m = _EXPAND.match(tok)
        if m:
            a = float(m.group(1))
            b = 0.0 if m.group(2) is None else float(m.group(3)) * (1 if m.group(2) == "+" else -1)
            out += [a + k * b for k in range(int(m.group(4)) + 1)]
            continue
        try:
            out.append(float(tok))
        except ValueError:
            return None  # notation this reader does not know: the series is skipped
    return out


@dataclass
class Case:
    """One ``eval`` of one function over one selector, at one or more times (ms)."""

    where: str
    query: str
    function: str
    window_ms: int
    offset_ms: int
    ahead: float | None
    times: list[int]
    #: each selected float series: its labels (without the name) and samples (t ms, value)
    series: dict[frozenset[tuple[str, str]], list[tuple[int, float]]]
    #: expected per output series: one value per time, None where absent
    expected: dict[frozenset[tuple[str, str]], list[float | None]] = field(default_factory=dict)
    #: where each time's window ends (ms): the time less the offset, or the ``@`` time
    ends: list[int] = field(default_factory=list)


#: the evals of the rate family skipped, with where they are (for a reader's check)
SKIPPED: list[tuple[str, str]] = []


def read(path: Path) -> tuple[list[Case], int]:
    """The cases of a file this reader understands, and how many evals of the rate family
    it skipped (histograms, other matchers, subqueries, ``@``, modifiers, ...)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    store: dict[frozenset[tuple[str, str]], list[tuple[int, float | None]] | None] = {}
    cases: list[Case] = []
    skipped = 0
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        block: list[str] = []
        while i < len(lines) and lines[i][:1] in (" ", "\t") and lines[i].strip():
            block.append(lines[i].strip())
            i += 1
        if line == "clear":
            store = {}
        elif line.startswith(("load ", "load_with_nhcb ")):
            # load_with_nhcb loads the float series as they are (and histograms beside them)
            step = duration_ms(line.split()[1])
            for entry in block:
                if entry.startswith("#"):
                    continue
                m = _SERIES.match(entry.split("{{")[0])
                assert m is not None
                key = labels(m.group(2), m.group(1))
                values = None if "{{" in entry else points(m.group(3))
                if key is None:
                    continue
                if values is None or (key in store and store[key] is None):
                    # Histograms, start timestamps (@st) or other notation: not float
                    # samples as this package reads them; the series is left out.
                    store[key] = None
                    continue
                old = store.get(key) or []
                store[key] = old + [(k * step, v) for k, v in enumerate(values)]
        elif line.startswith("eval"):
            case = _eval(line, block, store, f"{path.name}:{i}")
            if case is False:
                skipped += 1
            elif isinstance(case, Case):
                cases.append(case)
    return cases, skipped


def _eval(line: str, block: list[str], store: dict[Any, Any], where: str) -> Case | bool | None:
    """The case of an ``eval`` line, None when it is not of the rate family, False when it
    is but this reader does not handle it."""
    m = re.match(r"^eval(?:_ordered|_warn|_info)?\s+instant\s+at\s+(\S+)\s+(.*)$", line)
    r = re.match(
        r"^eval(?:_ordered|_warn|_info)?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.*)$",
        line,
    )
    if m:
        times, query = [duration_ms(m.group(1))], m.group(2).strip()
    elif r:
        a, b, s = (duration_ms(r.group(k)) for k in (1, 2, 3))
        times, query = list(range(a, b + 1, s)), r.group(4).strip()
    else:
        return None
    if not re.match(rf"^({'|'.join(FUNCTIONS)})\(", query):
        return None
    q = _QUERY.match(query)
    if q is None or any(b.startswith("expect fail") for b in block):
        SKIPPED.append((where, query))
        return False
    selector = matchers(q.group("m"), q.group("name"))
    if selector is None or not all(_is_regex(v) for _, op, v in selector if "~" in op):
        return False
    try:
        window = duration_expression_ms(q.group("range"))
        offset = duration_ms(q.group("offset") or "0s")
    except ValueError:
        return False
    chosen = {k: v for k, v in store.items() if selects(selector, k)}
    if any(v is None for v in chosen.values()) and all(v is None for v in chosen.values()):
        return False  # histogram series only
    unsupported = {
        frozenset((a, b) for a, b in k if a != "__name__") for k, v in chosen.items() if v is None
    }
    chosen = {k: v for k, v in chosen.items() if v is not None}
    at = q.group("at")
    ends = [(round(float(at) * 1000) if at else t) - offset for t in times]
    # predict_linear's line is at the query's time plus ahead: one ahead per case.
    if q.group("f") == "predict_linear" and len({t - e for t, e in zip(times, ends)}) > 1:
        return False
    if not chosen and any(not b.startswith(("expect", "#")) for b in block):
        return False  # values expected of series that are not float series (histograms)
    series = {
        frozenset((a, b) for a, b in k if a != "__name__"): [
            (t, v) for t, v in vals if v is not None
        ]
        for k, vals in chosen.items()
    }
    case = Case(where, query, q.group("f"), window, offset, None, times, series, ends=ends)
    ahead = q.group("ahead")
    if ahead is not None:
        try:
            case.ahead = float(ahead)
        except ValueError:
            case.ahead = duration_ms(ahead) / 1000
        # From the window's end: the query's time less that end, then ahead.
        case.ahead += (times[0] - ends[0]) / 1000

    for entry in block:
        if entry.startswith(("expect", "#")):
            continue
        if "{{" in entry:
            return False
        e = _SERIES.match(entry)
        assert e is not None
        key = labels(e.group(2), e.group(1))
        values = points(e.group(3))
        if key is None or values is None or len(values) != len(times):
            return False
        out_key = frozenset((a, b) for a, b in key if a != "__name__")
        if out_key not in unsupported:
            case.expected[out_key] = values
    return case


def almost_equal(a: float, b: float, epsilon: float = 1e-6) -> bool:
    """Prometheus' ``almost.Equal`` (util/almost), as promqltest compares values."""
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    abs_sum, diff = abs(a) + abs(b), abs(a - b)
    min_normal = 2.2250738585072014e-308
    if a == 0 or b == 0 or abs_sum < min_normal:
        return diff < epsilon * min_normal
    return diff / min(abs_sum, 1.7976931348623157e308) < epsilon
