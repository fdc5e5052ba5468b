#!/bin/sh
# As the official image's entrypoint: on an empty PGDATA, initdb with POSTGRES_USER as the
# superuser (password POSTGRES_PASSWORD, required from other hosts) and create POSTGRES_DB;
# then run the server as the postgres user, listening on every interface.
set -eu
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /run/postgresql
  chown postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  exec runuser -u postgres -- sh "$0" "$@"
fi
if [ "${1:-}" != "postgres" ]; then exec "$@"; fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?set it}"
  user=${POSTGRES_USER:-postgres}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "${POSTGRES_DB:-$user}" != postgres ]; then
    echo "CREATE DATABASE \"${POSTGRES_DB:-$user}\"" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
shift
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
