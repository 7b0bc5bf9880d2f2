# Attune: one container, SQLite in /data by default (set DATABASE_URL for PostgreSQL).
# Serves /healthz, /readyz and /metrics on ATTUNE_HTTP_PORT (8080), and the webhook there
# in webhook mode. docker-compose.yml runs it with PostgreSQL, alone or as replicas.

# Build stage: the install CI performs. Every dependency comes from requirements.lock,
# pinned by version and hash (CI checks it matches pyproject.toml: `make lock-check`); the
# project itself then adds nothing (--no-deps).
FROM python:3.11.14-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/attune
COPY requirements.lock ./
RUN /opt/attune/bin/python -m pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY scheduler ./scheduler
COPY messages ./messages
COPY store ./store
COPY progress ./progress
COPY emulator ./emulator
COPY tryout ./tryout
RUN /opt/attune/bin/python -m pip install --no-cache-dir --no-deps .

# Runtime stage: no build tools, not root.
FROM python:3.11.14-slim-bookworm
RUN groupadd --gid 10001 attune \
    && useradd --create-home --uid 10001 --gid 10001 attune \
    && mkdir --mode=700 /data \
    && chown attune:attune /data
COPY --from=build /opt/attune /opt/attune
# ATTUNE_IN_CONTAINER: the working directory is the /data volume, so no .env is read
# from it (only a file ATTUNE_ENV_FILE names) and development mode is refused.
# ATTUNE_HTTP_HOST: the published port reaches the container from outside it, never its
# loopback; publish it on the host's 127.0.0.1 (README, docker-compose.yml).
ENV PATH=/opt/attune/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/attune.db \
    ATTUNE_IN_CONTAINER=1 \
    ATTUNE_HTTP_HOST=0.0.0.0
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# Liveness without curl: the process answers /healthz on its HTTP port (any error or a
# status other than 200 within 3 s is unhealthy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ATTUNE_HTTP_PORT', '8080'), timeout=3); sys.exit(0 if r.status == 200 else 1)"]
# `attune run` stops within 10 s of SIGTERM; give it 15 (docker run --stop-timeout 15,
# compose stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["attune"]
CMD ["run"]
