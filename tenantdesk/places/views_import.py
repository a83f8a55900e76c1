"""/company/buildings/import: upload a CSV or XLSX file, see what it would do, import it.

Step one (POST with the file) reads and checks every row and shows the preview: what will
be created, what exists already, every bad row by its line. Step two (POST with the
preview's token) reads the same file again, checks it against the database as it is then,
and imports all of it in one transaction or nothing. Company admins only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.core.body_limit import body_limit
from tenantdesk.places.access import places_editor_or_403
from tenantdesk.places.forms import ImportForm
from tenantdesk.places.importing import applying, checking, reading, staging

TEMPLATE = "places/import.html"


def _import_bytes() -> int:
    # The file rides on top of the REQUEST_BODY_MAX_BYTES every route gets
    # (core/body_limit.py refuses a larger body before Django reads a byte of it).
    return settings.PLACES_IMPORT_MAX_BYTES


def _page(request, *, form=None, plan=None, problem=None, token=None, name="", status=200):
    return render(
        request,
        TEMPLATE,
        {
            "form": form or ImportForm(),
            "plan": plan,
            "problem": problem,
            "token": token,
            "file_name": name,
            "columns": reading.COLUMNS,
            "max_bytes": settings.PLACES_IMPORT_MAX_BYTES,
        },
        status=status,
    )


@body_limit(upload_bytes=_import_bytes)
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    places_editor_or_403(request.user)
    if request.method == "GET":
        return _page(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read(settings.PLACES_IMPORT_MAX_BYTES + 1)
    try:
        rows = reading.read(upload.name, data)
    except reading.FileRefused as error:
        form.add_error("file", str(error))
        return _page(request, form=form, status=400)
    plan = checking.check(rows)
    if not plan.ok:
        return _page(request, form=form, plan=plan, name=upload.name, status=400)
    token = staging.keep(user=request.user, name=upload.name, data=data)
    return _page(request, plan=plan, token=token, name=upload.name)


@login_required
@require_POST
def import_apply(request):
    places_editor_or_403(request.user)
    try:
        name, data, path = staging.load(user=request.user, token=request.POST.get("token", ""))
    except staging.Expired:
        return _page(
            request,
            problem=_("This preview has expired or is not yours; upload the file again."),
            status=400,
        )
    try:
        done = applying.apply(reading.read(name, data))
    except reading.FileRefused as error:  # cannot happen for a previewed file; be plain
        return _page(request, problem=str(error), status=400)
    except applying.ImportRefused as refused:
        return _page(
            request,
            plan=refused.plan,
            problem=_("Nothing was imported: the file no longer fits the buildings as they are."),
            name=name,
            status=400,
        )
    staging.forget(path)
    messages.success(
        request,
        _("Imported: %(buildings)s buildings, %(premises)s premises, %(leases)s leases.")
        % {"buildings": done.buildings, "premises": done.premises, "leases": done.leases},
    )
    return redirect("places:buildings")
