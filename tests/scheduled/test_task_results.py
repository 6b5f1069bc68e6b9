"""Which tasks keep a result row: per-email tasks do not, so the results table does not grow per email."""

from portal.celery import app


def test_it_stores_no_result_for_the_per_email_send():
    app.loader.import_default_modules()
    assert app.tasks["scheduled.send_delivery"].ignore_result is True


def test_it_stores_results_for_the_minute_ticks_the_portal_reports_on():
    app.loader.import_default_modules()
    assert app.tasks["scheduled.deliveries_tick"].ignore_result is False
