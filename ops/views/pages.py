"""The portal's read pages: dynos, database, maintenance. Thin: one selector, one template."""

from django.conf import settings

from ops import heroku
from ops.forms import FormationForm, MaintenanceForm
from ops.roles import SUPERUSER, has_ops_permission
from ops.selectors.database import database_overview
from ops.selectors.dynos import dyno_overview
from ops.services.formation import formation_stored, procfile_process_types
from ops.services.maintenance import maintenance_state
from ops.views.confirm import admin_render


def dynos_page(request):
    overview = dyno_overview()
    can = {
        "edit_formation": has_ops_permission(request.user, "ops.change_formation"),
        "heroku": heroku.heroku_connected() and has_ops_permission(request.user, SUPERUSER),
    }
    form = FormationForm(process_types=procfile_process_types(), initial_quantities=formation_stored())
    return admin_render(request, "admin/ops/dynos.html", {
        "title": "Dynos", "overview": overview, "can": can, "formation_form": form,
        "memory_limit_mb": settings.DYNO_MEMORY_MB, "heroku_app": settings.HEROKU_APP_NAME,
    })


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


def maintenance_page(request):
    state = maintenance_state(fresh=True)
    form = MaintenanceForm(initial={"enabled": not state["enabled"], "message": state.get("message", ""),
                                    "retry_after": state.get("retry_after")})
    return admin_render(request, "admin/ops/maintenance.html", {
        "title": "Maintenance mode", "state": state, "form": form, "heroku": heroku.heroku_connected(),
        "json_prefixes": settings.MAINTENANCE_JSON_PREFIXES,
    })
