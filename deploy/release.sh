#!/usr/bin/env bash
# Release tasks, run once per deploy before the workers (re)start. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py compiletranslations
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput
$PY manage.py ensure_admin
$PY manage.py check --deploy --fail-level WARNING
