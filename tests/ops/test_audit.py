"""The audit log: every ops action is recorded, secrets masked, and nobody can edit the record."""

import pytest
from django.urls import reverse

from ops.masking import MASK, mask_secrets, mask_text
from ops.models import AuditRecord, Heartbeat
from ops.services.audit import audit_record, audited
from tests.ops.conftest import client_for, heartbeat

pytestmark = pytest.mark.django_db


def test_it_masks_secrets_by_key_at_any_depth():
    masked = mask_secrets({"pid": 7, "api_key": "abc", "nested": {"HEROKU_API_TOKEN": "t0k3n", "name": "web"},
                           "items": [{"password": "hunter2"}], "session_id": "", "Authorization": "Bearer x"})
    assert masked == {"pid": 7, "api_key": MASK, "nested": {"HEROKU_API_TOKEN": MASK, "name": "web"},
                      "items": [{"password": MASK}], "session_id": "", "Authorization": MASK}


def test_it_masks_secrets_inside_free_text():
    assert mask_text("postgres://app:s3cret@db.example:5432/idt") == f"postgres://app:{MASK}@db.example:5432/idt"
    assert mask_text("Authorization: Bearer abcdef0123456789") == f"Authorization: Bearer {MASK}"
    assert mask_text("ALTER ROLE app PASSWORD 'hunter2'") == f"ALTER ROLE app PASSWORD '{MASK}'"


def test_it_records_who_did_what_with_masked_parameters(root):
    row = audit_record(actor=root, action="demo.act", target="web.1", parameters={"token": "xyz", "n": 2})
    assert (row.actor, row.actor_label, row.result) == (root, "root@idonethis.test", "ok")
    assert row.parameters == {"token": MASK, "n": 2}


def test_it_masks_a_password_in_the_target(root):
    row = audit_record(actor=root, action="demo.act", target="hook abc → https://bob:hunter22@example.com/in")
    assert "hunter22" not in row.target and row.target == f"hook abc → https://bob:{MASK}@example.com/in"


def test_it_records_a_failed_action_with_its_error_and_reraises(dev):
    with pytest.raises(RuntimeError), audited(actor=dev, action="demo.fail", target="x", parameters={"a": 1}):
        raise RuntimeError("it broke at postgres://u:pw@host/db")
    row = AuditRecord.objects.get()
    assert row.result == AuditRecord.Result.FAILED
    assert row.detail == f"RuntimeError: it broke at postgres://u:{MASK}@host/db"


def test_it_shows_the_audit_log_read_only_with_filters(root, sam):
    audit_record(actor=root, action="maintenance.on", target="app")
    audit_record(actor=sam, action="database.cancel", target="pid 9", result=AuditRecord.Result.FAILED)
    client = client_for(root)
    listing = client.get(reverse("admin:ops_auditrecord_changelist"), {"result__exact": "failed"})
    assert listing.status_code == 200
    assert [r.target for r in listing.context_data["cl"].result_list] == ["pid 9"]
    assert "pid 9" in listing.content.decode()
    row = AuditRecord.objects.first()
    assert client.get(reverse("admin:ops_auditrecord_add")).status_code == 403
    assert client.post(reverse("admin:ops_auditrecord_change", args=[row.pk]), {"action": "x"}).status_code == 403
    assert client.post(reverse("admin:ops_auditrecord_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AuditRecord.objects.count() == 2


def test_it_audits_edits_made_through_admin_forms_without_their_values(root, bob, team):
    client = client_for(root)
    url = reverse("admin:auth_user_password_change", args=[bob.pk])
    response = client.post(url, {"password1": "a-new-secret-pass-77", "password2": "a-new-secret-pass-77",
                                 "usable_password": "true"})
    assert response.status_code == 302
    record = AuditRecord.objects.get(action="core.user.change")
    assert (record.actor, record.target) == (root, f"user {bob.pk}: Bob Baker")
    assert "a-new-secret-pass-77" not in str(record.parameters)
    client.post(reverse("admin:core_team_delete", args=[team.pk]), {"post": "yes"})
    deleted = AuditRecord.objects.get(action="core.team.delete")
    assert deleted.target == f"team {team.pk}: Rocket" and deleted.parameters == {"objects": [deleted.target]}


def test_it_audits_deleting_heartbeat_rows(root, sam):
    gone, other = heartbeat("web.9", "web", age_seconds=3600), heartbeat("web.8", "web", age_seconds=3600)
    url = reverse("admin:ops_heartbeat_delete", args=[gone.pk])
    assert client_for(sam).post(url, {"post": "yes"}).status_code == 403
    assert client_for(root).post(url, {"post": "yes"}).status_code == 302
    record = AuditRecord.objects.get(action="ops.heartbeat.delete")
    assert (record.actor, record.target) == (root, f"heartbeat {gone.pk}: web.9")

    changelist = reverse("admin:ops_heartbeat_changelist")
    client_for(root).post(changelist, {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"})
    assert AuditRecord.objects.filter(action="ops.heartbeat.delete").count() == 2
    assert not Heartbeat.objects.exists()
