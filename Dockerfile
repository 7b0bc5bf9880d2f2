# Attune: one container, SQLite in /data by default (set DATABASE_URL for PostgreSQL).

# Build stage: the same pip install of the project that CI and `make run` perform.
FROM python:3.11.14-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/attune
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY scheduler ./scheduler
COPY messages ./messages
COPY store ./store
COPY progress ./progress
COPY emulator ./emulator
RUN /opt/attune/bin/python -m pip install --no-cache-dir .

# Runtime stage: no build tools, not root.
FROM python:3.11.14-slim-bookworm
RUN groupadd --gid 10001 attune \
    && useradd --create-home --uid 10001 --gid 10001 attune \
    && mkdir /data \
    && chown attune:attune /data
COPY --from=build /opt/attune /opt/attune
ENV PATH=/opt/attune/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/attune.db
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["attune"]
CMD ["run"]
