# A stand-in for the official caddy:2 image of deploy/compose.yaml, from Debian's caddy (2.6),
# for machines that reach Debian but no container registry (scripts/container-check.sh).
# Same contract: the Caddyfile at /etc/caddy/Caddyfile, certificates and keys in /data.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends caddy ca-certificates >/dev/null && apt-get clean \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /data /config
ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
VOLUME ["/data", "/config"]
EXPOSE 80 443
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
