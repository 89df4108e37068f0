# syntax=docker/dockerfile:1
# One image for the web (gunicorn), the Celery worker and Celery beat; compose.yaml shows all
# three, and CI builds and runs it (.ci/image.py). README "Deploying" has the commands.
#
#   docker build -t shipshape .                              # wheels built inside (network)
#   pip wheel -w wheelhouse . && \
#     docker build --build-arg WHEELS=wheelhouse -t shipshape .   # air-gapped: host's wheels
#
# WHEELS picks where the runtime stage gets its wheels from: "build" (the stage below builds
# them from PyPI) or "wheelhouse" (./wheelhouse, built beforehand on a host that reaches a
# package registry; no network is needed in the build then).
ARG WHEELS=build

# --- wheels, built here ----------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS wheels-build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY tracker ./tracker
COPY initiatives ./initiatives
RUN pip wheel --wheel-dir /wheels .

# --- wheels, brought from the host -----------------------------------------------------------
FROM python:3.11-slim-bookworm AS wheels-wheelhouse
COPY wheelhouse /wheels

FROM wheels-${WHEELS} AS wheels

# --- runtime: slim, non-root, no build tools -------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=tracker.settings \
    SHIPSHAPE_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    PROMETHEUS_MULTIPROC_DIR=/tmp/shipshape-metrics \
    PORT=8000
RUN groupadd --system --gid 10001 shipshape \
    && useradd --system --uid 10001 --gid shipshape --home-dir /app --shell /usr/sbin/nologin shipshape
WORKDIR /app
# pyproject.toml first: a builder's layer cache does not see what a bind mount holds, so the
# install below is redone exactly when the dependencies it lists change.
COPY pyproject.toml ./
# The wheels are mounted for this one step, not copied: they never become a layer. The project
# runs from its source tree below; only its dependencies stay installed.
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels shipshape \
    && pip uninstall -y shipshape
# The source tree (templates, static/, manage.py, gunicorn.conf.py), read-only for the app.
COPY manage.py gunicorn.conf.py ./
COPY tracker ./tracker
COPY initiatives ./initiatives
COPY templates ./templates
COPY static ./static
# Static files are collected at build time (outside var/, which may be a tmpfs) and served by
# whitenoise. The settings need a SECRET_KEY with DEBUG off; this one is for collectstatic only.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost PROMETHEUS_MULTIPROC_DIR= \
      python manage.py collectstatic --noinput -v0 \
    && python -m compileall -q tracker initiatives \
    && rm -rf /app/var && mkdir -p /app/var /tmp/shipshape-metrics \
    && chown -R shipshape:shipshape /app/var /tmp/shipshape-metrics
USER shipshape:shipshape
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)" || exit 1
# Web by default; the worker and beat override the command (see compose.yaml). With a
# read-only root filesystem, mount tmpfs on /tmp and /app/var.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "tracker.wsgi"]
