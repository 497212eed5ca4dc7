# syntax=docker/dockerfile:1
# The cinemesh image: one image for every role (`cinemesh up`, `cinemesh serve NAME`,
# `cinemesh worker`); deploy/k8s/ runs it. Multi-stage: the web bundle and the virtualenv are
# built in throw-away stages; the runtime stage holds no compiler, no npm and no pip.
# ffmpeg is the binary the imageio-ffmpeg wheel ships, at the version requirements.lock pins, so
# the image transcodes with exactly what the tests ran; no Debian ffmpeg is installed.
# Base images are pinned by tag (Debian 12, Python 3.11 as in CI, Node 20 as in CI); add their
# digests (`@sha256:...`) when you mirror them: no registry is reachable from this repo's CI.

FROM node:20-bookworm-slim AS web
WORKDIR /build/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
# build.mjs writes to ../src/cinemesh/web/static/dist
RUN mkdir -p ../src/cinemesh/web/static && npm run build --silent

FROM python:3.11-slim-bookworm AS venv
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -q uv==0.13.8
WORKDIR /build
COPY pyproject.toml requirements.lock README.md ./
COPY src/ src/
# The runtime dependencies only (no test extra), each at the version the lock pins.
RUN /opt/venv/bin/uv pip install -q --python /opt/venv/bin/python --constraint requirements.lock . \
    && /opt/venv/bin/uv pip uninstall -q --python /opt/venv/bin/python uv \
    && /opt/venv/bin/python -c "import imageio_ffmpeg, subprocess; subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), '-version'], check=True)" \
    && /opt/venv/bin/python -m compileall -q -j0 /opt/venv/lib

FROM python:3.11-slim-bookworm AS runtime
# A fixed, unprivileged uid/gid the manifests name (runAsUser 10001); no login shell, no home.
RUN groupadd --system --gid 10001 cinemesh \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin cinemesh \
    && mkdir -p /var/lib/cinemesh && chown 10001:10001 /var/lib/cinemesh
COPY --from=venv /opt/venv /opt/venv
COPY --from=web /build/src/cinemesh/web/static/dist /opt/cinemesh/web
# Read-only root filesystem: nothing writes beside /var/lib/cinemesh and /tmp (volumes in k8s),
# so Python must not try to write bytecode (it was compiled above).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CINEMESH_HOST=0.0.0.0 \
    CINEMESH_PORT=8080 \
    CINEMESH_DATA_DIR=/var/lib/cinemesh \
    CINEMESH_WEB_DIST_DIR=/opt/cinemesh/web \
    CINEMESH_LOG_JSON=true
USER 10001:10001
WORKDIR /var/lib/cinemesh
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["cinemesh"]
CMD ["up", "--no-demo"]
