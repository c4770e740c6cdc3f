from datetime import date


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on `day` (a 29 February birthday counts from 1 March in other years)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
