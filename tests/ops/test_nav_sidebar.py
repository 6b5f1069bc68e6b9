"""The portal's navigation sidebar: rendered once per app list, path and language, and always what the
admin's own template renders for that person on that page (their models only, the current one marked)."""

import pytest
from django.contrib import admin
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from ops.templatetags import ops_nav
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db

TASKS = "admin:django_celery_results_taskresult_changelist"
AUDIT = "admin:ops_auditrecord_changelist"


def _stock_app_list(user, path: str) -> str:
    request = RequestFactory().get(path)
    request.user = user
    return get_template("admin/app_list.html").render(
        {"app_list": admin.site.get_app_list(request), "show_changelinks": False, "request": request}
    )


def _sidebar(page: str) -> str:
    return page.split('id="nav-sidebar"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize("persona", ["sam", "dev", "root"])
def test_it_shows_what_the_admins_own_template_shows_for_each_person_and_page(persona, request):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    for name in (TASKS, AUDIT, TASKS):  # the second visit to a page comes from what was kept
        path = reverse(name)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert _stock_app_list(user, path) in _sidebar(response.content.decode())
    assert ops_nav._rendered  # the pages' sidebars came through the kept renderings


def test_it_marks_the_current_page_and_keeps_people_apart(sam, root):
    tasks, audit = reverse(TASKS), reverse(AUDIT)
    root_client, sam_client = client_for(root), client_for(sam)
    on_tasks = _sidebar(root_client.get(tasks).content.decode())
    on_audit = _sidebar(root_client.get(audit).content.decode())
    assert "model-taskresult current-model" in on_tasks and "model-auditrecord current-model" not in on_tasks
    assert "model-auditrecord current-model" in on_audit and "model-taskresult current-model" not in on_audit
    assert _sidebar(sam_client.get(tasks).content.decode()) != on_tasks  # support sees fewer models than root
