"""The evidence pack of an initiative (``audit.evidence``) as a printable page, and as the
same JSON the API gives, downloaded (``?download=json``). Any member of the team may read it;
others get 404."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from initiatives.audit.evidence import evidence_pack, pack_json
from initiatives.models import Initiative
from initiatives.selectors import pages as read
from initiatives.web.views.base import AuthenticatedHttpRequest


@login_required
def evidence_page(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    try:
        initiative = read.initiative_for(request.user, key)
    except Initiative.DoesNotExist:
        raise Http404("No such initiative.") from None
    pack = evidence_pack(initiative, now=timezone.now())
    if request.GET.get("download") == "json":
        body = json.dumps(pack_json(pack, timezone.get_current_timezone()), indent=2)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{initiative.key}-evidence.json"'
        return response
    return render(request, "initiatives/evidence.html", {"pack": pack, "initiative": initiative})
