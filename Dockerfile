# Kapacitet: the bot (polling, or a webhook when WEBHOOK_URL is set). Data (the default
# SQLite file) lives in /data; set DATABASE_URL to use PostgreSQL instead (compose.yaml
# does). Migrations are applied on every start. See docs/deploy.md.

# The base image, pinned by digest (the list of all platforms): a tag alone can be moved to
# other contents by whoever controls the registry. The same pin is in compose.yaml; a release
# renews both (docs/deploy.md, "Pinning the base images").
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

# The project's wheel, built with the locked hatchling: nothing is fetched unchecked.
FROM ${PYTHON_IMAGE} AS wheel
# Optional: where pip takes the locked files from instead of PyPI, a mirror (PIP_INDEX_URL)
# or a folder of wheels served over HTTP (PIP_NO_INDEX=1, PIP_FIND_LINKS); `./kapacitet
# test-deploy` uses the second. Every file is still checked against its hash in the lock.
# Build arguments show in `docker history`: no passwords in these addresses.
ARG PIP_INDEX_URL
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY requirements/build.txt requirements/
RUN pip install --require-hashes --only-binary :all: -r requirements/build.txt
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY locales ./locales
COPY migrations ./migrations
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG PIP_INDEX_URL
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# What running needs, every file checked against its sha256 in the lock and taken only as
# a wheel (no package's build code runs here); then, in a layer of its own so that a change
# of the code does not install the dependencies again, the project's wheel without
# dependencies. Time zones come from the locked tzdata package (the slim image has no
# /usr/share/zoneinfo).
COPY requirements/run.txt /tmp/run.txt
RUN pip install --require-hashes --only-binary :all: -r /tmp/run.txt && rm /tmp/run.txt
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels

# The bot runs with PYTHONOPTIMIZE=2: docstrings and asserts are left out of its memory
# (about 8 MiB of an idle bot, docs/benchmarks.md "Idle memory"; its asserts only narrow
# types). Everything it may import is compiled here, once, at that level: nothing writes
# bytecode at run time (PYTHONDONTWRITEBYTECODE, a read-only install) and the official image
# ships none, so each start would otherwise compile the standard library and every package
# from source again.
ENV PYTHONOPTIMIZE=2
RUN python -m compileall -q -j 0 -o 2 -x '/(test|tests|idle_test|lib2to3)/' \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')" \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"

# The catalogs compiled once, here, into the cache every start reads (bot.i18n.translator:
# parsing them at each start left about 5 MiB in the bot's memory).
ENV KAPACITET_CACHE_DIR=/opt/kapacitet/cache
RUN python -c "from bot.i18n.translator import warm_cache; print(warm_cache())" && \
    chmod -R a+rX /opt/kapacitet

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

# By this label `./kapacitet test-deploy` finds its earlier builds to remove them.
LABEL org.opencontainers.image.title=kapacitet

# The default database goes under ./data of the working folder: /data/data/.
CMD ["python", "-m", "bot", "run"]
