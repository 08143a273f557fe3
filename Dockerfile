# The app as shipped: built as a wheel (which carries the templates and static files) and
# installed, not edited in place; run as a non-root user, with sessions on a volume.
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
# NUMBA_CPU_NAME=generic: the training kernels are compiled for any CPU of the image's
# architecture, so the cache compiled below serves wherever the image runs (one compiled for
# the build machine's CPU would be compiled again, 20-30 s, at each start on another). It costs
# the lab's networks nothing measurable; networks of 64-wide layers train about a third slower.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 NUMBA_CPU_NAME=generic \
    BACKPROP_VIZ_HOST=0.0.0.0 BACKPROP_VIZ_PORT=8000 BACKPROP_VIZ_DB=/data/sessions.db
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels backprop-viz && rm -rf /wheels \
    && useradd --create-home --uid 10001 backprop && mkdir /data && chown backprop /data
USER backprop
# The training kernels compiled now, into this user's numba cache (~/.cache/numba: the installed
# package is not the user's to write), so a server starts in half a second, not half a minute.
RUN python -c "from app.nn.kernel import warm_up; warm_up()"
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=2)" || exit 1
CMD ["backprop-viz"]
