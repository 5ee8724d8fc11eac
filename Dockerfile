# syntax=docker/dockerfile:1
# One image for every Mixdown process: the API (mixdown serve), workers (mixdown worker) and the render
# node (mixdown render-node --host 0.0.0.0); the command picks which. Build: docker build -t mixdown .

# --- build: the Swift toolchain and the C libraries' headers -------------------------------------------
FROM swift:6.3.1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libebur128-dev libsqlite3-dev libcurl4-openssl-dev libyaml-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest first, so a change to the sources does not fetch the packages again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY Schemas ./Schemas
# The web studio's files are a resource bundle that must sit beside the binary.
RUN swift build -c release --static-swift-stdlib --product mixdown \
    && install -m 0755 "$(swift build -c release --show-bin-path)/mixdown" /usr/local/bin/mixdown \
    && cp -R "$(swift build -c release --show-bin-path)/Mixdown_MixdownServer.resources" /usr/local/bin/

# --- run: ffmpeg, yt-dlp, libebur128 and a font; no compiler --------------------------------------------
FROM debian:bookworm-slim
ARG YTDLP_VERSION=2026.10.26
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg libebur128-1 libsqlite3-0 libcurl4 libxml2 \
        fonts-dejavu-core ca-certificates curl python3 python3-pip \
    && pip3 install --no-cache-dir --break-system-packages "yt-dlp==${YTDLP_VERSION}" \
    && apt-get purge -y python3-pip && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/mixdown --shell /usr/sbin/nologin mixdown
COPY --from=build /usr/local/bin/mixdown /usr/local/bin/mixdown
COPY --from=build /usr/local/bin/Mixdown_MixdownServer.resources /usr/local/bin/Mixdown_MixdownServer.resources
USER 10001
WORKDIR /var/lib/mixdown
# The embedded defaults keep their files here (a volume); production points MIXDOWN_STORE and
# MIXDOWN_STORAGE at PostgreSQL or libSQL and a bucket instead.
VOLUME ["/var/lib/mixdown"]
ENV DEPLOY_ENV=production MIXDOWN_HOST=0.0.0.0 MIXDOWN_PORT=8080
EXPOSE 8080
# The API's liveness. Workers serve no port and render nodes another one: run those with
# --no-healthcheck (docker run) or their own check (render nodes answer GET /healthz on theirs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["sh", "-c", "curl -fsS http://127.0.0.1:${MIXDOWN_PORT}/healthz || exit 1"]
ENTRYPOINT ["mixdown"]
CMD ["serve"]
