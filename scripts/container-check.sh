#!/usr/bin/env bash
# The container, for real (README: "The container, checked here"). On a Debian bookworm machine,
# as root, with Debian's and PyPI's mirrors but no container registry:
#   1. installs podman, runc, mmdebstrap and podman-compose from Debian;
#   2. makes a Debian bookworm base image with mmdebstrap (nothing is pulled);
#   3. builds the bot's image from ./Dockerfile on it (BASE_IMAGE), and stand-in Redis,
#      PostgreSQL and Caddy images from Debian's packages (deploy/standins/);
#   4. in the image, as its non-root user: `notes-ocr-bot doctor`, then `notes-ocr-bot ocr` on
#      a drawn note, whose lines must be read back;
#   5. brings up deploy/compose.yaml with podman-compose (+ deploy/compose.check.yaml): the
#      proxy, two bot instances in webhook mode, two workers, Redis, PostgreSQL; a fake Bot
#      API on the host (scripts/container_chat.py) posts updates to https://localhost/telegram
#      (the proxy) and has two users send a photo each: each must get their note's lines back.
# Prints its total time and the image's size. Runs on demand, not in .ci/run (minutes).
#   scripts/container-check.sh          # reuses the base image and podman's layer cache
#   scripts/container-check.sh --fresh  # removes the check's images first: all from scratch
# Podman's settings for this machine live in a containers.conf of the check's own
# (CONTAINERS_CONF): runc (crun fails here: "cgroups in hybrid mode not supported"), no
# default ulimits (setting rlimits is not permitted here), cgroupfs, events in a file.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
START=$(date +%s)
BASE=localhost/notes-ocr-base:bookworm
IMAGE=localhost/notes-ocr-bot:latest # deploy/compose.yaml's `image: notes-ocr-bot`
PROJECT=notes-ocr-check
STATE=$(mktemp -d /tmp/notes-ocr-check.XXXXXX)
say() { echo "== $(($(date +%s) - START)) s: $*"; }
fail() {
  echo "FAILED: $*" >&2
  echo "(logs in $STATE)" >&2
  exit 1
}

# 1. Tools, and podman's settings.
if [ "$(id -u)" -ne 0 ]; then fail "run as root (podman's rootful mode; apt-get)"; fi
missing=""
for p in podman runc mmdebstrap podman-compose netavark aardvark-dns iptables; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  say "installing$missing"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
cat >"$STATE/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$STATE/containers.conf
bash scripts/bootstrap.sh >"$STATE/bootstrap.log" 2>&1 || fail "scripts/bootstrap.sh"
if [ "${1:-}" = "--fresh" ]; then
  for standin in redis postgres caddy; do
    podman image rm -f "localhost/notes-ocr-standin-$standin" >/dev/null 2>&1 || true
  done
  podman image rm -f "$IMAGE" "$BASE" >/dev/null 2>&1 || true
fi

# 2. The base: Debian bookworm from Debian's packages. A machine whose HTTPS goes through an
# inspecting proxy trusts that proxy's CA in /usr/local/share/ca-certificates; the base
# trusts the same, and pip in the image is pointed at that bundle (PIP_CERT).
if ! podman image exists "$BASE"; then
  say "making the base with mmdebstrap"
  hook='true'
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    hook='cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/" && chroot "$1" update-ca-certificates'
  fi
  mmdebstrap --variant=minbase --include=ca-certificates --customize-hook="$hook" \
    bookworm "$STATE/base.tar" >"$STATE/mmdebstrap.log" 2>&1 || fail "mmdebstrap"
  podman import --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt" \
    "$STATE/base.tar" "$BASE" >/dev/null 2>&1
  rm -f "$STATE/base.tar"
else
  say "reusing the base $BASE (--fresh makes it again)"
fi

# 3. The images. Aspose's extra models come from GitHub, which this machine does not reach.
say "building $IMAGE from ./Dockerfile (log: $STATE/build.log)"
podman build --build-arg BASE_IMAGE="$BASE" --build-arg ASPOSE_MODELS= -t "$IMAGE" . \
  >"$STATE/build.log" 2>&1 || { tail -30 "$STATE/build.log"; fail "podman build"; }
for standin in redis postgres caddy; do
  podman build --build-arg BASE_IMAGE="$BASE" -t "localhost/notes-ocr-standin-$standin" \
    -f "deploy/standins/$standin.Dockerfile" deploy/standins >"$STATE/build-$standin.log" 2>&1 \
    || { tail -30 "$STATE/build-$standin.log"; fail "building the $standin stand-in"; }
done
say "images built"

# 4. One container: the doctor, and a drawn note read back, as the image's own user.
mkdir -m 755 "$STATE/note"
PYTHONPATH=$REPO .venv/bin/python scripts/container_chat.py note "$STATE/note/note.png" \
  >"$STATE/note/lines.txt"
chmod 644 "$STATE/note/"*
podman run --rm -v "$STATE/note:/check:ro" "$IMAGE" sh -c \
  'echo "user: $(id -un)"; notes-ocr-bot doctor && notes-ocr-bot ocr /check/note.png' \
  >"$STATE/one.log" 2>&1 || { cat "$STATE/one.log"; fail "doctor or ocr in the image"; }
grep -qx "user: bot" "$STATE/one.log" || fail "the image does not run as its user bot"
while IFS= read -r line; do
  grep -qF "$line" "$STATE/one.log" || { cat "$STATE/one.log"; fail "ocr did not read '$line'"; }
done <"$STATE/note/lines.txt"
say "doctor passed and ocr read the note's $(wc -l <"$STATE/note/lines.txt") lines, as user bot"

# 5. The compose deployment, from copies in a project directory of the check's own, so that
# the repo's .env (the operator's token) is neither read nor written. The proxy publishes 80
# and 443 on the host, as deploy/compose.yaml says; PUBLIC_HOST=localhost: Caddy's own CA.
for port in 80 443; do
  if ss -Hltn "sport = :$port" | grep -q .; then fail "port $port is taken: the proxy needs it"; fi
done
PROJ=$STATE/project
mkdir -p "$PROJ/deploy"
cp deploy/compose.yaml deploy/compose.check.yaml deploy/Caddyfile "$PROJ/deploy/"
TOKEN="424242:check$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
printf 'TELEGRAM_BOT_TOKEN=%s\nWEBHOOK_SECRET_TOKEN=check-secret\nLOG_LEVEL=INFO\n' "$TOKEN" \
  >"$PROJ/.env"
PYTHONPATH=$REPO .venv/bin/python scripts/container_chat.py chat "$STATE" --token "$TOKEN" \
  --webhook https://localhost/telegram >"$STATE/chat.log" 2>&1 &
CHAT=$!
compose() {
  (cd "$PROJ" && POSTGRES_PASSWORD=check-password PUBLIC_HOST=localhost \
    podman-compose -p "$PROJECT" -f deploy/compose.yaml -f deploy/compose.check.yaml "$@")
}
project_containers() {
  podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'
}
remove_project() {
  # -v: the anonymous /data volumes too (compose down removes only the named ones).
  project_containers | xargs -r podman rm -f -v >/dev/null 2>&1 || true
  compose down -v >>"$STATE/down.log" 2>&1 || true
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
}
cleanup() {
  kill "$CHAT" 2>/dev/null || true
  remove_project
}
trap cleanup EXIT
for _ in $(seq 100); do
  [ -s "$STATE/api_port" ] && break
  kill -0 "$CHAT" 2>/dev/null || { cat "$STATE/chat.log"; fail "the fake Bot API did not start"; }
  sleep 0.1
done
export CHECK_API_PORT
CHECK_API_PORT=$(cat "$STATE/api_port")
say "bringing up deploy/compose.yaml (project $PROJECT; log: $STATE/up.log)"
remove_project # what an interrupted run left
# The proxy starts first. Here (gVisor, netavark) a container publishing ports that starts
# later cuts the connections the others hold open to the host: the bots' pooled connections to
# the fake would hang until their timeouts, and the users would get no answer.
# (podman-compose 1.0.3 returns 0 whatever podman says: the containers are counted instead.)
{ compose up --no-build --no-start && compose start proxy && compose start; } >"$STATE/up.log" 2>&1
running=$(podman ps --filter "label=io.podman.compose.project=$PROJECT" -q | wc -l)
if [ "$running" -ne 7 ]; then
  tail -30 "$STATE/up.log"
  fail "podman-compose up: $running containers of 7 run"
fi
show_logs() {
  cat "$STATE/chat.log"
  for c in $(project_containers); do
    echo "--- $c"
    podman logs --tail 30 "$c" 2>&1
  done
}
# A container that keeps dying (restart: unless-stopped) fails the check at once. The fake
# trusts the proxy's CA once Caddy has made it.
CA=/data/caddy/pki/authorities/local/root.crt
while kill -0 "$CHAT" 2>/dev/null; do
  if [ ! -s "$STATE/proxy-ca.pem" ] &&
    podman exec "${PROJECT}_proxy_1" cat "$CA" >"$STATE/proxy-ca.tmp" 2>/dev/null; then
    mv "$STATE/proxy-ca.tmp" "$STATE/proxy-ca.pem"
  fi
  for c in $(project_containers); do
    if [ "$(podman inspect --format '{{.RestartCount}}' "$c")" -gt 2 ]; then
      show_logs
      fail "$c keeps restarting"
    fi
  done
  sleep 2
done
if ! wait "$CHAT"; then
  show_logs
  fail "the users did not get their notes back from the deployment"
fi
cat "$STATE/chat.log"
say "compose deployment answered both users"
trap - EXIT
cleanup

SIZE=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "container check passed in $(($(date +%s) - START)) s; image $IMAGE:" \
  "$((SIZE / 1000000)) MB ($(podman image inspect --format '{{.Id}}' "$IMAGE" | cut -c1-12))"
rm -rf "$STATE"
