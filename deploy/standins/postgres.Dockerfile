# A stand-in for the official postgres:16 image of deploy/compose.yaml, from Debian's
# PostgreSQL (15 in bookworm), for machines that reach Debian but no container registry
# (scripts/container-check.sh). Same contract: POSTGRES_USER, POSTGRES_PASSWORD and
# POSTGRES_DB make the role and database on first start; data in /var/lib/postgresql/data.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# No "main" cluster from the package: the entrypoint makes the one in PGDATA.
RUN mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends postgresql-15 >/dev/null && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
ENTRYPOINT ["sh", "/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]
