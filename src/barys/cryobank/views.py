"""Cryobank pages (thin): search, sample page with its custody log, registering samples,
custody operations, the storage tree and box grids, labels and exports."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import roles
from barys.cryobank import access, exports, labels, queries, services
from barys.cryobank.forms import (
    AliquotForm,
    BatchItemFormSet,
    ContainerMoveForm,
    EventFields,
    LoanForm,
    MoveForm,
    ReasonForm,
    ReturnForm,
    SampleForm,
    WithdrawForm,
)
from barys.cryobank.models import Container, Sample

PAGE_SIZE = 100
LABEL_LIMIT = 200

View = Callable[..., HttpResponse]


def cryobank_view(func: View) -> View:
    """Signed-in people with a role (observers and above) only."""

    @login_required
    @wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.may_view(request.user):
            raise PermissionDenied
        try:
            return func(request, *args, **kwargs)
        except roles.PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapper


def _context_codes() -> list[str]:
    return list(
        Container.objects.exclude(kind=Container.Kind.FACILITY)
        .filter(active=True)
        .values_list("code", flat=True)
    )


@cryobank_view
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cryobank/home.html",
        {
            "summary": queries.collection_summary(),
            "materials": dict(Sample.Material.choices),
            "can_export": access.may_export(request.user),
        },
    )


@cryobank_view
def sample_list(request: HttpRequest) -> HttpResponse:
    filters = queries.SampleFilters.from_params(request.GET)
    found = queries.find(filters)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows = list(found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    items = access.present(rows[:PAGE_SIZE], user=request.user, surface="cryobank search")
    params = request.GET.copy()
    params.pop("page", None)
    from barys.incidents.forms import taxon_queryset

    return render(
        request,
        "cryobank/sample_list.html",
        {
            "filters": filters,
            "items": items,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query_string": params.urlencode(),
            "materials": Sample.Material.choices,
            "statuses": Sample.Status.choices,
            "taxa": taxon_queryset().filter(samples__isnull=False),
            "can_export": access.may_export(request.user),
            "codes": ",".join(s.code for s in rows[:PAGE_SIZE]),
        },
    )


@cryobank_view
def sample_detail(request: HttpRequest, code: str) -> HttpResponse:
    sample = get_object_or_404(
        Sample.objects.select_related(
            "taxon", "individual", "scope", "container", "parent", "source_incident"
        ),
        code=code,
    )
    item = access.present([sample], user=request.user, surface="cryobank sample page")[0]
    keeper = access.may_keep_storage(request.user)
    open_loan = sample.loans.filter(returned_at=None).first()
    return render(
        request,
        "cryobank/sample_detail.html",
        {
            "sample": sample,
            "loc": item.location,
            "custody": sample.custody.select_related("actor").order_by("at", "id"),
            "aliquots": sample.aliquots.select_related("container").order_by("code"),
            "loans": sample.loans.select_related("permit").order_by("-loaned_at"),
            "permits": sample.permits.all(),
            "keeper": keeper,
            "open_loan": open_loan,
            "label": labels.sample_label(
                sample,
                url=request.build_absolute_uri(
                    reverse("cryobank-sample", kwargs={"code": sample.code})
                ),
            ),
            "move_form": MoveForm(),
            "reason_form": ReasonForm(),
            "withdraw_form": WithdrawForm(),
            "aliquot_form": AliquotForm(),
            "loan_form": LoanForm(),
            "return_form": ReturnForm(initial={"loan": open_loan}) if open_loan else None,
            "container_codes": _context_codes() if keeper else [],
        },
    )


def _form_errors(form: Any) -> str:
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}"
        for k, v in form.errors.items()
    )


def _operation(
    request: HttpRequest, code: str, form_class: type, run: Callable[..., Any], done: str
) -> HttpResponse:
    sample = get_object_or_404(Sample, code=code)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("cryobank-sample", code=code)
    try:
        run(sample, form.cleaned_data)
    except services.CryobankError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("cryobank-sample", code=code)


@require_POST
@cryobank_view
def sample_move(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        MoveForm,
        lambda s, d: services.move_sample(
            sample=s,
            container=d["container"],
            position=d.get("position", ""),
            actor=request.user,
            reason=d.get("reason", ""),
        ),
        _("The sample was moved."),
    )


@require_POST
@cryobank_view
def sample_thaw(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        ReasonForm,
        lambda s, d: services.record_thaw(sample=s, actor=request.user, reason=d.get("reason", "")),
        _("The thaw was recorded."),
    )


@require_POST
@cryobank_view
def sample_take_out(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        ReasonForm,
        lambda s, d: services.take_out(sample=s, actor=request.user, reason=d.get("reason", "")),
        _("The sample was taken out of storage."),
    )


@require_POST
@cryobank_view
def sample_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        WithdrawForm,
        lambda s, d: services.withdraw(
            sample=s, quantity=d["quantity"], actor=request.user, reason=d["reason"]
        ),
        _("The withdrawal was recorded."),
    )


@require_POST
@cryobank_view
def sample_used_up(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        ReasonForm,
        lambda s, d: services.mark_used_up(
            sample=s, actor=request.user, reason=d.get("reason", "")
        ),
        _("The sample is marked used up."),
    )


@require_POST
@cryobank_view
def sample_aliquots(request: HttpRequest, code: str) -> HttpResponse:
    def run(sample: Sample, data: dict[str, Any]) -> Any:
        box = data.get("box")
        placements = None
        if box is not None:
            free = queries.free_positions(box)
            if len(free) < data["count"]:
                raise services.CryobankError(
                    _("Box %(box)s has only %(n)s free positions.")
                    % {"box": box.code, "n": len(free)}
                )
            placements = [(box, p) for p in free[: data["count"]]]
        return services.create_aliquots(
            parent=sample,
            actor=request.user,
            count=data["count"],
            quantity_each=data["quantity_each"],
            placements=placements,
            reason=data.get("reason", ""),
        )

    return _operation(request, code, AliquotForm, run, _("The aliquots were made."))


@require_POST
@cryobank_view
def sample_loan(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        LoanForm,
        lambda s, d: services.loan_sample(
            sample=s,
            actor=request.user,
            borrower=d["borrower"],
            contact=d.get("contact", ""),
            purpose=d.get("purpose", ""),
            reference=d.get("reference", ""),
            due_on=d.get("due_on"),
            permit=d.get("permit"),
        ),
        _("The loan was recorded."),
    )


@require_POST
@cryobank_view
def sample_return(request: HttpRequest, code: str) -> HttpResponse:
    return _operation(
        request,
        code,
        ReturnForm,
        lambda s, d: services.return_loan(
            loan=d["loan"],
            actor=request.user,
            quantity_returned=d["quantity_returned"],
            container=d.get("container"),
            position=d.get("position", ""),
            reason=d.get("reason", ""),
        ),
        _("The return was recorded."),
    )


@cryobank_view
def sample_new(request: HttpRequest) -> HttpResponse:
    form = SampleForm(
        request.POST or None,
        initial={
            "source_incident": request.GET.get("incident", ""),
            "individual": request.GET.get("individual", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = services.register_sample(
                actor=request.user,
                **form.common(),
                material=data["material"],
                quantity=data["quantity"],
                unit=data["unit"],
                preservation=data["preservation"],
                preparation=data.get("preparation", ""),
                container=data.get("container"),
                position=data.get("position", ""),
                concentration_ng_ul=data.get("concentration_ng_ul"),
                ratio_260_280=data.get("ratio_260_280"),
                remarks=data.get("remarks", ""),
            )
        except services.CryobankError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Sample %(code)s was registered.") % {"code": sample.code})
            return redirect("cryobank-sample", code=sample.code)
    return render(
        request, "cryobank/sample_form.html", {"form": form, "container_codes": _context_codes()}
    )


@cryobank_view
def sample_batch(request: HttpRequest) -> HttpResponse:
    """Several samples from one event (an incident, a capture, a necropsy) at once."""
    form = EventFields(
        request.POST or None,
        prefix="event",
        initial={"source_incident": request.GET.get("incident", ""), "source_kind": "necropsy"},
    )
    items = BatchItemFormSet(request.POST or None, prefix="item")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        rows = [f.cleaned_data for f in items.forms if f.filled]
        if not rows:
            messages.error(request, _("Fill in at least one sample."))
        else:
            try:
                made = services.register_samples_from_event(
                    actor=request.user,
                    items=[
                        {
                            "material": r["material"],
                            "quantity": r["quantity"],
                            "unit": r["unit"],
                            "preservation": r["preservation"],
                            "preparation": r.get("preparation") or "",
                            "container": r.get("container"),
                            "position": r.get("position") or "",
                        }
                        for r in rows
                    ],
                    **form.common(),
                )
            except services.CryobankError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(n)s samples were registered.") % {"n": len(made)})
                incident = form.cleaned_data.get("source_incident")
                if incident is not None:
                    return redirect(reverse("cryobank-samples") + "?incident=" + incident.code)
                return redirect("cryobank-sample", code=made[0].code)
    return render(
        request,
        "cryobank/sample_batch.html",
        {"form": form, "items": items, "container_codes": _context_codes()},
    )


@cryobank_view
def storage(request: HttpRequest) -> HttpResponse:
    return render(request, "cryobank/storage.html", {"tree": queries.storage_tree()})


@cryobank_view
def container_detail(request: HttpRequest, code: str) -> HttpResponse:
    container = get_object_or_404(Container.objects.select_related("parent"), code=code)
    move_form = ContainerMoveForm(request.POST or None)
    if request.method == "POST" and move_form.is_valid():
        try:
            entries = services.move_container(
                container=container,
                new_parent=move_form.cleaned_data["parent"],
                actor=request.user,
                reason=move_form.cleaned_data.get("reason", ""),
            )
        except services.CryobankError as exc:
            move_form.add_error("parent", str(exc))
        else:
            messages.success(
                request,
                _("The container was moved; %(n)s samples were logged.") % {"n": len(entries)},
            )
            return redirect("cryobank-container", code=container.code)
    grid = queries.box_grid(container) if container.kind == Container.Kind.BOX else None
    return render(
        request,
        "cryobank/container_detail.html",
        {
            "container": container,
            "grid": grid,
            "children": container.children.order_by("code"),
            "samples": container.samples.select_related("taxon").order_by("position", "code")
            if grid is None
            else [],
            "keeper": access.may_keep_storage(request.user),
            "move_form": move_form,
            "container_codes": _context_codes(),
        },
    )


@cryobank_view
def label_sheet(request: HttpRequest) -> HttpResponse:
    """A printable page of labels: ``?samples=CODE,CODE…`` or ``?container=CODE`` (its
    samples, or the container itself with ``&self=1``)."""
    codes = [c.strip() for c in request.GET.get("samples", "").split(",") if c.strip()]
    svgs: list[str] = []
    if request.GET.get("container"):
        container = get_object_or_404(Container, code=request.GET["container"])
        if request.GET.get("self"):
            svgs.append(
                labels.container_label(
                    container,
                    url=request.build_absolute_uri(
                        reverse("cryobank-container", kwargs={"code": container.code})
                    ),
                )
            )
        else:
            codes += list(
                container.samples.order_by("position", "code").values_list("code", flat=True)
            )
    samples = (
        Sample.objects.filter(code__in=codes[:LABEL_LIMIT])
        .select_related("taxon", "individual", "container")
        .order_by("code")
    )
    for sample in samples:
        svgs.append(
            labels.sample_label(
                sample,
                url=request.build_absolute_uri(
                    reverse("cryobank-sample", kwargs={"code": sample.code})
                ),
            )
        )
    return render(request, "cryobank/labels.html", {"labels": svgs, "printed": timezone.now()})


@cryobank_view
def label_svg(request: HttpRequest, code: str) -> HttpResponse:
    sample = get_object_or_404(
        Sample.objects.select_related("taxon", "individual", "container"), code=code
    )
    svg = labels.sample_label(
        sample,
        url=request.build_absolute_uri(reverse("cryobank-sample", kwargs={"code": sample.code})),
    )
    return HttpResponse(svg, content_type="image/svg+xml")


@cryobank_view
def export(request: HttpRequest, flavour: str) -> HttpResponse:
    """Darwin Core MaterialSample (``dwc``) or GGBN-style (``ggbn``) CSV of the search."""
    if not access.may_export(request.user):
        raise PermissionDenied
    if flavour not in {"dwc", "ggbn"}:
        raise Http404
    filters = queries.SampleFilters.from_params(request.GET)
    text = exports.export_text(queries.find(filters), user=request.user, flavour=flavour)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="cryobank-{flavour}-{stamp}.csv"'
    return response
