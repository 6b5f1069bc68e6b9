"""The expected formation (which processes should run, how many) and Heroku's dyno actions."""

from django.conf import settings

from ops import heroku
from ops.models import OpsSetting
from ops.selectors.formation import FORMATION_KEY, formation_stored, procfile_process_types
from ops.services.audit import audited

MAX_QUANTITY = 100


def formation_update(*, actor, quantities: dict[str, int]) -> dict[str, int]:
    """Store the expected formation (the portal's own; Heroku is scaled with ``heroku_scale``)."""
    types = procfile_process_types()
    unknown = set(quantities) - set(types)
    if unknown:
        raise ValueError(f"not a Procfile process type: {', '.join(sorted(unknown))}")
    if any(not 0 <= int(q) <= MAX_QUANTITY for q in quantities.values()):
        raise ValueError(f"quantities go from 0 to {MAX_QUANTITY}")
    value = {**formation_stored(), **{k: int(v) for k, v in quantities.items()}}
    with audited(actor=actor, action="formation.update", target="expected formation", parameters=value):
        OpsSetting.objects.update_or_create(key=FORMATION_KEY, defaults={"value": value, "updated_by": actor})
    return value


def heroku_dyno_restart(*, actor, dyno: str) -> None:
    with audited(actor=actor, action="heroku.dyno_restart", target=dyno):
        heroku.dyno_restart(dyno)


def heroku_process_type_restart(*, actor, process_type: str) -> None:
    with audited(actor=actor, action="heroku.process_type_restart", target=process_type):
        heroku.formation_restart(process_type)


def heroku_scale(*, actor, process_type: str, quantity: int) -> dict:
    if not 0 <= quantity <= MAX_QUANTITY:
        raise ValueError(f"quantities go from 0 to {MAX_QUANTITY}")
    with audited(actor=actor, action="heroku.scale", target=process_type, parameters={"quantity": quantity}) as ctx:
        answer = heroku.formation_scale(process_type, quantity)
        ctx.detail = f"{answer.get('type', process_type)} now {answer.get('quantity', quantity)}"
    return answer


def heroku_maintenance_set(*, actor, enabled: bool) -> dict:
    with audited(actor=actor, action="heroku.maintenance", target=settings.HEROKU_APP_NAME,
                 parameters={"enabled": enabled}):
        return heroku.maintenance_update(enabled)
