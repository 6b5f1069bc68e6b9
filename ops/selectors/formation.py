"""The expected formation: which processes the Procfile declares, and how many of each should run."""

from django.conf import settings

from ops.models import OpsSetting

FORMATION_KEY = "formation"
ONE_OFF_TYPES = {"release"}  # run once per deploy, never expected to stay up


def procfile_process_types() -> list[str]:
    """The long-running process types the Procfile declares, in its order."""
    path = settings.BASE_DIR / "Procfile"
    types = []
    for line in path.read_text().splitlines() if path.exists() else []:
        name, sep, _ = line.partition(":")
        if sep and name.strip() and not line.startswith("#") and name.strip() not in ONE_OFF_TYPES:
            types.append(name.strip())
    return types


def formation_stored() -> dict[str, int]:
    """The expected quantity per Procfile process type: 1 each unless someone edited it."""
    row = OpsSetting.objects.filter(key=FORMATION_KEY).first()
    stored = row.value if row else {}
    return {kind: int(stored.get(kind, 1)) for kind in procfile_process_types()}
