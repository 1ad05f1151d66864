"""A step run in a child process with the environment's Django settings: the benchmark's own file is run as
``<file> --child ACTION …``, sets Django up, and prints one ``RESULT <json>`` line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness.env import ROOT

CHILD_TIMEOUT = 3600


def run_child(script, env: dict, *argv: str, timeout: float = CHILD_TIMEOUT, what: str = "") -> dict:
    """Run ``python SCRIPT --child ARGV`` with ``env`` (and DJANGO_SETTINGS_MODULE) and return its RESULT."""
    cmd = [sys.executable, str(Path(script).resolve()), "--child", *argv]
    child_env = {**env, "DJANGO_SETTINGS_MODULE": "tongban.settings"}
    done = subprocess.run(
        cmd, env=child_env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        label = what or f"child step {argv[0] if argv else ''}"
        raise RuntimeError(f"{label} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1][len("RESULT ") :])


def child_entry(parser, argv: list[str], dispatch) -> int:
    """The child's side: parse ``argv``, set Django up, ``dispatch(args)``, print its RESULT."""
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    data = dispatch(args)
    print("RESULT " + json.dumps(data, ensure_ascii=False, default=str), flush=True)
    return 0
