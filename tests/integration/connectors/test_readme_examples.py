"""The README's client example runs as written against the real broker."""

from __future__ import annotations

import re
import subprocess
import sys

from hub.kafka.reader import read_to_end
from hub.kafka.topics import regional_events_topic
from tests.integration.helpers import REPO, settings_env


def test_readme_client_example_runs(provisioned, codec, tmp_path):
    import asyncio

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "example.py").write_text(example, encoding="utf-8")
    env = {**settings_env(provisioned), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    records = asyncio.run(read_to_end(provisioned, regional_events_topic("KZ-75").name(provisioned)))
    events = [codec.decode(r.value).value for r in records]
    assert [(e["action"], e["version"]) for e in events] == [("ENROL", 1), ("REMOVE", 2)]
    assert (tmp_path / "versions.db").exists()
