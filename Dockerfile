# One image for every role: `docker run IMAGE bot|daemon|run|migrate|sim|doctor`.
# Stage 1 builds a wheel and its dependencies; stage 2 installs them on a slim base as a
# non-root user, so the runtime image carries no compiler and no source tree.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY podwarden ./podwarden
COPY bot ./bot
COPY daemon ./daemon
COPY migrations ./migrations
RUN pip wheel --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 \
    PODWARDEN_DATABASE_URL=sqlite:////data/podwarden.db
RUN useradd --create-home --uid 10001 podwarden && mkdir /data && chown podwarden /data
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels 'podwarden[postgres]' && rm -rf /wheels
USER podwarden
WORKDIR /home/podwarden
VOLUME ["/data"]
# `doctor` exits non-zero when settings, the ledger, RunPod or Slack are not usable.
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 CMD ["podwarden", "doctor"]
ENTRYPOINT ["podwarden"]
CMD ["run"]
