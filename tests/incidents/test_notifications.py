"""New high-priority incidents e-mail the park's staff exactly once."""

from __future__ import annotations

import pytest
from django.core import mail

from barys.core.models import Job
from barys.incidents import notifications, services
from barys.incidents.models import IncidentNotification
from tests.incidents import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    people = {
        "ranger": make_user("ranger", "observer", ["ile-alatau"]),
        "researcher": make_user("researcher", "researcher", ["ile-alatau"]),
        "no-mail": make_user("no-mail", "observer", ["ile-alatau"]),
        "elsewhere": make_user("elsewhere", "observer", ["altyn-emel"]),
        "national": make_user("national", "curator"),
    }
    for name, user in people.items():
        if name != "no-mail":
            user.email = f"{name}@example.kz"
            user.save()
    return people


def test_high_priority_incident_mails_the_parks_staff_once(
    staff, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        incident = factories.incident(actor=staff["ranger"], priority="urgent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["ranger@example.kz", "researcher@example.kz"]
    assert incident.code in message.subject and incident.code in message.body
    assert "43.07" not in message.body and "76.75" not in message.body  # no coordinates
    note = IncidentNotification.objects.get(incident=incident)
    assert note.sent_at is not None and len(note.recipients) == 2
    # saved again: no second mail, no second job
    with django_capture_on_commit_callbacks(execute=True):
        services.update_incident(incident=incident, actor=staff["ranger"], narrative="more")
        services.update_incident(incident=incident, actor=staff["ranger"], state="active")
    # the job processed twice: still one mail
    notifications.notify_staff(incident_id=incident.pk)
    notifications.notify_staff(incident_id=incident.pk)
    assert len(mail.outbox) == 1
    assert Job.objects.filter(kind="incidents.notify").count() == 1
    assert IncidentNotification.objects.count() == 1


def test_jobs_queued_twice_send_one_mail(staff, django_capture_on_commit_callbacks) -> None:
    from barys.core.jobs import create_job, run_job

    incident = factories.incident(actor=staff["ranger"], priority="high")  # job not run
    assert len(mail.outbox) == 0
    second = create_job(kind="incidents.notify", params={"incident_id": incident.pk}, enqueue=False)
    first = Job.objects.filter(kind="incidents.notify").exclude(pk=second.pk).get()
    assert run_job(first.pk).result == {"sent": True, "recipients": 2}
    assert run_job(second.pk).result["reason"] == "already sent"
    assert len(mail.outbox) == 1


def test_normal_priority_sends_nothing_until_raised(
    staff, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        incident = factories.incident(actor=staff["ranger"], priority="normal")
    assert mail.outbox == []
    assert not Job.objects.filter(kind="incidents.notify").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_incident(incident=incident, actor=staff["ranger"], priority="high")
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.update_incident(incident=incident, actor=staff["ranger"], priority="normal")
        services.update_incident(incident=incident, actor=staff["ranger"], priority="urgent")
    assert len(mail.outbox) == 1


def test_the_form_submission_sends_once(staff, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(staff["ranger"])
    data = {
        "occurred_at": "2024-05-01T10:00",
        "scope": factories.scope().pk,
        "priority": "high",
        "state": "new",
        "count": "1",
        "attr__condition": "injured",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/en/incidents/new/sick-animal/", data).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/en/incidents/new/sick-animal/", data).status_code == 302
    assert len(mail.outbox) == 2  # two incidents, one mail each
    assert IncidentNotification.objects.count() == 2
