"""The JSON report (`--format json`): a contract, docs/json.md describes it."""
from __future__ import annotations

import json

from ..results import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
