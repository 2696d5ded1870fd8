"""Claims proved on the networks a document was checked on because it states no sizes
(`pipeline.instances`): said in every format, so that no report reads as proved for every size."""
from __future__ import annotations

from ..results import PROVED, Report, Result


def proved_on(results) -> list[tuple[str, tuple, int]]:
    """(file, networks, how many claims) for each file's claims proved on the networks it was
    checked on (`Result.networks`), in the report's order."""
    groups: dict = {}
    for r in results:
        if r.verdict == PROVED and r.networks:
            key = (r.file, tuple(r.networks))
            groups[key] = groups.get(key, 0) + 1
    return [(file, networks, n) for (file, networks), n in groups.items()]


def networks_phrase(networks) -> str:
    """'proved on 3 networks: 2-2-2, 3-2-4, 2-3-3-2' (the wording of the claims' detail too)."""
    count = len(networks)
    return f"proved on {count} network{'s' if count != 1 else ''}: {', '.join(networks)}"


def network_lines(report: Report) -> list[str]:
    """One line per file whose claims were proved on networks it does not state."""
    return [f"{file}: {n} claim{'s' if n != 1 else ''} {networks_phrase(networks)} (the document states no "
            f"sizes: not proved for every size)" for file, networks, n in proved_on(report.results)]


def result_networks(result: Result) -> str | None:
    """A proved claim's networks, as a phrase, or None when its document states its sizes."""
    return networks_phrase(result.networks) if result.verdict == PROVED and result.networks else None
