# HMSDESK Graph API image. NOT built or run where it was written (no container runtime there):
# treat it as a starting point and build it once in CI before relying on it.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hmsdesk_graph ./hmsdesk_graph
RUN python -m venv /opt/hmsdesk-graph \
 && /opt/hmsdesk-graph/bin/pip install --no-cache-dir '.[postgres,otel]'

FROM python:3.11-slim
RUN useradd --system --uid 10001 hmsdesk
COPY --from=build /opt/hmsdesk-graph /opt/hmsdesk-graph
# Committed operation names label metrics and traces.
COPY schema/operations /opt/hmsdesk-graph/operations
ENV PATH=/opt/hmsdesk-graph/bin:$PATH \
    HMSDESK_ENV=production \
    HMSDESK_OPERATIONS_DIR=/opt/hmsdesk-graph/operations \
    PROMETHEUS_MULTIPROC_DIR=/tmp/hmsdesk-metrics
USER hmsdesk
EXPOSE 8000
# The metrics directory must start empty: it is created fresh in the container's /tmp.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec hmsdesk-graph serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
