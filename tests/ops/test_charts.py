"""Charts read at a glance: full width, labelled axes, values on hover (SVG titles, no script or inline
style, so a Content-Security-Policy never breaks them), and each shown to the role that needs it."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.admin.charts import CHARTS, WIDTH, line_chart
from ops.models import Sample
from ops.selectors.samples import Series
from tests.ops.conftest import client_for
from tests.ops.test_task_history import task_result

pytestmark = pytest.mark.django_db


def _csp_safe(html: str) -> bool:
    return "<script" not in html and not re.search(r"\sstyle=", html) and not re.search(r"\son[a-z]+=", html)


def test_it_draws_labelled_axes_and_a_value_to_hover_over_for_each_point():
    now = timezone.now()
    chart = line_chart(
        "Queue depth, 24 h",
        [Series("emails", [(now - dt.timedelta(minutes=2), 3.0), (now - dt.timedelta(minutes=1), 12.0)])],
        y_label="messages waiting",
        audience="Support: is work piling up?",
    )
    assert f'viewBox="0 0 {WIDTH} ' in chart and WIDTH >= 900
    assert ">messages waiting</text>" in chart and "time (UTC), last 24 h" in chart
    when = (now - dt.timedelta(minutes=1)).strftime("%H:%M")
    assert f"<title>emails at {when} UTC: 12</title>" in chart
    assert "Support: is work piling up?" in chart and "(now 12)" in chart
    assert _csp_safe(chart)


def test_it_keeps_hover_targets_few_on_a_full_day_of_samples():
    start = timezone.now() - dt.timedelta(hours=24)
    day = [(start + dt.timedelta(minutes=m), float(m % 7)) for m in range(1440)]
    chart = line_chart("busy", [Series("q", day)])
    assert chart.count("<circle") <= 150 and "<polyline" in chart


def test_it_shows_the_connections_chart_to_support_and_each_chart_to_the_roles_that_need_it(sam, stan):
    Sample.objects.create(taken_at=timezone.now(), metric="db.connections", key="total", value=9)
    support = client_for(sam).get(reverse("admin:index")).content.decode()
    for key in ("queue_depth", "tasks_failed", "web_p95", "db_connections"):
        assert CHARTS[key].title in support, key
    assert _csp_safe(support[support.index('id="ops-charts"') : support.index("</figure>", support.rindex("<figure"))])
    database = client_for(sam).get(reverse("admin:ops_database")).content.decode()
    assert "Database connections, 24 h" in database and "total at " in database
    assert 'id="ops-charts"' not in client_for(stan).get(reverse("admin:index")).content.decode()


def test_it_charts_task_runtime_per_task(sam):
    now = timezone.now()
    for minutes in (1, 2, 3):  # each ran 2 s (task_result's default)
        task_result(status="SUCCESS", date_done=now - dt.timedelta(minutes=minutes))
    page = client_for(sam).get(reverse("admin:ops_task_stats")).content.decode()
    assert "Task runtime, last 24 h (p50 and p95)" in page and "runtime (seconds)" in page
    assert re.search(r"<title>scheduled\.ops_echo p95: [\d.]+ s</title>", page)
