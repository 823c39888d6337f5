# A stand-in for postgres:16 where Docker Hub cannot be reached (./kapacitet test-deploy):
# Debian bookworm's PostgreSQL (15: bookworm has no 16) behind an entrypoint that does what
# compose.yaml relies on in the official image: POSTGRES_USER, POSTGRES_PASSWORD and
# POSTGRES_DB make the first cluster in PGDATA, local connections are trusted and network
# ones need the password, the server runs as the postgres user.
ARG BASE
FROM ${BASE}
RUN mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
