"""The task history page's markup: its filter sidebar, action bar, search form and pagination are kept per
process under exactly what they show, and its rows are formatted in one go; each is checked against what
the admin's own templates and the cell-by-cell rows render, for every role and state of the page."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from ops.admin.tasks import filters as task_filters
from ops.templatetags import ops_changelist, ops_tables
from tests.ops.conftest import client_for
from tests.ops.test_task_history import task_result

pytestmark = pytest.mark.django_db

URL = "admin:django_celery_results_taskresult_changelist"
QUERIES = ("", "?status=FAILURE", "?task_name=scheduled.ops_echo&done=24h", "?q=gibberish",
           "?task_name=scheduled.ops_echo&p=2",
           "?status=SUCCESS&worker=w1%40host&p=2", "?done=7d&status=RETRY")


def _page(client, query: str) -> str:
    html = client.get(reverse(URL) + query).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)


@pytest.fixture
def rows():
    now = timezone.now()
    for n in range(60):  # more than a page: pagination links
        task_result(status="FAILURE" if n % 7 == 0 else "SUCCESS", date_done=now - dt.timedelta(minutes=n),
                    worker=None if n % 5 == 0 else "w1@host", meta='{"retries": 2}' if n % 3 == 0 else "{}")


@pytest.fixture(autouse=True)
def _forget():
    ops_changelist.forget()
    task_filters.forget_choices()
    yield
    ops_changelist.forget()


@pytest.mark.parametrize("persona", ["sam", "dev", "root"])
def test_kept_fragments_are_what_the_admin_renders_for_each_person_and_query(persona, request, rows):
    client = client_for(request.getfixturevalue(persona))
    for query in QUERIES:
        ops_changelist.forget()
        fresh = _page(client, query)  # rendered by the admin's templates, then kept
        assert _page(client, query) == fresh, query  # from what was kept
    assert all(len(kept) for name, kept in ops_changelist.kept.items() if name != "actions" or persona != "sam")
    # Nothing of one request's own is kept: no CSRF token, no session, no messages.
    fragments = [html for kept in ops_changelist.kept.values() for html in kept._html.values()]
    assert not any("csrfmiddlewaretoken" in html or "messagelist" in html for html in fragments)


def test_fragments_follow_the_query_the_person_and_the_choices(sam, root, rows):
    root_page, sam_page = _page(client_for(root), ""), _page(client_for(sam), "")
    failed = _page(client_for(root), "?status=FAILURE")
    sidebar = lambda html: html.split('id="changelist-filter"', 1)[1].split("</nav>", 1)[0]  # noqa: E731
    assert 'class="selected"' in sidebar(failed) and "Clear all filters" in failed
    assert sidebar(failed) != sidebar(root_page) and "Clear all filters" not in root_page
    # Actions come with the retry permission: root has them, support does not.
    assert 'name="action"' in root_page and "Retry selected tasks" in root_page
    assert 'name="action"' not in sam_page and 'name="_selected_action"' not in sam_page
    # Page 2's pagination marks page 2 (a filter: counted exactly); a search keeps its term in the search box.
    second = _page(client_for(root), "?task_name=scheduled.ops_echo&p=2")
    assert '<span class="this-page">2</span>' in second and "?p=1&amp;task_name=scheduled.ops_echo" in second
    assert 'value="needle &lt;b&gt;"' in _page(client_for(root), "?q=needle+%3Cb%3E")


def test_a_new_schedule_shows_in_the_kept_sidebar_once_the_choices_are_read_again(root, rows):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    client = client_for(root)
    assert "nightly-export" not in _page(client, "")
    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="nightly-export", task="scheduled.export_build", interval=every)
    task_filters.forget_choices()  # choices are read again at most every CHOICES_SECONDS
    assert "nightly-export" in _page(client, "")


def test_a_resubmitted_action_form_is_rendered_as_the_admin_would(root, rows):
    client = client_for(root)
    response = client.post(reverse(URL), {"action": "retry_selected", "index": 0})  # nothing selected
    assert response.status_code == 302
    assert len(ops_changelist.kept["actions"]) == 0  # nothing kept from a bound form


@pytest.mark.parametrize("persona", ["sam", "root"])
def test_rows_in_one_go_are_the_cells_one_by_one(persona, request, rows):
    user = request.getfixturevalue(persona)
    model_admin = admin.site._registry[TaskResult]
    http = RequestFactory().get(reverse(URL))
    http.user = user
    cl = model_admin.get_changelist_instance(http)
    cl.get_results(http)
    names, links = list(cl.list_display), set(cl.list_display_links)
    assert ("action_checkbox" in names) == (persona == "root")
    objs = list(cl.result_list)
    model_admin.prepare_lean_rows(objs)
    columns = [ops_tables._column(model_admin, n, n in links and n != "action_checkbox") for n in names]
    assert objs
    for obj in objs:
        link = f"/admin/x/{obj.pk}/"
        assert model_admin.lean_row(obj, link, names, links) == ops_tables.generic_row(columns, obj, link)
    assert model_admin.lean_row(objs[0], "/x/", [*names, "queue"], links) is None  # another layout: cell by cell


def test_times_are_shown_as_strftime_would_in_the_pages_time_zone():
    from zoneinfo import ZoneInfo

    from ops.admin.tasks.admin import _when

    for zone in (ZoneInfo("UTC"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Kolkata")):
        for value in (dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC),
                      dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.UTC)):
            assert _when(value, zone) == value.astimezone(zone).strftime("%m-%d %H:%M:%S")
    assert _when(None) == "–"
