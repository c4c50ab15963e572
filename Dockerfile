# kubesim in a container, for running sweep shards on Kubernetes
# (deploy/sweep-job.yaml):
#
#   docker build -t kubesim:dev .
#
# The scenarios of this repository are copied to /opt/kubesim/scenarios.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kubesim

FROM debian:bookworm-slim
COPY --from=build /src/target/release/kubesim /usr/local/bin/kubesim
COPY scenarios /opt/kubesim/scenarios
WORKDIR /work
CMD ["kubesim", "--help"]
