"""GDAL reads run in a child process.

pyogrio keeps Python's global interpreter lock while GDAL fetches features, so a GDAL client in
the test process would wait forever for the live server thread of the same process. The reads
run in a spawned process instead; this module imports nothing of Django.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pyogrio
import pyogrio.raw


def _run(calls: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    results: list[Any] = []
    for action, path, options in calls:
        if action == "layers":
            results.append([str(name) for name, _kind in pyogrio.list_layers(path)])
        elif action == "info":
            info = pyogrio.read_info(path, **options)
            results.append(
                {"features": int(info["features"]), "fields": [str(f) for f in info["fields"]]}
            )
        else:
            meta, _fids, wkb, fields = pyogrio.raw.read(path, **options)
            results.append(
                {
                    "fields": {
                        str(name): list(values)
                        for name, values in zip(meta["fields"], fields, strict=True)
                    },
                    "wkb": list(wkb),
                }
            )
    return results


def gdal(calls: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """Run ``calls`` ((action, path, options), action ``layers``, ``info`` or ``read``) in a
    fresh process and return their results."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_run, calls).result(timeout=120)
