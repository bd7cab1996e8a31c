# Sverka for a server: PostgreSQL via SVERKA_DATABASE_URL, several workers.
#   docker build -t sverka .
#   docker run -p 8000:8000 -e SVERKA_ENVIRONMENT=production -e SVERKA_SECRET_KEY=... \
#     -e SVERKA_DATABASE_URL=postgresql+psycopg://user:pass@db/sverka sverka
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SVERKA_DATA_DIR=/data SVERKA_WORKERS=1

WORKDIR /opt/sverka
COPY . .
# The same install script as README and CI: system packages (dictionary, fonts, hunspell,
# npm for htmx) through apt, Python packages pinned by requirements.lock, htmx into static/.
RUN scripts/install.sh --system \
    && rm -rf node_modules /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/sverka sverka \
    && mkdir -p /data && chown sverka:sverka /data

USER sverka
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Migrations run at start; then the server (several workers need PostgreSQL).
CMD ["sh", "-c", "sverka db upgrade && exec sverka serve --host 0.0.0.0 --port 8000 --workers ${SVERKA_WORKERS}"]
