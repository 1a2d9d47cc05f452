"""The CSSecure terms in force on a date, read from the dated parameters in ``terms.yaml``.

Each parameter keeps every value it ever had, keyed by the date it took effect (as
openfisca/country-template does). ``load_terms(on)`` takes, for each parameter, the latest
value dated on or before ``on``; a date before the first value takes the first value (the
plan-start rule then refuses such parcels anyway). The result is cached per version, so
assessing costs no YAML parsing.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from cssecure import yaml_files

DEFAULT_SOURCE = Path(__file__).resolve().parent / "terms.yaml"

# Every parameter the rules read; load_terms refuses a file that lacks one.
PARAMETER_NAMES = (
    "plan_start",
    "premium_rate",
    "maximum_insured_value",
    "insured_value_limits",
    "damage_report_window_days",
    "loss_wait_months",
    "delay_threshold_days",
    "delay_refund_rate",
    "lines_without_delay_refund",
    "lines_without_return_cover",
    "biy_rate_per_kg",
    "biy_maximum",
    "evidence_due_days",
)


class TermsError(ValueError):
    """The terms file is not usable (a parameter, unit, reference or value is missing)."""


@dataclass(frozen=True, slots=True)
class InsuredValueLimit:
    """A limit that replaces the maximum insured value for a line and/or destination.

    Attributes:
        label: How the customer knows it ("China Post SAL to Germany").
        line: Line id it applies to; None for any line.
        destination: ISO code it applies to; None for any destination.
        goods_maximum: Most the goods may be insured for.
        plus_shipping_fee: Whether the full shipping fee may be insured on top.
    """

    label: str
    line: str | None
    destination: str | None
    goods_maximum: Decimal
    plus_shipping_fee: bool

    def applies(self, line_id: str | None, country: str | None) -> bool:
        """Whether the limit applies to a parcel; an unknown line/country never matches."""
        return (self.line is None or self.line == line_id) and (
            self.destination is None or self.destination == country
        )


@dataclass(frozen=True, slots=True)
class Terms:
    """The values of every parameter in force on one date.

    Attributes mirror the parameters of ``terms.yaml`` (see each one's description and
    reference there); ``version`` is the newest effective date among the values used.
    """

    version: str
    plan_start: date
    premium_rate: Decimal
    maximum_insured_value: Decimal
    insured_value_limits: tuple[InsuredValueLimit, ...]
    damage_report_window_days: int
    loss_wait_months: int
    delay_threshold_days: int
    delay_refund_rate: Decimal
    lines_without_delay_refund: frozenset[str]
    lines_without_return_cover: frozenset[str]
    biy_rate_per_kg: Decimal
    biy_maximum: Decimal
    evidence_due_days: int

    def limit_for(self, line_id: str | None, country: str | None) -> InsuredValueLimit | None:
        """The first limit that applies to the line and destination, if any."""
        for limit in self.insured_value_limits:
            if limit.applies(line_id, country):
                return limit
        return None


@dataclass(frozen=True, slots=True)
class _Schedule:
    """One source file's parameters: name -> sorted (effective date, raw value) pairs."""

    parameters: Mapping[str, tuple[tuple[date, Any], ...]]
    change_dates: tuple[date, ...]


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise TermsError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


# mutmut 3 does not mutate a decorated function: each table builder and lookup here is a
# plain function, cached where it is named (tests/mutation_caches.py empties the caches
# before each test of a mutation run).
def _read_schedule(source: Path) -> _Schedule:
    """Read and check a terms file once."""
    document = yaml_files.load_file(source)
    if not isinstance(document, dict):
        raise TermsError(f"{source}: expected a mapping of parameters")
    parameters: dict[str, tuple[tuple[date, Any], ...]] = {}
    for name in PARAMETER_NAMES:
        node = document.get(name)
        if not isinstance(node, dict):
            raise TermsError(f"{source}: parameter {name} is missing")
        for key in ("description", "unit", "reference", "values"):
            if not node.get(key):
                raise TermsError(f"{source}: parameter {name} has no {key}")
        values = node["values"]
        if not isinstance(values, dict):
            raise TermsError(f"{source}: {name}.values must map dates to values")
        dated = []
        for when, entry in values.items():
            if not isinstance(entry, dict) or "value" not in entry:
                raise TermsError(f"{source}: {name}.values.{when} needs a `value`")
            dated.append((_as_date(when, f"{name}.values"), entry["value"]))
        parameters[name] = tuple(sorted(dated, key=lambda pair: pair[0]))
    change_dates = sorted({when for dated in parameters.values() for when, _ in dated})
    return _Schedule(parameters=parameters, change_dates=tuple(change_dates))


_schedule = lru_cache(maxsize=8)(_read_schedule)


def _decimal(value: Any) -> Decimal:
    # str() first: a YAML float such as 0.03 must become Decimal("0.03"), not its binary value.
    return Decimal(str(value))


def _limits(raw: Any) -> tuple[InsuredValueLimit, ...]:
    return tuple(
        InsuredValueLimit(
            label=str(row["label"]),
            line=row.get("line"),
            destination=row.get("destination"),
            goods_maximum=_decimal(row["goods_maximum"]),
            plus_shipping_fee=bool(row.get("plus_shipping_fee", False)),
        )
        for row in raw or ()
    )


def _build_terms_at(source: Path, version_date: date) -> Terms:
    """Build the terms from each parameter's latest value dated on or before version_date."""
    schedule = _schedule(source)
    current: dict[str, Any] = {}
    used: list[date] = []
    for name, dated in schedule.parameters.items():
        index = bisect.bisect_right([when for when, _ in dated], version_date) - 1
        when, value = dated[max(index, 0)]
        current[name] = value
        used.append(when)
    return Terms(
        version=max(used).isoformat(),
        plan_start=_as_date(current["plan_start"], "plan_start"),
        premium_rate=_decimal(current["premium_rate"]),
        maximum_insured_value=_decimal(current["maximum_insured_value"]),
        insured_value_limits=_limits(current["insured_value_limits"]),
        damage_report_window_days=int(current["damage_report_window_days"]),
        loss_wait_months=int(current["loss_wait_months"]),
        delay_threshold_days=int(current["delay_threshold_days"]),
        delay_refund_rate=_decimal(current["delay_refund_rate"]),
        lines_without_delay_refund=frozenset(current["lines_without_delay_refund"] or ()),
        lines_without_return_cover=frozenset(current["lines_without_return_cover"] or ()),
        biy_rate_per_kg=_decimal(current["biy_rate_per_kg"]),
        biy_maximum=_decimal(current["biy_maximum"]),
        evidence_due_days=int(current["evidence_due_days"]),
    )


_terms_at = lru_cache(maxsize=64)(_build_terms_at)


def load_terms(on: date | None = None, source: Path | None = None) -> Terms:
    """The terms in force on a date.

    Args:
        on: The date (default: today).
        source: Another terms file with the same parameters (tests, a draft change of
            terms); default: the package's ``terms.yaml``.

    Returns:
        The cached ``Terms`` of the version in force on ``on``.

    Raises:
        TermsError: The file lacks a parameter, a unit, a reference or a value.
    """
    path = DEFAULT_SOURCE if source is None else source.resolve()
    changes = _schedule(path).change_dates
    index = bisect.bisect_right(changes, on or date.today()) - 1
    return _terms_at(path, changes[max(index, 0)])
