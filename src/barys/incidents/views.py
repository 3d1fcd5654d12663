"""Incident pages (thin): list with map, field form, incident page, attachments, statistics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import filestore, navigation, roles
from barys.core.access_log import log_access
from barys.incidents import access, images, queries, services
from barys.incidents.forms import ActionForm, AttachmentForm, IncidentForm, LinkForm, PublishForm
from barys.incidents.models import Incident, IncidentAttachment, IncidentType
from barys.incidents.schema import AttributeErrors, display_attributes

PAGE_SIZE = 50
MAP_LIMIT = 1000


def _visible_incident(request: HttpRequest, code: str) -> Incident:
    incident = get_object_or_404(
        Incident.objects.select_related("type", "scope", "taxon", "individual", "reporter"),
        code=code,
    )
    if not access.may_view(request.user, incident):
        raise Http404
    return incident


def incident_list(request: HttpRequest) -> HttpResponse:
    filters = queries.IncidentFilters.from_params(request.GET)
    found = queries.find(filters, user=request.user)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows = list(found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    items = access.present(rows[:PAGE_SIZE], user=request.user, surface="incident list")
    map_items = access.present(list(found[:MAP_LIMIT]), user=request.user, surface="incident map")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "incidents/list.html",
        {
            "filters": filters,
            "items": items,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query_string": params.urlencode(),
            "types": IncidentType.objects.all(),
            "states": Incident.State.choices,
            "priorities": Incident.Priority.choices,
            "scopes": _scopes_for_filter(request),
            "map": queries.map_features(map_items),
            "can_record": roles.has_role_anywhere(request.user, "observer"),
        },
    )


def _scopes_for_filter(request: HttpRequest) -> list[tuple[str, str]]:
    from barys.core.models import Scope

    return [
        (s.code, s.name(request.LANGUAGE_CODE))
        for s in Scope.objects.filter(incidents__in=access.visible(request.user)).distinct()
    ]


@login_required
def incident_new_choose(request: HttpRequest) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "observer"):
        raise PermissionDenied
    return render(
        request, "incidents/choose_type.html", {"types": IncidentType.objects.filter(active=True)}
    )


@login_required
def incident_new(request: HttpRequest, type_code: str) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "observer"):
        raise PermissionDenied
    incident_type = get_object_or_404(IncidentType, code=type_code, active=True)
    form = IncidentForm(
        request.POST or None,
        incident_type=incident_type,
        user=request.user,
        initial={"reporter_name": str(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.record_incident(
                actor=request.user, type=incident_type, **form.service_kwargs()
            )
        except AttributeErrors as exc:
            form.add_attribute_errors(exc.errors)
        except services.IncidentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except roles.PermissionDenied as exc:
            form.add_error("scope", str(exc))
        else:
            messages.success(
                request, _("Incident %(code)s was recorded.") % {"code": incident.code}
            )
            _attach_photos(request, incident)
            return redirect("incident-detail", code=incident.code)
    return render(
        request,
        "incidents/form.html",
        {"form": form, "incident_type": incident_type, "incident": None},
    )


def _attach_photos(request: HttpRequest, incident: Incident) -> None:
    """Photos sent with the field form; one that cannot be stored is reported, not fatal."""
    for upload in request.FILES.getlist("photos"):
        try:
            services.add_attachment(
                incident=incident,
                actor=request.user,
                data=upload.read(),
                filename=upload.name or "photo",
                content_type=upload.content_type or "",
            )
        except services.IncidentError as exc:
            messages.warning(request, f"{upload.name}: {exc}")


@login_required
def incident_edit(request: HttpRequest, code: str) -> HttpResponse:
    incident = _visible_incident(request, code)
    if not access.may_edit(request.user, incident):
        raise PermissionDenied
    form = IncidentForm(
        request.POST or None,
        incident_type=incident.type,
        user=request.user,
        initial=IncidentForm.initial_for(incident),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_incident(incident=incident, actor=request.user, **form.service_kwargs())
        except AttributeErrors as exc:
            form.add_attribute_errors(exc.errors)
        except services.IncidentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except roles.PermissionDenied as exc:
            form.add_error("scope", str(exc))
        else:
            messages.success(request, _("The incident was saved."))
            return redirect("incident-detail", code=incident.code)
    return render(
        request,
        "incidents/form.html",
        {"form": form, "incident_type": incident.type, "incident": incident},
    )


def incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    incident = _visible_incident(request, code)
    item = access.present_one(incident, user=request.user, surface="incident page")
    staff = item.staff
    related = [
        r for r in incident.related.select_related("type") if access.may_view(request.user, r)
    ]
    can_edit = access.may_edit(request.user, incident)
    return render(
        request,
        "incidents/detail.html",
        {
            "item": item,
            "incident": incident,
            "loc": item.location,
            "staff": staff,
            "attributes": display_attributes(
                incident.type.schema, incident.attributes, public_only=not staff
            ),
            "actions": incident.actions.select_related("actor") if staff else [],
            "attachments": [
                a
                for a in incident.attachments.select_related("file")
                if staff or a.kind == IncidentAttachment.Kind.PHOTO
            ],
            "related": related,
            "can_edit": can_edit,
            "can_publish": access.may_publish(request.user),
            "action_form": ActionForm() if can_edit else None,
            "attachment_form": AttachmentForm() if can_edit else None,
            "publish_form": PublishForm(
                initial={"published": incident.published, "public_summary": incident.public_summary}
            ),
            "link_form": LinkForm() if can_edit else None,
            "panels": navigation.panels("incident", incident=incident, request=request),
            "map": _detail_map(item),
        },
    )


def _detail_map(item: access.PresentedIncident) -> dict:
    return queries.map_features([item])


@require_POST
@login_required
def incident_action_add(request: HttpRequest, code: str) -> HttpResponse:
    incident = _visible_incident(request, code)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The action was not saved: check the fields."))
        return redirect("incident-detail", code=code)
    data = form.cleaned_data
    try:
        services.add_action(
            incident=incident,
            actor=request.user,
            kind=data["kind"],
            at=data.get("at"),
            description=data.get("description", ""),
            outcome=None if data.get("outcome") in (None, "-") else data["outcome"],
            state=data.get("state") or None,
        )
    except roles.PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.IncidentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The action was added."))
    return redirect("incident-detail", code=code)


@require_POST
@login_required
def incident_attachment_add(request: HttpRequest, code: str) -> HttpResponse:
    incident = _visible_incident(request, code)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("incident-detail", code=code)
    upload = form.cleaned_data["file"]
    try:
        services.add_attachment(
            incident=incident,
            actor=request.user,
            data=upload.read(),
            filename=upload.name,
            content_type=upload.content_type or "",
            caption=form.cleaned_data.get("caption", ""),
        )
    except roles.PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.IncidentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The file was attached."))
    return redirect("incident-detail", code=code)


def attachment_file(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The attachment as this person may have it: originals only for exact viewers."""
    incident = _visible_incident(request, code)
    attachment = get_object_or_404(
        IncidentAttachment.objects.select_related("file"), pk=pk, incident=incident
    )
    staff = access.staff_view(request.user, incident)
    if attachment.kind != IncidentAttachment.Kind.PHOTO and not staff:
        raise Http404
    from barys.core import sensitivity

    exact = sensitivity.may_see_exact(request.user, incident.scope_codes)
    stored = attachment.file
    if attachment.kind == IncidentAttachment.Kind.PHOTO and not exact:
        path, content_type = images.cached_copy_without_gps(
            stored.sha256, lambda: filestore.open_stored(stored.sha256).read()
        )
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        if attachment.has_gps:
            log_access(
                actor=request.user,
                surface="incident attachment",
                object_type="incidents.attachment",
                object_id=str(attachment.pk),
            )
        response = FileResponse(
            filestore.open_stored(stored.sha256),
            content_type=stored.content_type or "application/octet-stream",
        )
    disposition = "inline" if attachment.kind == IncidentAttachment.Kind.PHOTO else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{_safe_name(stored)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_name(stored: object) -> str:
    name = getattr(stored, "original_name", "") or "attachment"
    return "".join(c for c in name if c.isalnum() or c in "._-")[:100] or "attachment"


@require_POST
@login_required
def incident_publish(request: HttpRequest, code: str) -> HttpResponse:
    incident = _visible_incident(request, code)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return redirect("incident-detail", code=code)
    try:
        services.set_published(
            incident=incident,
            actor=request.user,
            published=form.cleaned_data["published"],
            public_summary=form.cleaned_data.get("public_summary", ""),
        )
    except roles.PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Publication was updated."))
    return redirect("incident-detail", code=code)


@require_POST
@login_required
def incident_link(request: HttpRequest, code: str) -> HttpResponse:
    incident = _visible_incident(request, code)
    form = LinkForm(request.POST)
    if form.is_valid():
        other = Incident.objects.filter(code__iexact=form.cleaned_data["other"].strip()).first()
        if other is None or not access.may_view(request.user, other):
            messages.error(request, _("No incident has this number."))
            return redirect("incident-detail", code=code)
        try:
            services.link_incidents(
                incident=incident,
                other=other,
                actor=request.user,
                unlink=request.POST.get("unlink") == "1",
            )
        except roles.PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.IncidentError as exc:
            messages.error(request, str(exc))
    return redirect("incident-detail", code=code)


def statistics(request: HttpRequest) -> HttpResponse:
    return render(
        request, "incidents/statistics.html", {"stats": queries.statistics(user=request.user)}
    )
