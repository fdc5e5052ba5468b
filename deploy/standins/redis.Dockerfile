# A stand-in for the official redis:7 image of deploy/compose.yaml, from Debian's redis-server,
# for machines that reach Debian but no container registry (scripts/container-check.sh).
# Same contract: the command line is redis-server's, data in /data, reachable on the network.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends redis-server >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/
WORKDIR /data
VOLUME ["/data"]
EXPOSE 6379
ENTRYPOINT ["sh", "/usr/local/bin/redis-entrypoint.sh"]
CMD ["redis-server"]
