#!/bin/sh
# As the official image's entrypoint: redis-server runs as the redis user, and without a
# config file it would refuse other containers (protected mode), so it is turned off.
set -eu
if [ "${1:-}" = "redis-server" ]; then
  shift
  chown -R redis:redis /data
  exec runuser -u redis -- redis-server --protected-mode no "$@"
fi
exec "$@"
