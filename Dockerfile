# syntax=docker/dockerfile:1
# cxbot in a container: a Rust builder, then a small Debian runtime with only the binary,
# the CA certificates (Slack and the helpdesks are called over HTTPS) and a non-root user.
#
#   docker build -t cxbot .
#   docker run -d --name cxbot -p 3000:3000 -v cxbot-data:/data \
#     -e SLACK_SIGNING_SECRET=... -e SLACK_BOT_TOKEN=xoxb-... cxbot
#
# SQLite lives on the /data volume; with PostgreSQL set DATABASE_URL=postgres://... and
# the volume holds nothing. See README.md, "Running with Docker".

# sqlx 0.9 needs Rust 1.94 or newer; 1.95 is the toolchain cxbot is built and tested with.
FROM rust:1.95-bookworm AS build
WORKDIR /src
# Everything Cargo.toml names (benches, examples and tests are targets of the package, so
# they must exist for cargo to read it), the migrations (embedded at compile time) and the
# example playbook (the built-in defaults).
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY cxbot.example.toml ./
COPY benches ./benches
COPY examples ./examples
COPY tests ./tests
# The registry and target caches survive between builds (BuildKit); the binary is copied
# out of the cache mount so the next stage can take it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin cxbot \
    && cp target/release/cxbot /usr/local/bin/cxbot

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 cxbot \
    && useradd --system --uid 10001 --gid cxbot --home-dir /data --shell /usr/sbin/nologin cxbot \
    && mkdir -p /data /etc/cxbot \
    && chown cxbot:cxbot /data
COPY --from=build /usr/local/bin/cxbot /usr/local/bin/cxbot
# The SQLite database (and its -wal, -shm and .lock files) on a volume, owned by cxbot.
VOLUME /data
WORKDIR /data
ENV DATABASE_URL=sqlite:///data/cxbot.db \
    CXBOT_LISTEN=0.0.0.0:3000 \
    CXBOT_LOG_FORMAT=json
USER cxbot:cxbot
EXPOSE 3000
# serve stops gracefully on SIGTERM (docker stop): in-flight requests finish, the worker
# finishes the jobs in hand. The playbook: mount it and set CXBOT_CONFIG (README).
CMD ["cxbot", "serve"]
