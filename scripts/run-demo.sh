#!/usr/bin/env bash
# Install the project into .venv and start the portal with the demo county (SQLite, local index).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
exec .venv/bin/python run.py "$@"
