"""cold_import_ratio: `import app` (a Lambda's environment) over bare `import boto3`.

Each measurement is a new interpreter (`python -c`) timing only the import with
time.perf_counter inside the process, so interpreter start-up is not counted. Runs alternate
(boto3, app, boto3, app, ...) so drift on the machine hits both alike; one discarded run of each
first writes the bytecode caches.
"""
from __future__ import annotations

import os
import subprocess
import sys

from ._child import median, run, say
from ._emulator import ROOT

RUNS = 5
TARGET = 1.5

_TIMER = (
    "import time; t0 = time.perf_counter(); import {module}; t1 = time.perf_counter(); "
    "import sys; print(repr(t1 - t0)); print(len(sys.modules))"
)


def lambda_environment() -> dict:
    """What a deployed API function has: the stage's variables, a region, no emulator endpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CRM_", "POWERTOOLS_"))}
    env.update({
        "CRM_STAGE": "dev",
        "CRM_SECRET": "bench-secret-not-for-production",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",  # Lambda sets both
    })
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME", "PYTHONPATH"):
        env.pop(name, None)
    return env


def time_import(module: str, env: dict) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", _TIMER.format(module=module)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`import {module}` failed:\n{done.stderr[-3000:]}")
    seconds, modules = done.stdout.split()[-2:]
    return float(seconds), int(modules)


def main(options=None) -> dict:
    env = lambda_environment()
    time_import("boto3", env)  # bytecode caches
    time_import("app", env)
    boto3_times, app_times = [], []
    for _ in range(RUNS):
        seconds, boto3_modules = time_import("boto3", env)
        boto3_times.append(seconds)
        seconds, app_modules = time_import("app", env)
        app_times.append(seconds)
    boto3_ms, app_ms = median(boto3_times) * 1000, median(app_times) * 1000
    say(f"import boto3 {boto3_ms:.0f} ms, import app {app_ms:.0f} ms (medians of {RUNS})")
    return {
        "figures": {
            "cold_import_ratio": round(app_ms / boto3_ms, 3),
            "cold_import_app_ms": round(app_ms, 1),
            "cold_import_boto3_ms": round(boto3_ms, 1),
        },
        "notes": {
            "cold_import_ratio": f"median of {RUNS} fresh `import app` (CRM_STAGE=dev, no endpoint) "
                                 f"/ median of {RUNS} fresh `import boto3`; start-up excluded",
            "cold_import_app_ms": f"all runs (ms): {', '.join(f'{t * 1000:.0f}' for t in app_times)}; "
                                  f"{app_modules} modules loaded",
            "cold_import_boto3_ms": f"all runs (ms): {', '.join(f'{t * 1000:.0f}' for t in boto3_times)}; "
                                    f"{boto3_modules} modules loaded",
        },
        "targets": {"cold_import_ratio": {"max": TARGET}},
    }


if __name__ == "__main__":
    run(main)
