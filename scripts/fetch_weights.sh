#!/usr/bin/env bash
# Download and convert the FFNet authors' published weights; see scripts/fetch_weights.py --help.
set -euo pipefail
exec python3 "$(dirname "$0")/fetch_weights.py" "$@"
