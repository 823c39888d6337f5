# Kapacitet: the bot in polling mode. Data (the default SQLite file) lives in /data;
# set DATABASE_URL to use PostgreSQL instead. Migrations are applied on start.
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
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 kapacitet && mkdir /data && chown kapacitet /data
USER kapacitet
WORKDIR /data

# The default database goes under ./data of the working folder: /data/data/.
CMD ["python", "-m", "bot", "run"]
