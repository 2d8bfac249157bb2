"""Scenarios: what a logistics firm wants to try against the baseline.

A scenario closes or opens registry entries (crossings, ports), changes a
crossing's dwell or fee, scales speeds per mode, or picks a month (ports
marked ``ice`` close in :data:`corridor.settings.Settings.ice_months`).
Applying one (:func:`corridor.network.apply_scenario`) never changes the base
network.

Examples
--------
>>> from corridor.scenario import Scenario
>>> s = Scenario(close=("quanhe-wonjong",), dwell={"hunchun-makhalino": 24})
>>> s.label
'close quanhe-wonjong; dwell hunchun-makhalino=24h'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridor.errors import InputError
from corridor.io import read_toml


def _number(value: Any, what: str, lo: float = 0.0, allow_equal: bool = True) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(v) or v < lo or (v == lo and not allow_equal):
        op = ">=" if allow_equal else ">"
        raise InputError(f"{what}: {value!r} must be a number {op} {lo:g}")
    return v


@dataclass(frozen=True)
class Scenario:
    """A set of changes to the base network.

    Parameters
    ----------
    close, open : tuple of str
        Registry ids (crossings or ports) to close or to open (a ``planned``
        crossing is closed unless opened).
    dwell, fee : dict
        Crossing id -> dwell hours / fee in USD per tonne.
    speed_factor : dict
        Mode (``road``, ``rail``, ``sea``) -> multiplier on speed.
    month : int or None
        1-12; ports marked ``ice`` close in the settings' ice months.
    name : str
        A label for tables and maps; derived from the changes when empty.
    """

    close: tuple[str, ...] = ()
    open: tuple[str, ...] = ()
    dwell: dict[str, float] = field(default_factory=dict)
    fee: dict[str, float] = field(default_factory=dict)
    speed_factor: dict[str, float] = field(default_factory=dict)
    month: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "close", tuple(self.close))
        object.__setattr__(self, "open", tuple(self.open))
        both = set(self.close) & set(self.open)
        if both:
            raise InputError(f"scenario both closes and opens {', '.join(sorted(both))}; choose one")
        for k, v in self.dwell.items():
            _number(v, f"dwell for {k}")
        for k, v in self.fee.items():
            _number(v, f"fee for {k}")
        for k, v in self.speed_factor.items():
            if k not in ("road", "rail", "sea"):
                raise InputError(f"speed factor for unknown mode {k!r}; valid: road, rail, sea")
            _number(v, f"speed factor for {k}", 0.0, allow_equal=False)
        if self.month is not None and (isinstance(self.month, bool) or not isinstance(self.month, int)
                                       or not 1 <= self.month <= 12):
            raise InputError(f"month {self.month!r} must be a whole number 1-12")

    @property
    def is_baseline(self) -> bool:
        return not (self.close or self.open or self.dwell or self.fee or self.speed_factor or self.month)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        parts = [f"close {c}" for c in self.close] + [f"open {c}" for c in self.open]
        parts += [f"dwell {k}={v:g}h" for k, v in self.dwell.items()]
        parts += [f"fee {k}=${v:g}/t" for k, v in self.fee.items()]
        parts += [f"{k} speed x{v:g}" for k, v in self.speed_factor.items()]
        if self.month:
            parts.append(f"month {self.month}")
        return "; ".join(parts) or "baseline"

    def key(self) -> tuple:
        """A hashable key (for caches)."""
        return (self.close, self.open, tuple(sorted(self.dwell.items())), tuple(sorted(self.fee.items())),
                tuple(sorted(self.speed_factor.items())), self.month)

    def ids(self) -> set[str]:
        """Every registry id this scenario names."""
        return set(self.close) | set(self.open) | set(self.dwell) | set(self.fee)


BASELINE = Scenario()


def parse_assignments(items: list[str] | None, what: str) -> dict[str, float]:
    """Parse ``ID=NUMBER`` command-line items (``--dwell quanhe-wonjong=12``)."""
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--{what} {item!r}: expected ID=NUMBER, e.g. quanhe-wonjong=12")
        out[key.strip()] = _number(value, f"--{what} {key}")
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read a TOML scenario file.

    Examples
    --------
    A file might read::

        name = "Quanhe closed, long dwell at Makhalino"
        close = ["quanhe-wonjong"]
        open = ["tumangang-khasan-road"]
        month = 1
        [dwell]
        hunchun-makhalino = 24
        [speed_factor]
        rail = 0.8
    """
    path = Path(path)
    data = read_toml(path, "scenario")
    valid = {"name", "close", "open", "dwell", "fee", "speed_factor", "month"}
    unknown = set(data) - valid
    if unknown:
        raise InputError(f"{path}: unknown scenario keys {', '.join(sorted(unknown))}; valid: {', '.join(sorted(valid))}")
    for key in ("close", "open"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"{path}: {key} must be a list of registry ids")
    for key in ("dwell", "fee", "speed_factor"):
        if not isinstance(data.get(key, {}), dict):
            raise InputError(f"{path}: [{key}] must be a table")
    return Scenario(
        close=tuple(data.get("close", ())), open=tuple(data.get("open", ())),
        dwell=dict(data.get("dwell", {})), fee=dict(data.get("fee", {})),
        speed_factor=dict(data.get("speed_factor", {})), month=data.get("month"),
        name=str(data.get("name", "")),
    )


def merge(base: Scenario, other: Scenario) -> Scenario:
    """``other``'s changes on top of ``base`` (command-line options over a file)."""
    close = tuple(dict.fromkeys(c for c in base.close + other.close if c not in other.open))
    opened = tuple(dict.fromkeys(c for c in base.open + other.open if c not in other.close))
    return Scenario(close=close, open=opened, dwell={**base.dwell, **other.dwell}, fee={**base.fee, **other.fee},
                    speed_factor={**base.speed_factor, **other.speed_factor},
                    month=other.month or base.month, name=other.name or base.name)
