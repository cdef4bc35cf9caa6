"""The `hub` command's entry point: where only the light client is installed, it says what to install."""

from __future__ import annotations

import sys

SERVICES_PACKAGES = {"click", "rich", "faust", "mode", "prometheus_client", "yaml", "rocksdict", "numpy", "rapidfuzz",
                     "uvloop", "psycopg", "orjson", "cryptography", "avro"}


def main() -> None:
    """Run the hub command, or say that this install holds the light client only."""
    try:
        from hub.cli.main import main as run_command
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] not in SERVICES_PACKAGES:
            raise
        sys.exit(f"hub: {missing.name} is not installed. This install holds the light client (connectors.client); "
                 "the hub command needs: pip install 'records-hub[services]'")
    run_command()
