# Spin-glass loss landscapes dashboard: gunicorn serving app:server on port 8050.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CACHE_DIR=/tmp/spinglass-landscapes-cache

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
    && groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin app

COPY app.py ./
COPY components/ components/
COPY compute/ compute/
COPY assets/ assets/

USER 10001:10001

EXPOSE 8050

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8050/health', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "--no-control-socket", "-b", "0.0.0.0:8050", "-w", "2", "app:server"]
