# Kapacitet: the bot (polling, or a webhook when WEBHOOK_URL is set). Data (the default
# SQLite file) lives in /data; set DATABASE_URL to use PostgreSQL instead (compose.yaml
# does). Migrations are applied on every start. See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY locales ./locales
COPY migrations ./migrations
# Time zones come from the pinned tzdata package (the slim image has no /usr/share/zoneinfo).
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 kapacitet && mkdir /data && chown kapacitet /data
USER kapacitet
WORKDIR /data

# The webhook server (only listens when WEBHOOK_URL is set). The ops server (/health,
# /metrics) listens on OPS_HOST:OPS_PORT, 127.0.0.1:9090 by default: inside the container.
EXPOSE 8443

# No curl in the slim image: ask /health with Python. 503 (database down) or no answer
# fails the check. Needs the ops server (OPS_PORT not 0).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('OPS_PORT') or '9090'; sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=8).status == 200 else 1)"]

# The default database goes under ./data of the working folder: /data/data/.
CMD ["python", "-m", "bot", "run"]
