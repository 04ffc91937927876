#!/bin/sh
# Rebuilds ../plotly-agent-<version>.min.js from the pinned versions of package-lock.json.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run build
