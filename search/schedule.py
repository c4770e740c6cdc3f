"""When lessons are, as the search reads it: one bit per (weekday, part of day) cell, numbered as
catalog_schedule_bit() numbers them (catalog/migrations/sql/0008_listing.sql: by the lesson's start,
before 12:00, before 17:00, later), which sets Program.schedule_mask and GroupFreeSeats.free_bits.
Shared by the SQL search (search.selectors) and the index (search.engine)."""

from catalog.models import ScheduleSlot

TIME_OF_DAY = {"morning": 0, "afternoon": 1, "evening": 2}
CELLS = len(ScheduleSlot.Weekday.values) * len(TIME_OF_DAY)


def schedule_bit(weekday: int, part: int) -> int:
    """The bit of Program.schedule_mask for lessons on a weekday (0 = Monday) in a part of the day."""
    return 1 << (weekday * 3 + part)


def schedule_bits(weekdays: tuple[int, ...], time_of_day: str) -> int:
    """Every bit a program's open groups may have to match the weekday and time-of-day filters:
    a lesson on one of the weekdays (any, when none is chosen) in the chosen part of the day (any)."""
    days = weekdays or tuple(ScheduleSlot.Weekday.values)
    parts = (TIME_OF_DAY[time_of_day],) if time_of_day else tuple(TIME_OF_DAY.values())
    mask = 0
    for day in days:
        for part in parts:
            mask |= schedule_bit(day, part)
    return mask


def cells_of(mask: int) -> list[int]:
    """The cells (bit numbers) set in a mask."""
    return [bit for bit in range(CELLS) if mask >> bit & 1]
