# syntax=docker/dockerfile:1
# The SeMS exporter: a static binary on a small base image, run as a non-root
# user. Base images are pinned to exact tags; to pin digests as well, replace
# each tag with tag@sha256:... (docker buildx imagetools inspect IMAGE:TAG).
#
#   docker build --build-arg VERSION=1.0.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg BRANCH=$(git branch --show-current) -t sems_exporter .

FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILD_DATE=unknown
# The version variables feed sems_exporter_build_info and --version. The
# repository's .git is not in the build context, so VCS stamping is off.
# timetzdata embeds the time zone database, which the base image lacks, for
# schedules such as "CRON_TZ=Europe/London 0 6 * * *".
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags timetzdata \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=${BRANCH} \
        -X github.com/prometheus/common/version.BuildUser=docker \
        -X github.com/prometheus/common/version.BuildDate=${BUILD_DATE}" \
      -o /out/sems_exporter ./cmd/sems_exporter

# Alpine rather than distroless: its busybox wget is what the health check
# runs; the image is a few MB either way.
FROM alpine:3.22.2
RUN addgroup -S -g 10127 sems && adduser -S -D -H -u 10127 -G sems -s /sbin/nologin sems
COPY --from=build /out/sems_exporter /usr/local/bin/sems_exporter
USER 10127:10127
# A soft heap limit, as the systemd unit sets it: see docs/deployment.md#memory.
ENV GOMEMLIMIT=40MiB
EXPOSE 10127
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:10127/-/healthy"]
ENTRYPOINT ["/usr/local/bin/sems_exporter"]
CMD ["--config.file=/etc/sems_exporter/sems.yml"]
