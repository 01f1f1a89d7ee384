"""Shared by the Python tests: puts scripts/ on sys.path and loads the published models' facts."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
sys.path.insert(0, str(SCRIPTS))

with open(ROOT / "tests" / "data" / "ffnet-models.json", encoding="utf-8") as f:
    PUBLISHED = json.load(f)
