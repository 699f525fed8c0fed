# Spin-glass loss landscapes dashboard: gunicorn serving app:server on port 8050.
# BASE selects the base image (a Python 3.11 Debian image with python/pip on PATH);
# .ci/image.sh builds with a stand-in made from Debian's packages.
ARG BASE=python:3.11-slim
FROM ${BASE}

# The result cache, job store and generated secret key go to the app user's private
# ~/.cache/spinglass-landscapes (created 0700); set CACHE_DIR to a volume to keep them.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BROWSER_PATH=/usr/bin/chromium-headless-shell

WORKDIR /app

# Chromium's headless shell renders the server-side PDF export (kaleido); it lacks the
# desktop browser's GTK and GL stack, which keeps the image smaller. Debian's package
# follows its security updates, so it is not pinned to one version.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
    && groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin app

COPY app.py gunicorn.conf.py ./
COPY components/ components/
COPY compute/ compute/
COPY assets/ assets/

USER 10001:10001

EXPOSE 8050

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8050/health', timeout=4).status == 200 else 1)"]

# gunicorn.conf.py: gthread workers, timeouts, request limits, shutdown that ends jobs.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket", "-b", "0.0.0.0:8050", "app:server"]
