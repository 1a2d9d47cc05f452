"""When the support team works, and so when a customer waiting for a person can expect one.

Configured by ``CSSECURE_OFFICE_HOURS`` (default ``Mon-Fri 09:00-18:00``) in the time zone
``CSSECURE_OFFICE_TIMEZONE`` (default ``Asia/Shanghai``): one or more spans separated by
``;``, each ``DAYS HH:MM-HH:MM`` where DAYS is a day (``Sat``), a range (``Mon-Fri``) or a
list (``Mon,Wed,Fri``), e.g. ``Mon-Fri 09:00-18:00; Sat 10:00-14:00``.

The promise made to a waiting customer (:meth:`OfficeHours.reply_by`) is ``wait`` of
*office* time: 30 minutes asked for at 10:00 on a Tuesday is 10:30; at 17:50 on a Friday it
is 09:20 on Monday; on a Saturday it is Monday 09:30.

What a customer reads of the hours (:meth:`OfficeHours.describe`, :meth:`OfficeHours.when`,
:meth:`OfficeHours.zone_label`) is in the conversation's language (issue 14): the
connecting words are translated texts, day and month names come from Babel's CLDR data;
English keeps its own wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import language_or_default, tr
from cssecure.settings import Settings

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_KEYS = {name[:3].lower(): index for index, name in enumerate(DAY_NAMES)}
_SPAN = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)
# How far ahead a next opening is looked for (a week has at least one open span).
_HORIZON_DAYS = 15


class OfficeHoursError(ValueError):
    """The office hours setting cannot be read; ``str(exc)`` says what to write instead."""


@dataclass(frozen=True)
class Span:
    """The team works on ``days`` (0 = Monday) from ``opens`` to ``closes``."""

    days: frozenset[int]
    opens: time
    closes: time


def _clock(text: str, setting: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise OfficeHoursError(f"{setting}: {text!r} is not a time of day (HH:MM).")
    return time(hours, minutes)


def _days(text: str, setting: str) -> frozenset[int]:
    found: set[int] = set()
    for part in text.split(","):
        ends = [piece.strip().lower()[:3] for piece in part.split("-")]
        if any(end not in _DAY_KEYS for end in ends) or len(ends) > 2:
            raise OfficeHoursError(
                f"{setting}: {part.strip()!r} is not a day or range of days (e.g. Mon-Fri)."
            )
        first, last = _DAY_KEYS[ends[0]], _DAY_KEYS[ends[-1]]
        day = first
        while True:
            found.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    return frozenset(found)


def parse_spans(text: str, setting: str = "CSSECURE_OFFICE_HOURS") -> tuple[Span, ...]:
    """The spans of an office hours setting.

    Raises:
        OfficeHoursError: unreadable, or no span at all.
    """
    spans = []
    for chunk in (text or "").split(";"):
        if not chunk.strip():
            continue
        match = _SPAN.match(chunk)
        if match is None:
            raise OfficeHoursError(
                f"{setting}: {chunk.strip()!r} is not 'DAYS HH:MM-HH:MM' "
                "(e.g. 'Mon-Fri 09:00-18:00; Sat 10:00-14:00')."
            )
        opens, closes = _clock(match["open"], setting), _clock(match["close"], setting)
        if closes <= opens:
            raise OfficeHoursError(f"{setting}: {chunk.strip()!r} closes before it opens.")
        spans.append(Span(_days(match["days"], setting), opens, closes))
    if not spans:
        raise OfficeHoursError(
            f"{setting} is empty: give at least one span, e.g. Mon-Fri 09:00-18:00."
        )
    return tuple(spans)


def _offset_label(offset: timedelta | None) -> str:
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def day_name(day: int, language: str | None = None) -> str:
    """The name of weekday ``day`` (0 = Monday) in ``language`` (CLDR's, via Babel)."""
    lang = language_or_default(language)
    if lang == DEFAULT_LANGUAGE:
        return DAY_NAMES[day]
    from babel.dates import get_day_names

    from cssecure.i18n.formatting import babel_locale

    return str(get_day_names("wide", locale=babel_locale(lang))[day])


def _day_list(days: frozenset[int], language: str | None = None) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return tr(language, "{first_day} to {last_day}",
                  first_day=day_name(ordered[0], language),
                  last_day=day_name(ordered[-1], language))
    names = [day_name(d, language) for d in ordered]
    if len(names) == 1:
        return names[0]
    if language_or_default(language) == DEFAULT_LANGUAGE:
        return ", ".join(names[:-1]) + " and " + names[-1]
    from babel.lists import format_list

    from cssecure.i18n.formatting import babel_locale

    return format_list(names, locale=babel_locale(language))


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


@dataclass(frozen=True)
class OfficeHours:
    """The team's working hours in one time zone."""

    spans: tuple[Span, ...]
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone: str) -> OfficeHours:
        """Office hours from the two settings' values.

        Raises:
            OfficeHoursError: unreadable hours or an unknown time zone.
        """
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise OfficeHoursError(
                f"CSSECURE_OFFICE_TIMEZONE: {zone!r} is not a time zone name "
                "(e.g. Asia/Shanghai)."
            ) from None
        return cls(parse_spans(text), tz)

    @classmethod
    def from_settings(cls, settings: Settings) -> OfficeHours:
        """``CSSECURE_OFFICE_HOURS`` in ``CSSECURE_OFFICE_TIMEZONE``."""
        return cls.parse(settings.office_hours, settings.office_timezone)

    def _intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals that end after ``start``, in order."""
        local = start.astimezone(self.zone)
        day: date = local.date() - timedelta(days=1)  # a span may still be open from before
        for _ in range(_HORIZON_DAYS):
            todays = sorted(
                (s for s in self.spans if day.weekday() in s.days), key=lambda s: s.opens
            )
            for span in todays:
                opens = datetime.combine(day, span.opens, tzinfo=self.zone)
                closes = (
                    datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
                    if span.closes == time.max
                    else datetime.combine(day, span.closes, tzinfo=self.zone)
                )
                if closes > start:
                    yield opens, closes
            day += timedelta(days=1)

    def is_open(self, at: datetime) -> bool:
        """Whether the team works at ``at`` (an aware datetime)."""
        return any(opens <= at < closes for opens, closes in self._intervals(at))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` if the team works then, else when it next starts (in the office's zone)."""
        for opens, _closes in self._intervals(at):
            return max(opens, at).astimezone(self.zone)
        raise OfficeHoursError("The office hours have no opening in the next two weeks.")

    def reply_by(self, start: datetime, wait: timedelta) -> datetime:
        """When ``wait`` of office time after ``start`` has passed (in the office's zone)."""
        remaining = wait
        for opens, closes in self._intervals(start):
            begin = max(opens, start)
            if remaining <= closes - begin:
                return (begin + remaining).astimezone(self.zone)
            remaining -= closes - begin
        raise OfficeHoursError("The office hours have no opening in the next two weeks.")

    def zone_label(self, at: datetime, language: str | None = None) -> str:
        """``Asia/Shanghai time, UTC+8`` (the offset at ``at``), in ``language``."""
        return tr(language, "{zone} time, {offset}", zone=self.zone.key,
                  offset=_offset_label(at.astimezone(self.zone).utcoffset()))

    def describe(self, at: datetime, language: str | None = None) -> str:
        """The hours in words: ``Monday to Friday 09:00-18:00, Asia/Shanghai time, UTC+8``
        (in ``language``; the clock is written 24-hour in every language)."""
        parts = [
            f"{_day_list(s.days, language)} {_hhmm(s.opens)}-{_hhmm(s.closes)}"
            for s in self.spans
        ]
        return f"{'; '.join(parts)}, {self.zone_label(at, language)}"

    def when(self, moment: datetime, now: datetime, language: str | None = None) -> str:
        """``moment`` for a customer, relative to ``now``: ``today at 14:30``, ``tomorrow at
        09:30``, ``Monday at 09:30`` (within a week) or ``on 12 March at 09:30`` (in
        ``language``)."""
        local, today = moment.astimezone(self.zone), now.astimezone(self.zone).date()
        clock = local.strftime("%H:%M")
        days = (local.date() - today).days
        if days <= 0:
            return tr(language, "today at {clock}", clock=clock)
        if days == 1:
            return tr(language, "tomorrow at {clock}", clock=clock)
        if days < 7:
            return tr(language, "{weekday} at {clock}",
                      weekday=day_name(local.weekday(), language), clock=clock)
        return tr(language, "on {day_and_month} at {clock}",
                  day_and_month=_day_and_month(local.date(), language), clock=clock)

    def when_in_zone(self, moment: datetime, now: datetime, language: str | None = None) -> str:
        """:meth:`when` with the office's zone: ``today at 09:30 (Asia/Shanghai time,
        UTC+8)``. A customer in Europe reads a bare "today at 09:30" in their own time (and
        the office's "today" may be their tomorrow; issue 14 trial)."""
        return f"{self.when(moment, now, language)} ({self.zone_label(now, language)})"


def _day_and_month(day: date, language: str | None) -> str:
    """``12 March`` (CLDR's day-and-month form outside English: ``12. März``, ``12 de
    marzo``)."""
    if language_or_default(language) == DEFAULT_LANGUAGE:
        return f"{day.day} {day.strftime('%B')}"
    from babel.dates import format_skeleton

    from cssecure.i18n.formatting import babel_locale

    return format_skeleton("MMMMd", day, locale=babel_locale(language))
