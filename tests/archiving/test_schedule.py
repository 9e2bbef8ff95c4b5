"""The beat schedule lives in code and runs in Swedish time."""

from django.conf import settings

from haparanda_social.celery import app


def _entry(task_name):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == task_name]
    assert len(entries) == 1, task_name
    return entries[0]["schedule"]


def test_beat_schedule_runs_the_yearly_snapshots_on_2_january_at_3_in_stockholm():
    import archiving.tasks  # noqa: F401  (registers the tasks)

    schedule = _entry("archiving.tasks.schedule_yearly_snapshots")
    assert "archiving.tasks.schedule_yearly_snapshots" in app.tasks
    assert app.conf.timezone == "Europe/Stockholm"
    assert schedule.month_of_year == {1}
    assert schedule.day_of_month == {2}
    assert (schedule.hour, schedule.minute) == ({3}, {0})


def test_beat_schedule_has_a_daily_catch_up_and_a_weekly_fixity_check():
    import archiving.tasks  # noqa: F401

    catch_up = _entry("archiving.tasks.catch_up_snapshots")
    fixity = _entry("archiving.tasks.check_fixity")
    assert len(catch_up.day_of_week) == 7
    assert len(fixity.day_of_week) == 1
    for name in ("archiving.tasks.catch_up_snapshots", "archiving.tasks.check_fixity"):
        assert name in app.tasks
