"""Database: connections, pools and the budget; cancelling a query or ending a session."""

from django.conf import settings
from django.urls import reverse

from ops.admin.confirm import admin_render, confirm_then
from ops.admin.pages.forms import PidForm
from ops.roles import SUPERUSER, has_ops_permission
from ops.selectors.database import database_overview
from ops.selectors.dynos import dyno_overview
from ops.services import database


def database_page(request):
    # Budget what should run, or what runs when more is up than expected: both hold connections.
    dynos = dyno_overview()
    overview = database_overview(expected={kind: max(want, up) for kind, want, up in dynos.formation_rows})
    can = {
        "cancel": has_ops_permission(request.user, "ops.cancel_query"),
        "terminate": has_ops_permission(request.user, SUPERUSER),
    }
    return admin_render(request, "admin/ops/database.html", {
        "title": "Database", "db": overview, "can": can, "long_seconds": settings.OPS_LONG_QUERY_SECONDS,
    })


def database_cancel(request):
    def run(data):
        done = database.database_backend_cancel(actor=request.user, pid=data["pid"])
        return f"Cancel sent to pid {data['pid']}." if done else f"pid {data['pid']} was not signalled."

    form = PidForm(request.POST or request.GET)
    question = f"Cancel the current query of session pid {request.POST.get('pid') or request.GET.get('pid')}?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_database"), run=run)


def database_terminate(request):
    def run(data):
        done = database.database_backend_terminate(actor=request.user, pid=data["pid"])
        return f"Session pid {data['pid']} terminated." if done else f"pid {data['pid']} was not signalled."

    form = PidForm(request.POST or request.GET)
    question = (f"Terminate session pid {request.POST.get('pid') or request.GET.get('pid')}? Its transaction is "
                "rolled back and its connection closed.")
    return confirm_then(request, form, question=question, back=reverse("admin:ops_database"), run=run)
