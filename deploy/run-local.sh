#!/usr/bin/env bash
# The production shape on one machine (make prod): PostgreSQL, gunicorn with
# threaded workers, the task worker, WhiteNoise for static files, sessions and
# cache in Redis when it answers (else the database). Plain HTTP on loopback,
# so secure cookies and the HTTPS redirect are off; everything else is as in
# production. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8001}
export DJANGO_SETTINGS_MODULE=learning.settings.production
export DATABASE_URL=${PROD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shegong_prod}
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
export WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$PORT}
export DJANGO_SSL_REDIRECT=0 DJANGO_HSTS_SECONDS=0 DJANGO_SECURE_COOKIES=0
export DJANGO_STATIC_ROOT=${DJANGO_STATIC_ROOT:-$PWD/.prod/static}
export DJANGO_MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-$PWD/.prod/media}
export DJANGO_PRIVATE_MEDIA_ROOT=${DJANGO_PRIVATE_MEDIA_ROOT:-$PWD/.prod/private}
if [ -z "${DJANGO_CACHE_URL:-}" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    export DJANGO_CACHE_URL=redis://127.0.0.1:6379/3
  else
    export DJANGO_CACHE_URL=db
  fi
fi
export GUNICORN_BIND=127.0.0.1:$PORT
mkdir -p "$DJANGO_STATIC_ROOT" "$DJANGO_MEDIA_ROOT" "$DJANGO_PRIVATE_MEDIA_ROOT"

db=${DATABASE_URL##*/}
psql "${DATABASE_URL%/*}/postgres" -qtc "select 1 from pg_database where datname='$db'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "create database \"$db\""
$BIN/python manage.py migrate --noinput
[ "$DJANGO_CACHE_URL" = db ] && $BIN/python manage.py createcachetable
$BIN/python manage.py collectstatic --noinput -v 0
if [ "${SEED:-1}" != 0 ]; then
  $BIN/python manage.py seed_demo --skip-checks --seed "${SEED_VALUE:-2017}"
fi
$BIN/python manage.py resume_certificate_batches --stale-after 0

$BIN/python manage.py db_worker --skip-checks & worker=$!
trap 'kill $worker 2>/dev/null' EXIT
echo "社工学堂（生产形态）：http://127.0.0.1:$PORT/  缓存与会话：$DJANGO_CACHE_URL"
exec $BIN/gunicorn learning.wsgi -c deploy/gunicorn.conf.py
