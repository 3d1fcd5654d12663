"""The e-mail to a park's staff about a new high-priority incident: sent exactly once.

The queue job calls :func:`notify_staff`. It locks the incident, records the notification in
:class:`IncidentNotification` (one row per incident, unique) and sends only when no e-mail was
sent before, so running the job twice, or queueing it after every save, sends one message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from barys.core.jobs import Reporter, job_handler
from barys.core.models import Job, RoleAssignment
from barys.incidents.models import HIGH_PRIORITIES, Incident, IncidentNotification


def recipients_for(incident: Incident) -> list[str]:
    """E-mail addresses of active users holding a role in the incident's protected area."""
    if not incident.scope_id:
        return []
    emails = (
        RoleAssignment.objects.filter(scope_id=incident.scope_id, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted({e.strip() for e in emails if e and e.strip()})


def _message(incident: Incident) -> tuple[str, str]:
    """Subject and body. No coordinates: mail leaves the system; staff open the page."""
    with translation.override(settings.LANGUAGE_CODE):
        from django.utils.translation import gettext as _

        local = timezone.localtime(incident.occurred_at)
        subject = _("High-priority incident %(code)s: %(type)s") % {
            "code": incident.code,
            "type": incident.type.name(),
        }
        path = reverse("incident-detail", kwargs={"code": incident.code})
        lines = [
            _("A high-priority incident was recorded in %(area)s.")
            % {
                "area": incident.scope.name(translation.get_language() or "en")
                if incident.scope_id
                else "—"
            },
            "",
            f"{_('Incident')}: {incident.code}",
            f"{_('Type')}: {incident.type.name()}",
            f"{_('Date and time')}: {local:%Y-%m-%d %H:%M} ({local.tzname()})",
            f"{_('Taxon')}: {incident.taxon.name() if incident.taxon_id else '—'}",
            f"{_('Priority')}: {incident.get_priority_display()}",
            f"{_('Reported by')}: {incident.reporter_name or '—'}",
            "",
            _("Open the incident page to see the location and act: %(path)s") % {"path": path},
        ]
    return str(subject), "\n".join(str(line) for line in lines)


def notify_staff(*, incident_id: int) -> dict[str, Any]:
    """Send the staff e-mail for one incident unless it was sent already (idempotent)."""
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("type", "scope", "taxon")
            .get(pk=incident_id)
        )
        if incident.priority not in HIGH_PRIORITIES:
            return {"sent": False, "reason": "not high priority"}
        note, _created = IncidentNotification.objects.get_or_create(incident=incident)
        if note.sent_at is not None:
            return {"sent": False, "reason": "already sent", "at": note.sent_at.isoformat()}
        recipients = recipients_for(incident)
        if recipients:
            subject, body = _message(incident)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
        note.sent_at = timezone.now()
        note.recipients = recipients
        note.save(update_fields=["sent_at", "recipients"])
    return {"sent": bool(recipients), "recipients": len(recipients)}


@job_handler("incidents.notify")
def notify_job(job: Job, report: Reporter) -> dict[str, Any]:
    """Queue entry point: the job's params hold ``incident_id``."""
    report(10, "sending")
    return notify_staff(incident_id=int(job.params["incident_id"]))
