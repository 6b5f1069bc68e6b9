"""Dynos: what runs against the expected formation, editing it, and Heroku's restart and scale."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from ops import heroku
from ops.admin.confirm import admin_render, confirm_then, errors_in_words
from ops.admin.pages.forms import DynoForm, FormationForm, ProcessTypeForm, ScaleForm
from ops.roles import SUPERUSER, has_ops_permission
from ops.selectors.dynos import dyno_overview
from ops.selectors.formation import formation_stored, procfile_process_types
from ops.services import formation


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


@require_POST
def formation_edit(request):
    form = FormationForm(request.POST, process_types=formation.procfile_process_types(),
                         initial_quantities=formation.formation_stored())
    if form.is_valid():
        saved = formation.formation_update(actor=request.user, quantities=form.cleaned_data)
        messages.success(request, "Expected formation saved: " + ", ".join(f"{k} {v}" for k, v in saved.items()))
    else:
        messages.error(request, f"Nothing saved: {errors_in_words(form)}")
    return redirect("admin:ops_dynos")


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
