#!/bin/sh
# The stand-in postgres image's entrypoint (postgres.Dockerfile): the first start makes the
# cluster from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB; every start runs the server
# as the postgres user, listening on all addresses of the container.
set -eu
if [ "${1:-}" != postgres ]; then
    exec "$@"
fi
shift
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
    chown postgres "$password_file"
    as_postgres initdb --username="$user" --pwfile="$password_file" --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$password_file"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    as_postgres pg_ctl -w -o "-c listen_addresses=''" start >/dev/null
    if [ "$database" != postgres ]; then
        as_postgres psql -q -v ON_ERROR_STOP=1 -U "$user" -d postgres \
            -c "CREATE DATABASE \"$database\""
    fi
    as_postgres pg_ctl -w -m fast stop >/dev/null
    echo "stand-in postgres: made the cluster for database $database"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c listen_addresses='*' "$@"
