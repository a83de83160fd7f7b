# Multi-stage build: compile in the Go image, run in a small Debian image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Generated templ code is committed, so a plain build needs nothing else.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/aftersales ./cmd/aftersales

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app aftersales
COPY --from=build /out/aftersales /usr/local/bin/aftersales
USER aftersales
EXPOSE 8080
ENV ADDR=:8080
ENTRYPOINT ["aftersales"]
CMD ["serve"]
