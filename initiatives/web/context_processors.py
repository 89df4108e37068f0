from django.conf import settings
from django.http import HttpRequest

import tracker


def shipshape(request: HttpRequest) -> dict:
    return {"shipshape_version": tracker.__version__, "site_url": settings.SITE_URL}
