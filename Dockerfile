# One image for the web app, the worker, the beat scheduler and the migration step.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FACTCHECK_INSTANCE_DIR=/var/lib/factcheck
WORKDIR /app
# Pango and a font for the PDF report (WeasyPrint).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY factcheck ./factcheck
COPY tasks ./tasks
COPY templates ./templates
COPY migrations ./migrations
COPY tests/fixtures/articles ./tests/fixtures/articles
RUN pip install --no-cache-dir -e . && useradd --system --home /var/lib/factcheck factcheck \
    && mkdir -p /var/lib/factcheck && chown factcheck /var/lib/factcheck
USER factcheck
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", "factcheck.web:create_app()"]
