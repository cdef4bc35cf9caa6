"""Throwaway local servers for tests and benchmarks: PostgreSQL (Debian's binaries) and a TLS certificate."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from hub.kafka.local_broker import free_port


def postgres_bin() -> Path:
    """Return the newest installed PostgreSQL's bin directory (deploy/test installs it when missing)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    assert found, "PostgreSQL is not installed: run ./deploy/test, which installs Debian's postgresql"
    return Path(found[-1]).parent


class PostgresServer:
    """A PostgreSQL cluster in a directory of its own, run as the postgres user when the tests run as root."""

    def __init__(self) -> None:
        """Prepare a directory the server's user can reach (pytest's own are private to root)."""
        self.directory = Path(tempfile.mkdtemp(prefix="hub-postgres-"))
        self.port, self.bin = free_port(), postgres_bin()
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        done = subprocess.run(prefix + list(command), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")

    def start(self) -> str:
        """Create and start the cluster; return its DSN."""
        data = self.directory / "data"
        if self.user:
            shutil.chown(self.directory, self.user)
            os.chmod(self.directory, 0o755)
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "hub", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.directory / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                              capture_output=True).returncode == 0:
                return self.dsn("postgres")
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not start: {(self.directory / 'server.log').read_text()[-2000:]}")

    def dsn(self, database: str) -> str:
        """Return the DSN of a database of the cluster."""
        return f"postgresql://hub@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the cluster at once and remove it."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Return (certificate, key) for 127.0.0.1, made by openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key
