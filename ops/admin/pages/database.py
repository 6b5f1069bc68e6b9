"""Database: connections, pools and the budget; cancelling a query or ending a session."""

from django.conf import settings
from django.urls import reverse

from ops.admin.charts import charts_for
from ops.admin.confirm import admin_render, confirm_then
from ops.admin.pages.forms import PidForm
from ops.roles import SUPERUSER, has_ops_permission
from ops.selectors.database import database_overview
from ops.selectors.dynos import dyno_overview
from ops.services import database


def database_page(request):
    # Budget what should run, or what runs when more is up than expected: both hold connections.
    dynos = dyno_overview()
    can = {
        "details": has_ops_permission(request.user, "ops.view_database"),
        "cancel": has_ops_permission(request.user, "ops.cancel_query"),
        "end_idle": has_ops_permission(request.user, "ops.end_idle_session"),
        "terminate": has_ops_permission(request.user, SUPERUSER),
    }
    # Support sees the verdict, the pools and the counts; query text and session controls are for developers.
    overview = database_overview(expected={kind: max(want, up) for kind, want, up in dynos.formation_rows},
                                 detailed=can["details"])
    return admin_render(request, "admin/ops/database.html", {
        "title": "Database", "db": overview, "can": can, "long_seconds": settings.OPS_LONG_QUERY_SECONDS,
        "charts": charts_for(request, ("db_connections",)),
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


def database_end_idle_session(request):
    def run(data):
        done = database.database_idle_session_end(actor=request.user, pid=data["pid"])
        return (f"Session pid {data['pid']} ended: its transaction was rolled back and its locks released." if done
                else f"pid {data['pid']} was not ended (it left idle in transaction).")

    form = PidForm(request.POST or request.GET)
    pid = request.POST.get("pid") or request.GET.get("pid")
    question = (f"End session pid {pid}, idle in transaction? Its open transaction is rolled back (nothing it "
                "wrote since BEGIN is kept), the locks it holds are released, and its process opens a new "
                "connection.")
    return confirm_then(request, form, question=question, back=reverse("admin:ops_database"), run=run)
