# The production image: gunicorn serves the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 navigator
# Gosuslugi sign-in signs its requests with GOST through OpenSSL's GOST engine (esia/gost.py);
# statement PDFs (WeasyPrint) need Pango and HarfBuzz, and DejaVu for the Cyrillic glyphs.
RUN apt-get update && apt-get install -y --no-install-recommends openssl libengine-gost-openssl \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings to import; these throwaway values never reach a running container.
RUN SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost ALLOWED_HOSTS=build \
    python manage.py collectstatic --no-input
# The catalog's search index volume (docker-compose.yml) takes this directory's owner.
RUN mkdir -p /var/lib/navigator/search-index && chown navigator /var/lib/navigator/search-index
USER navigator
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "2"]
