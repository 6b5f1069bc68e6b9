"""The team's Webhooks page (team settings): a member's own hooks on the team — add one, see its secret once,
change its target or events, rotate its secret, pause, resume or delete it — and each one's recent deliveries.

Who may do what is the API's rule, and core/services/hooks.py (the API's service) makes every write: any
member adds hooks to their team; only a hook's owner sees or changes it — anyone else, team admins
included, gets a 404 for it, as the API answers "no access" without telling the two apart.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from core.selectors.teams import membership_for
from core.selectors.webhooks import (
    hook_on_team_owned_by,
    hook_recent_deliveries,
    hooks_on_team_owned_by,
    team_hook_count,
)
from core.services.hooks import (
    HookAlreadyCreated,
    hook_create,
    hook_delete,
    hook_pause,
    hook_resume,
    hook_secret_rotate,
    hook_update,
)
from core.web.common import posted, run_service
from core.web.forms import HookAddForm, HookForm


def _own_hook(request, team_hash, hook_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    hook = hook_on_team_owned_by(user=request.user, team=team, hook_hash=hook_hash)
    if hook is None:
        raise Http404("No such webhook.")
    return team, hook


def _saved(form, write):
    """The service's answer, or None with its refusal (SSRF guard, the team's limit) shown on the form."""
    try:
        return write(**form.cleaned_data)
    except ValueError as error:
        form.add_error(None, str(error))
        return None


def _secret_page(request, team, hook, *, rotated: bool):
    """The one time the secret is shown: in the answer to the POST that made it, kept by no cache or session."""
    response = render(request, "core/hook_secret.html", {"team": team, "hook": hook, "rotated": rotated})
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def hooks_view(request, team_hash):
    team = membership_for(user=request.user, team_hash=team_hash).team
    form = HookAddForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            hook = _saved(form, lambda **data: hook_create(actor=request.user, team=team, **data))
        except HookAlreadyCreated as already:
            # The form sent again (a reload of the secret's page): the hook it made, without its secret.
            messages.info(
                request,
                "That form was sent twice: the webhook it added is below, and no second one was made. "
                "Its secret was shown once, when it was added; rotate it if you did not copy it.",
            )
            made = already.hook
            return redirect("team_hook", team_hash=made.team.hash_id, hook_hash=made.hash_id)
        if hook is not None:
            return _secret_page(request, team, hook, rotated=False)
    hooks = hooks_on_team_owned_by(user=request.user, team=team)
    context = {
        "team": team,
        "hooks": hooks,
        "form": form,
        "others_hooks": team_hook_count(team=team) - len(hooks),
        "max_hooks": settings.WEBHOOK_MAX_PER_TEAM,
    }
    return render(request, "core/hooks.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def hook_view(request, team_hash, hook_hash):
    team, hook = _own_hook(request, team_hash, hook_hash)
    form = HookForm(posted(request), initial={"target_url": hook.target_url, "events": hook.events})
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda **data: hook_update(hook=hook, actor=request.user, **data)) is not None:
            messages.success(request, "Saved.")
            return redirect("team_hook", team_hash=team.hash_id, hook_hash=hook.hash_id)
        hook.refresh_from_db()  # the page shows what is stored, the form what was typed
    context = {"team": team, "hook": hook, "form": form, "deliveries": hook_recent_deliveries(hook=hook)}
    return render(request, "core/hook.html", context)


@login_required
@require_POST
def hook_rotate_view(request, team_hash, hook_hash):
    team, hook = _own_hook(request, team_hash, hook_hash)
    return _secret_page(request, team, hook_secret_rotate(hook=hook, actor=request.user), rotated=True)


def _set_paused(request, team_hash, hook_hash, *, change, done: str):
    team, hook = _own_hook(request, team_hash, hook_hash)
    if run_service(request, lambda: change(hook=hook, actor=request.user)):
        messages.success(request, done)
    return redirect("team_hook", team_hash=team.hash_id, hook_hash=hook.hash_id)


@login_required
@require_POST
def hook_pause_view(request, team_hash, hook_hash):
    done = "Paused: nothing is sent to this webhook until you resume it."
    return _set_paused(request, team_hash, hook_hash, change=hook_pause, done=done)


@login_required
@require_POST
def hook_resume_view(request, team_hash, hook_hash):
    return _set_paused(request, team_hash, hook_hash, change=hook_resume, done="Resumed: changes from now on are sent.")


@login_required
@require_POST
def hook_delete_view(request, team_hash, hook_hash):
    team, hook = _own_hook(request, team_hash, hook_hash)
    if run_service(request, lambda: hook_delete(hook=hook, actor=request.user)):
        messages.success(request, f"Webhook to {hook.target_url} deleted.")
    return redirect("team_hooks", team_hash=team.hash_id)
