"""Portal personas (support, developer, superuser) and helpers to fake what processes report."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from ops.admin.paging import forget_estimates
from ops.admin.tasks.filters import forget_choices
from ops.models import Heartbeat
from ops.roles import DEVELOPER, SUPPORT
from ops.selectors.maintenance import maintenance_forget


def _staff(email: str, *, group: str | None = None, superuser: bool = False):
    from core.models import User

    user = User.objects.create_user(email=email, password="portal-password-1", is_staff=True,
                                    is_superuser=superuser, full_name=email.split("@")[0].title())
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def sam(db):
    """Support staff."""
    return _staff("sam@idonethis.test", group=SUPPORT)


@pytest.fixture
def dev(db):
    """A developer on call."""
    return _staff("dev@idonethis.test", group=DEVELOPER)


@pytest.fixture
def root(db):
    """A superuser."""
    return _staff("root@idonethis.test", superuser=True)


@pytest.fixture
def stan(db):
    """Staff with no role at all."""
    return _staff("stan@idonethis.test")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _heartbeat_interval(settings):
    """Judge rows as production does (15 s beats: up for 45 s) so a slow machine never turns one stale.

    Real processes started by tests still beat every second (the environment says 1).
    """
    settings.HEARTBEAT_INTERVAL_SECONDS = 15


@pytest.fixture(autouse=True)
def _forget_maintenance():
    """Maintenance state is remembered per process for a moment; no test may see another's."""
    maintenance_forget()
    yield
    maintenance_forget()


@pytest.fixture(autouse=True)
def _forget_remembered_choices_and_estimates():
    """Filter choices and planner estimates are remembered per process for seconds; no test may see another's."""
    forget_choices()
    forget_estimates()
    yield
    forget_choices()
    forget_estimates()


def heartbeat(dyno: str, process_type: str, *, age_seconds: float = 0, **fields) -> Heartbeat:
    """A heartbeat row as a process would write it, last seen ``age_seconds`` ago."""
    now = timezone.now()
    defaults = {"host": "test-host", "pid": 1000 + Heartbeat.objects.count(), "release": "v42",
                "started_at": now - dt.timedelta(hours=1), "last_seen": now - dt.timedelta(seconds=age_seconds),
                "stats": {"pool": {"mode": "embedded"}}}
    if process_type == "web":
        defaults.update(threads=8, busy_threads=1)
    if process_type == "worker":
        defaults.update(concurrency=2, busy_threads=0)
    return Heartbeat.objects.create(dyno=dyno, process_type=process_type, **{**defaults, **fields})


@pytest.fixture
def healthy_formation(db):
    """web, worker and beat all up, as the default expected formation (1 each) wants."""
    return [heartbeat("web.1", "web"), heartbeat("worker.1", "worker"), heartbeat("beat.1", "beat")]


from tests.ops.fake_heroku import fake_heroku  # noqa: E402,F401  (fixture)
