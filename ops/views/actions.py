"""The portal's buttons: each parses a form, asks for confirmation and calls one audited service."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from ops.forms import (
    DynoForm,
    FormationForm,
    HerokuMaintenanceForm,
    MaintenanceForm,
    PidForm,
    ProcessTypeForm,
    ScaleForm,
)
from ops.services import database, formation
from ops.services.maintenance import maintenance_set
from ops.views.confirm import confirm_then


@require_POST
def formation_edit(request):
    form = FormationForm(request.POST, process_types=formation.procfile_process_types(),
                         initial_quantities=formation.formation_stored())
    if form.is_valid():
        saved = formation.formation_update(actor=request.user, quantities=form.cleaned_data)
        messages.success(request, "Expected formation saved: " + ", ".join(f"{k} {v}" for k, v in saved.items()))
    else:
        messages.error(request, f"Nothing saved: {form.errors.as_text()}")
    return redirect("admin:ops_dynos")


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


def heroku_restart_dyno(request):
    def run(data):
        formation.heroku_dyno_restart(actor=request.user, dyno=data["dyno"])
        return f"Heroku is restarting {data['dyno']}."

    form = DynoForm(request.POST or request.GET)
    question = f"Restart dyno {(request.POST or request.GET).get('dyno')} on Heroku?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_dynos"), run=run)


def heroku_restart_type(request):
    def run(data):
        formation.heroku_process_type_restart(actor=request.user, process_type=data["process_type"])
        return f"Heroku is restarting every {data['process_type']} dyno."

    form = ProcessTypeForm(request.POST or request.GET)
    question = f"Restart every {(request.POST or request.GET).get('process_type')} dyno on Heroku?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_dynos"), run=run)


def heroku_scale_type(request):
    def run(data):
        formation.heroku_scale(actor=request.user, process_type=data["process_type"], quantity=data["quantity"])
        return f"Heroku is scaling {data['process_type']} to {data['quantity']}."

    params = request.POST or request.GET
    form = ScaleForm(params)
    question = f"Scale {params.get('process_type')} to {params.get('quantity')} dynos on Heroku?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_dynos"), run=run)


def heroku_maintenance(request):
    def run(data):
        formation.heroku_maintenance_set(actor=request.user, enabled=data["enabled"])
        return f"Heroku maintenance mode {'on' if data['enabled'] else 'off'}."

    form = HerokuMaintenanceForm(request.POST or request.GET)
    on = (request.POST or request.GET).get("enabled") in ("on", "true", "1", "True")
    question = f"Turn Heroku's own maintenance mode {'ON (the router answers every request)' if on else 'off'}?"
    return confirm_then(request, form, question=question, back=reverse("admin:ops_maintenance"), run=run)
