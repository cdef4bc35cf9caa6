"""The light client: records-hub without extras installs into a clean virtual environment with only its
declared dependencies, and there builds, checks, encodes and partitions events without Faust, RocksDB
bindings, numpy or a metrics library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from hub.kafka.partitioning import partitions_for
from tests.samples import PERSON

REPO = Path(__file__).resolve().parents[3]
HEAVY = ("faust", "rocksdict", "numpy", "prometheus_client", "yaml", "click", "rich", "psycopg", "rapidfuzz")
KEYS = [f"KZ-75-WANTED_PERSON-{n:08d}".encode() for n in range(500)]

PROBE = textwrap.dedent("""
    import importlib.util, json, sys
    from datetime import datetime, timezone
    from connectors.client import Enrolment, Preparer, RegionalClient
    from hub.codec import AvroCodec, SchemaRegistry
    from hub.domain.catalog import Catalog
    from hub.errors import InvalidEventError
    from hub.kafka.partitioning import partitions_for
    from hub.settings import HubSettings

    person, keys = json.loads(sys.argv[1]), [k.encode() for k in json.loads(sys.argv[2])]
    settings = HubSettings()
    codec = AvroCodec(SchemaRegistry.from_dirs(settings.schemas_dir, settings.released_schemas_dir))
    event = Enrolment(record_id="KZ-75-WANTED_PERSON-00000001", record_type="WANTED_PERSON", unit="KZ-75-CP",
                      officer="750001", ground="WANTED_HIDING_FROM_INVESTIGATION",
                      occurred_at=datetime.now(timezone.utc), document=person).to_event(1)
    encoded = codec.encode("RecordEvent", event)
    refused = Preparer("KZ-75", codec, Catalog(), 3).prepare(event, event["occurred_at"])  # no passports known
    print(json.dumps({
        "round_trip": codec.decode(encoded, expect="RecordEvent").value["record_id"],
        "refused": isinstance(refused, InvalidEventError) and [refused.reason, refused.sentences["kk"]],
        "partitions": partitions_for(keys, 6),
        "client": RegionalClient.__name__,
        "installed": [m for m in json.loads(sys.argv[3]) if importlib.util.find_spec(m)],
        "loaded": sorted({m.split(".")[0] for m in sys.modules}),
    }))
""")


def test_the_client_installs_and_works_without_the_services_dependencies(tmp_path: Path):
    source = tmp_path / "source"  # a copy, so that building the wheel leaves nothing in the checkout
    for part in ("hub", "connectors", "schemas", "pyproject.toml", "setup.py", "README.md"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy
        copy(REPO / part, source / part, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (REPO / part).is_dir() else {}))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(source)], capture_output=True,
                               text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    probe = subprocess.run([str(python), "-c", PROBE, json.dumps(PERSON), json.dumps([k.decode() for k in KEYS]),
                            json.dumps(HEAVY)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout)
    assert found["installed"] == [], found["installed"]  # none of the services' dependencies came along
    assert not set(HEAVY) & set(found["loaded"])
    assert found["round_trip"] == "KZ-75-WANTED_PERSON-00000001" and found["client"] == "RegionalClient"
    assert found["refused"] and all(found["refused"])  # the hub's own checks ran: a reason code, a Kazakh sentence
    assert found["partitions"] == partitions_for(KEYS, 6)  # one by one there, as numpy does it here
    command = subprocess.run([str(venv / "bin" / "hub"), "--help"], capture_output=True, text=True, timeout=60)
    assert command.returncode == 1 and "records-hub[services]" in command.stderr, command.stderr[-2000:]
