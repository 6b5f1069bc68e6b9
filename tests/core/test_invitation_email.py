"""The invitation email names where someone is invited once, however the organization and teams are named."""

import pytest
from django.core import mail

from core.services.invitations import invitation_create
from core.services.teams import team_create


@pytest.fixture
def send(alice, django_capture_on_commit_callbacks):
    def invite(organization, teams):
        with django_capture_on_commit_callbacks(execute=True):
            invitation_create(organization=organization, teams=teams, email="dana@example.com", actor=alice)
        return mail.outbox[-1]

    return invite


def test_it_names_a_team_called_as_its_organization_once(alice, send):
    crew = team_create(owner=alice, name="Rocket Crew")
    message = send(crew.organization, [crew])
    assert message.subject == "Alice Archer invited you to Rocket Crew on iDoneThis"
    assert "invited you to join Rocket Crew on iDoneThis." in message.body


def test_it_names_the_organization_and_its_other_teams(alice, send):
    crew = team_create(owner=alice, name="Acme")
    ops = team_create(owner=alice, name="Ops", organization=crew.organization)
    launch = team_create(owner=alice, name="Launch", organization=crew.organization)
    message = send(crew.organization, [crew, ops, launch])
    assert message.subject == "Alice Archer invited you to Acme (Launch, Ops) on iDoneThis"
    assert "invited you to join Acme (Launch, Ops) on iDoneThis." in message.body
