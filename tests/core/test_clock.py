"""One clock: "today" is Brasília's date, "now" is aware UTC."""

from datetime import UTC, date, datetime

from copass_app import clock


def test_at_22_30_in_brasilia_today_is_still_brasilias_date_while_utc_is_tomorrow():
    with clock.frozen(datetime(2026, 3, 10, 22, 30)):  # naive: Brasília time
        assert clock.now() == datetime(2026, 3, 11, 1, 30, tzinfo=UTC)
        assert clock.today() == date(2026, 3, 10)
        assert clock.local_now().hour == 22


def test_stored_moments_read_back_in_brasilia():
    late_evening = datetime(2026, 3, 11, 1, 30, tzinfo=UTC)
    assert clock.brasilia_date(late_evening) == date(2026, 3, 10)
    assert clock.brasilia_date(late_evening.replace(tzinfo=None)) == date(2026, 3, 10)  # naive = UTC
    assert clock.brasilia_midnight(date(2026, 3, 10)).astimezone(UTC) == datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def test_the_frozen_clock_is_released():
    with clock.frozen(datetime(2020, 1, 1, 12, 0)):
        pass
    assert clock.today().year >= 2026


def test_the_model_defaults_read_the_same_clock():
    from copass_app.models import AuditLog

    with clock.frozen(datetime(2026, 3, 10, 22, 30)):
        assert AuditLog(action="x", entity="y").at == datetime(2026, 3, 11, 1, 30, tzinfo=UTC)
