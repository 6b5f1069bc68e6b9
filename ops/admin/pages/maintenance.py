"""Maintenance mode: the app's own (end users get a 503 page) and Heroku's."""

from django.conf import settings
from django.urls import reverse

from ops import heroku
from ops.admin.confirm import admin_render, confirm_then
from ops.admin.pages.forms import HerokuMaintenanceForm, MaintenanceForm
from ops.selectors.maintenance import maintenance_state
from ops.services import formation
from ops.services.maintenance import maintenance_set


def maintenance_page(request):
    state = maintenance_state(fresh=True)
    form = MaintenanceForm(initial={"enabled": not state["enabled"], "message": state.get("message", ""),
                                    "retry_after": state.get("retry_after")})
    return admin_render(request, "admin/ops/maintenance.html", {
        "title": "Maintenance mode", "state": state, "form": form, "heroku": heroku.heroku_connected(),
        "json_prefixes": settings.MAINTENANCE_JSON_PREFIXES,
    })


def maintenance_toggle(request):
    def run(data):
        state = maintenance_set(actor=request.user, enabled=data["enabled"], message=data["message"],
                                retry_after=data["retry_after"])
        return "Maintenance mode is ON: end users see the maintenance page." if state["enabled"] else \
            "Maintenance mode is off."

    form = MaintenanceForm(request.POST or request.GET)
    on = (request.POST or request.GET).get("enabled") in ("on", "true", "1", "True")
    question = "Turn maintenance mode ON? End users get a 503 page until it is turned off." if on else \
        "Turn maintenance mode off and let end users back in?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_maintenance"), run=run)


def heroku_maintenance(request):
    def run(data):
        formation.heroku_maintenance_set(actor=request.user, enabled=data["enabled"])
        return f"Heroku maintenance mode {'on' if data['enabled'] else 'off'}."

    form = HerokuMaintenanceForm(request.POST or request.GET)
    on = (request.POST or request.GET).get("enabled") in ("on", "true", "1", "True")
    question = f"Turn Heroku's own maintenance mode {'ON (the router answers every request)' if on else 'off'}?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_maintenance"), run=run)
