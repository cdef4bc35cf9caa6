"""When a cron schedule last fired (the passports' reconciliation schedules, UTC), pure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # minute, hour, day of month, month, day of week
LOOK_BACK_DAYS = 1_500  # over four years (a leap day); a schedule that fired in none is taken as never firing


class ScheduleError(ValueError):
    """A cron expression that cannot be read."""


def parse_field(text: str, low: int, high: int) -> frozenset[int]:
    """Return the values a cron field allows: `*`, `n`, `a-b`, `*/s`, `a-b/s`, and lists of them."""
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if spec == "*":
            start, end = low, high
        elif "-" in spec:
            start, end = (int(v) for v in spec.split("-", 1))
        else:
            start = end = int(spec)
        if not (low <= start <= end <= high) or step < 1:
            raise ScheduleError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def previous_fire_ms(cron: str, at_ms: int) -> int | None:
    """Return when the schedule last fired at or before at_ms (epoch ms, UTC), or None when it never did lately."""
    fields = cron.split()
    if len(fields) != 5:
        raise ScheduleError(f"{cron!r} does not have five fields")
    try:
        minutes, hours, days, months, weekdays = (parse_field(f, lo, hi) for f, (lo, hi) in zip(fields, FIELD_RANGES))
    except ValueError as exc:
        raise ScheduleError(f"{cron!r}: {exc}") from exc
    weekdays = frozenset(7 if d == 0 else d for d in weekdays)  # cron's Sunday is 0 or 7; isoweekday's is 7
    any_day, any_weekday = fields[2] == "*", fields[4] == "*"
    at = datetime.fromtimestamp(at_ms / 1000, tz=timezone.utc)
    for back in range(LOOK_BACK_DAYS):
        day = (at - timedelta(days=back)).date()
        if day.month not in months or not _day_matches(day, days, weekdays, any_day, any_weekday):
            continue
        for hour in sorted(hours, reverse=True):
            for minute in sorted(minutes, reverse=True):
                fire = datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)
                if fire <= at:
                    return int(fire.timestamp() * 1000)
    return None


def _day_matches(day, days: frozenset[int], weekdays: frozenset[int], any_day: bool, any_weekday: bool) -> bool:
    by_date, by_weekday = day.day in days, day.isoweekday() in weekdays
    if any_day or any_weekday:  # cron: when one of the two is restricted, only it counts
        return by_date and by_weekday
    return by_date or by_weekday  # both restricted: either will do
