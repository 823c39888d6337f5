#!/bin/sh
# The backup service of compose.yaml, run in the PostgreSQL image (PGHOST, PGUSER,
# PGDATABASE and PGPASSWORD name the database):
#   kapacitet-backup once     one backup now
#   kapacitet-backup every    one now, then one every BACKUP_INTERVAL_HOURS hours
# A backup is /backups/kapacitet-<UTC time>.dump (pg_dump's custom format: restore it with
# pg_restore, docs/deploy.md) and env-<UTC time>, a copy of .env (the bot's token and the
# database password); both readable by their owner only. BACKUP_DIR and BACKUP_ENV_FILE
# move them (the tests, or a server without Docker). Backups older than BACKUP_KEEP_DAYS days
# are deleted after each new one.
set -eu
umask 077
dir="${BACKUP_DIR:-/backups}"
env_file="${BACKUP_ENV_FILE:-/source/.env}"
hours="${BACKUP_INTERVAL_HOURS:-24}"
keep="${BACKUP_KEEP_DAYS:-14}"

once() {
    stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
    part="$dir/.kapacitet-$stamp.dump.part"
    if ! pg_dump --format=custom --file="$part"; then
        rm -f "$part"
        echo "backup: pg_dump failed; nothing was written" >&2
        return 1
    fi
    mv "$part" "$dir/kapacitet-$stamp.dump"
    if [ -f "$env_file" ]; then
        cp "$env_file" "$dir/env-$stamp"
    fi
    find "$dir" -maxdepth 1 -type f \( -name 'kapacitet-*.dump' -o -name 'env-*' \) \
        -mtime +"$keep" -delete
    echo "backup: wrote kapacitet-$stamp.dump ($(du -k "$dir/kapacitet-$stamp.dump" | cut -f1) KB)" \
        "and env-$stamp; backups older than $keep days deleted"
}

case "${1:-every}" in
    once)
        once
        ;;
    every)
        trap 'exit 0' INT TERM
        while :; do
            once || echo "backup: will try again in $hours hours" >&2
            sleep $((hours * 3600)) &
            wait $!
        done
        ;;
    *)
        echo "usage: kapacitet-backup once|every" >&2
        exit 2
        ;;
esac
