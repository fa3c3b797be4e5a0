# One image for every role: `docker run IMAGE run|bot|daemon|migrate|sim|doctor`.
# Stage 1 builds wheels for podwarden and every dependency, pinned by requirements.lock;
# stage 2 installs them on a slim base as a non-root user, so the runtime image carries no
# compiler and no source tree.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md LICENSE requirements.lock ./
COPY podwarden ./podwarden
COPY bot ./bot
COPY daemon ./daemon
COPY migrations ./migrations
RUN pip wheel --wheel-dir /wheels --constraint requirements.lock '.[postgres]'

FROM python:3.11-slim
# The ledger defaults to a SQLite file on the /data volume; compose.yaml points it at PostgreSQL.
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XDG_DATA_HOME=/data \
    PODWARDEN_DATABASE_URL=sqlite:////data/podwarden/podwarden.db
RUN useradd --create-home --uid 10001 podwarden && mkdir -p /data/podwarden && chown -R podwarden /data
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels 'podwarden[postgres]' && rm -rf /wheels
USER podwarden
WORKDIR /home/podwarden
VOLUME ["/data"]
EXPOSE 3000 8765
# Local only, never a call to RunPod or Slack: settings, the ledger and the daemon's heartbeat in it.
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["podwarden", "doctor", "--local"]
ENTRYPOINT ["podwarden"]
# The bot and the daemon in one process. `podwarden sim --host 0.0.0.0` serves the simulator.
CMD ["run"]
