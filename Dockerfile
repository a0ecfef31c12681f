# smena web and migration image (PostgreSQL in production; see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 SMENA_ENV=production
WORKDIR /srv/smena
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY app ./app
COPY scheduling ./scheduling
COPY kpi ./kpi
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN pip install --compile -e . && python -c "from app.i18n import compile_catalogs; compile_catalogs()"
RUN useradd --system --home /srv/smena smena && chown -R smena /srv/smena/app/locale
USER smena
EXPOSE 8000
CMD ["smena", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
