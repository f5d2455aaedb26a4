# Tenantry's container image: `tenantry serve` on 0.0.0.0:8080 as an unprivileged user.
#
#   docker build -t tenantry .
#   docker run --read-only --tmpfs /tmp -v tenantry-data:/var/lib/tenantry -p 8080:8080 tenantry
#
# The base images are build arguments, so a mirror or a pinned digest can stand in for them
# (--build-arg SWIFT_IMAGE=… --build-arg RUNTIME_IMAGE=…). Nothing secret is baked in: the
# master key and the database URLs come from the environment at run time (docs/operations.md,
# "Deploying with the container image"). scripts/check-deploy lints this file; since no
# registry is reachable where the tests run, it builds deploy/container/Containerfile.local
# instead, an image of the same shape made from the binary the tests built.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build ----------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

# TenantrySAML links Debian's libxmlsec1 (OpenSSL engine) and libxml2; CZlib links zlib.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libxmlsec1-dev libxml2-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Package.swift declares the test targets too, so their folders must be there to build.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests

# The Swift runtime and Foundation are linked statically; the C libraries above stay shared.
# Debug information is stripped; the symbols stay for the backtracer.
RUN swift build -c release --product tenantry --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/tenantry" /staging/usr/local/bin/tenantry \
    && strip --strip-debug /staging/usr/local/bin/tenantry

# --- runtime --------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# libxmlsec1-openssl brings libxmlsec1, libxml2, libxslt1.1, libssl3, libicu72 and zlib1g;
# ca-certificates for outbound TLS (webhooks, SMTP, OpenID Connect); tzdata for Foundation's
# time zones; curl for HEALTHCHECK (which buildah and podman keep only with --format docker).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates curl libxmlsec1-openssl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 tenantry \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/tenantry --no-create-home \
        --shell /usr/sbin/nologin tenantry \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/tenantry

COPY --from=build /staging/ /

# Listen on every interface. On SQLite the database and its master.key live in the data
# volume; on PostgreSQL set TENANTRY_DATABASE_URL (and TENANTRY_MASTER_KEY) at run time and
# nothing is written at all. /tmp is only for SQLite's temporary files: mount a tmpfs there
# with a read-only root filesystem.
ENV TENANTRY_HOST=0.0.0.0 \
    TENANTRY_PORT=8080 \
    TENANTRY_DATABASE_URL=sqlite:/var/lib/tenantry/tenantry.db

WORKDIR /var/lib/tenantry
VOLUME ["/var/lib/tenantry"]
USER 10001:10001
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${TENANTRY_PORT:-8080}/health/live\" || exit 1"]

ENTRYPOINT ["tenantry"]
CMD ["serve"]
