"""The declaration calendar: periods named as collectivités type them, their deadline, and the
periods an hébergement is asked for."""

from datetime import date

import pytest

from tenants.declarations import calendar
from tenants.declarations.calendar import Frequency


@pytest.mark.parametrize(("key", "frequency", "start", "end", "label"), [
    ("2026-07", "mensuelle", date(2026, 7, 1), date(2026, 7, 31), "juillet 2026"),
    ("2026-02", "mensuelle", date(2026, 2, 1), date(2026, 2, 28), "février 2026"),
    ("2026-T3", "trimestrielle", date(2026, 7, 1), date(2026, 9, 30), "3e trimestre 2026"),
    ("2026-t1", "trimestrielle", date(2026, 1, 1), date(2026, 3, 31), "1er trimestre 2026"),
    ("2026-S2", "semestrielle", date(2026, 7, 1), date(2026, 12, 31), "2e semestre 2026"),
    ("2026", "annuelle", date(2026, 1, 1), date(2026, 12, 31), "année 2026"),
])
def test_each_frequency_names_its_periods(key, frequency, start, end, label):
    period = calendar.parse(key, frequency)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert calendar.period_of(start, frequency) == period == calendar.period_of(end, frequency)


@pytest.mark.parametrize(("key", "frequency"), [
    ("2026-13", "mensuelle"), ("2026-T3", "mensuelle"), ("2026-07", "trimestrielle"),
    ("2026-T5", "trimestrielle"), ("2026-S3", "semestrielle"), ("1999", "annuelle"),
    ("", "annuelle")])
def test_a_period_of_another_calendar_is_refused_in_french(key, frequency):
    with pytest.raises(ValueError, match="Période"):
        calendar.parse(key, frequency)


def test_the_deadline_is_a_day_of_the_month_after_the_period():
    assert calendar.parse("2026-12", "mensuelle").deadline(15) == date(2027, 1, 15)
    assert calendar.parse("2026-T1", "trimestrielle").deadline(28) == date(2026, 4, 28)


def test_periods_follow_each_other_over_the_new_year():
    december = calendar.parse("2026-12", Frequency.MENSUELLE)
    assert december.next().key == "2027-01" and december.next().previous() == december
    assert calendar.parse("2026-T4", "trimestrielle").next().key == "2027-T1"


def test_from_the_start_date_to_today():
    keys = [p.key for p in calendar.between(date(2026, 5, 20), date(2026, 8, 3), "mensuelle")]
    assert keys == ["2026-05", "2026-06", "2026-07", "2026-08"]
    assert calendar.between(date(2026, 9, 1), date(2026, 8, 3), "mensuelle") == []
