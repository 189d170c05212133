"""Hypothesis runs with fresh random examples locally; under CI=true, with a fixed
(derandomised) sequence, so a CI run is reproducible."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
