# syntax=docker/dockerfile:1
# Manager Desk's production image: gunicorn with aiohttp's worker serving the bot on $PORT (default 3978).
#   docker build -t managerdesk .
#   docker run --rm -p 3978:3978 --env-file .env managerdesk
# Every variable is described in .env.example and docs/deploy.md. The image holds no secret and no state.

# The Python of CI and development (3.11), Debian's slim variant, pinned to a patch release.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.txt constraints.txt ./
# Runtime dependencies only (requirements-dev.txt never enters the image), into a venv copied whole below.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile -r requirements.txt

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3978 \
    LOG_FORMAT=json \
    STATE_DB=/var/lib/managerdesk/state.db \
    DEV_SIGNING_KEY=/var/lib/managerdesk/dev-signing-key.pem
RUN groupadd --system --gid 10001 managerdesk \
    && useradd --system --uid 10001 --gid managerdesk --home-dir /app --no-create-home managerdesk \
    && install -d -o managerdesk -g managerdesk -m 0700 /var/lib/managerdesk
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app.py gunicorn.conf.py ./
COPY bot/ bot/
COPY cards/ cards/
USER 10001:10001
EXPOSE 3978
# The liveness probe, with what the image has (no curl in slim images). Hosts with their own probes (App Service
# health check, Container Apps probes) use /healthz and /readyz directly.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT') or 3978}/healthz\", timeout=4)"]
# exec form: gunicorn is PID 1 and gets the host's SIGTERM itself (graceful shutdown, see gunicorn.conf.py).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:serve"]
