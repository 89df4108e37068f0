# syntax=docker/dockerfile:1
# One image for the web (gunicorn), the Celery worker and Celery beat; compose.yaml shows all
# three. Build: docker build -t shipshape .

# --- build: wheels for the project and its dependencies -----------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY tracker ./tracker
COPY initiatives ./initiatives
RUN pip wheel --wheel-dir /wheels .

# --- runtime: slim, non-root ----------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=tracker.settings \
    SHIPSHAPE_VAR_DIR=/app/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/shipshape-metrics \
    PORT=8000
RUN groupadd --system --gid 10001 shipshape \
    && useradd --system --uid 10001 --gid shipshape --home-dir /app --shell /usr/sbin/nologin shipshape
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels /wheels/*.whl && rm -rf /wheels
# The source tree too (templates, static/, manage.py, gunicorn.conf.py), read-only for the app.
COPY . .
# Static files are collected at build time and served by whitenoise. The settings need a
# SECRET_KEY with DEBUG off; this throwaway one is used for collectstatic only.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
      python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var /tmp/shipshape-metrics \
    && chown -R shipshape:shipshape /app/var /tmp/shipshape-metrics
USER shipshape:shipshape
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)" || exit 1
# Web by default; the worker and beat override the command (see compose.yaml).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "tracker.wsgi"]
