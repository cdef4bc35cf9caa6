"""A local Apache Kafka broker or cluster in KRaft mode, fetched from Maven Central with mvn."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hub.errors import LocalBrokerError
from hub.kafka.broker_config import ADMIN_USER, MECHANISM, NodeSpec, server_properties
from hub.kafka.connection import (
    Connection,
    aiokafka_options,
    client_properties_text,
    read_client_properties,
)
from hub.kafka.tls import TlsFiles, ensure_tls, write_private
from hub.settings import REPO_ROOT

KAFKA_DEPLOY_DIR = REPO_ROOT / "deploy" / "kafka"
POM_PATH = KAFKA_DEPLOY_DIR / "pom.xml"
ACTIVE_CONTROLLER_LINE = re.compile(r"\[QuorumController id=(\d+)\] Becoming the active controller at epoch (\d+)")
LOG4J_CONFIG = KAFKA_DEPLOY_DIR / "log4j2.properties"
STATE_FILE = "cluster.json"
ADMIN_PROPERTIES = "admin.properties"
STOP_GRACE_S = 20.0
START_TIMEOUT_S = 120.0


def fetch_jars(cache_dir: Path, pom: Path = POM_PATH) -> Path:
    """Fetch the broker's jars with mvn into the cache (once per pom) and return the lib folder."""
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    lib_dir = cache_dir / f"kafka-{digest}" / "lib"
    stamp = lib_dir.parent / "complete"
    if stamp.exists():
        return lib_dir
    if shutil.which("mvn") is None:
        raise LocalBrokerError("mvn is not on PATH; install Maven (apt-get install maven)")
    tmp_dir = lib_dir.parent / "lib.partial"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={tmp_dir}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise LocalBrokerError(f"mvn could not fetch the broker: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    shutil.rmtree(lib_dir, ignore_errors=True)
    tmp_dir.rename(lib_dir)
    stamp.write_text(pom.read_text())
    return lib_dir


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on host that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def new_password() -> str:
    """Return a new random password (256 bits, URL-safe, no character a properties or JAAS file must escape)."""
    return secrets.token_urlsafe(32)


def new_cluster_id() -> str:
    """Return a Kafka cluster id: 16 random bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


@dataclass
class ClusterState:
    """What a started cluster needs to be found, reached as its operator, and stopped again."""

    cluster_id: str
    nodes: list[NodeSpec] = field(default_factory=list)
    admin_properties: str = ""  # the operator's client properties file (bootstrap, CA, SCRAM credential)

    @property
    def bootstrap_servers(self) -> str:
        """Return the bootstrap address list of every node's SASL_SSL listener."""
        return ",".join(f"127.0.0.1:{n.broker_port}" for n in self.nodes)

    @property
    def plain_bootstrap_servers(self) -> str | None:
        """Return the bootstrap addresses of a benchmark's plaintext listeners (None: the cluster has none)."""
        if any(n.plain_port is None for n in self.nodes):
            return None
        return ",".join(f"127.0.0.1:{n.plain_port}" for n in self.nodes)

    def admin_connection(self) -> Connection:
        """Return the operator's connection to the cluster (super user, made at format time)."""
        values = read_client_properties(Path(self.admin_properties))
        return Connection(self.bootstrap_servers, "SASL_SSL", MECHANISM, values["username"], values["password"],
                          Path(values["ssl.truststore.location"]))

    def save(self, base_dir: Path) -> None:
        """Write the state next to the nodes' folders."""
        (base_dir / STATE_FILE).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, base_dir: Path) -> ClusterState:
        """Read the state a start wrote."""
        try:
            raw = json.loads((base_dir / STATE_FILE).read_text())
        except (OSError, ValueError) as exc:
            raise LocalBrokerError(f"no local broker was started in {base_dir} ({exc})") from exc
        return cls(raw["cluster_id"], [NodeSpec(**n) for n in raw["nodes"]], raw.get("admin_properties", ""))


# The optimising (C2) compiler of a fresh broker takes half a core for minutes of a 2-core machine, which a
# short-lived broker (tests, the aggregator's benchmark) never earns back; the quick compiler alone is the
# default. A broker that runs long enough (the matcher's benchmark) is better served by both: TLS's AES-GCM
# and CRC32C run as compiled intrinsics only under C2.
QUICK_JIT_OPTIONS = ("-XX:TieredStopAtLevel=1",)


class LocalCluster:
    """One or three local KRaft nodes in a folder, started and stopped as one."""

    def __init__(self, base_dir: Path, cache_dir: Path, nodes: int = 1, heap_mb: int = 512,
                 plaintext_listener: bool = False, quick_jit: bool = True, keep_storage: bool = False):
        """Prepare (not start) a cluster of `nodes` nodes under base_dir; only a benchmark asks for a plaintext
        listener beside the secured ones, to measure what TLS and SCRAM cost, or for the optimising JIT. With
        keep_storage, nodes already formatted in base_dir are started again with their data (same ports)."""
        if nodes not in (1, 3):
            raise LocalBrokerError("a local cluster has 1 or 3 nodes")
        self.base_dir = base_dir.resolve()
        self.cache_dir = cache_dir
        self.node_count = nodes
        self.heap_mb = heap_mb
        self.plaintext_listener = plaintext_listener
        self.jit_options = QUICK_JIT_OPTIONS if quick_jit else ()
        self.keep_storage = keep_storage
        self.state: ClusterState | None = None
        self._procs: list[subprocess.Popen] = []

    def _java(self, lib_dir: Path, node_dir: Path, main: str, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise LocalBrokerError("java is not on PATH; install Java 17 or later")
        return [
            java, f"-Xmx{self.heap_mb}m", f"-Xms{min(self.heap_mb, 256)}m",
            "-XX:+UseG1GC", "-Djava.awt.headless=true", *self.jit_options,
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", f"-Dkafka.logs.dir={node_dir}/logs",
            "-cp", f"{lib_dir}/*", main, *args,
        ]

    def start(self, attempts: int = 2) -> ClusterState:
        """Format storage, start every node and wait until all of them answer metadata requests.

        A start that fails (say, a port taken between choosing and binding it) is tried
        again on new ports.
        """
        for attempt in range(attempts):
            try:
                return self._start_once()
            except LocalBrokerError:
                self._procs = []
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> ClusterState:
        lib_dir = fetch_jars(self.cache_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        kept = self._kept_state()
        if kept is not None:
            return self._restart(lib_dir, kept)
        specs = [
            NodeSpec(i + 1, free_port(), free_port(), str(self.base_dir / f"node-{i + 1}"),
                     plain_port=free_port() if self.plaintext_listener else None)
            for i in range(self.node_count)
        ]
        self.state = ClusterState(new_cluster_id(), specs, str(self.base_dir / ADMIN_PROPERTIES))
        tls = ensure_tls(self.base_dir / "tls")
        admin = self._admin_connection(tls)
        for spec in specs:
            self._format(lib_dir, spec, tls, admin.password)
        for spec in specs:
            self._spawn(lib_dir, spec)
        self.state.save(self.base_dir)
        self._wait_ready()
        return self.state

    def _kept_state(self) -> ClusterState | None:
        """Return the state of nodes formatted here before, when they are to be kept and all are there."""
        if not self.keep_storage or not (self.base_dir / STATE_FILE).exists():
            return None
        state = ClusterState.load(self.base_dir)
        formatted = all((Path(n.directory) / "data" / "meta.properties").exists() for n in state.nodes)
        if len(state.nodes) != self.node_count or not formatted or self.plaintext_listener:
            return None
        return state

    def _restart(self, lib_dir: Path, kept: ClusterState) -> ClusterState:
        """Start nodes formatted before, with their data, on the ports they had."""
        self.state = kept
        taken = [n.broker_port for n in kept.nodes if port_is_open(n.broker_port)]
        if taken:
            raise LocalBrokerError(f"port {taken[0]} of the kept broker is taken (is it running already?); "
                                   f"stop it, or start afresh with --fresh")
        self._admin_connection(ensure_tls(self.base_dir / "tls"))
        for spec in kept.nodes:
            self._spawn(lib_dir, spec)
        self.state.save(self.base_dir)
        self._wait_ready()
        return self.state

    def _admin_connection(self, tls: TlsFiles) -> Connection:
        """Return the operator's credential (the password kept in the folder, or a new one) and write its client
        properties file (0600) with this start's addresses."""
        path = self.base_dir / ADMIN_PROPERTIES
        kept = read_client_properties(path).get("password") if path.exists() else None
        connection = Connection(self.state.bootstrap_servers, "SASL_SSL", MECHANISM, ADMIN_USER,
                                kept or new_password(), tls.ca)
        write_private(path, client_properties_text(connection).encode())
        return connection

    def _format(self, lib_dir: Path, spec: NodeSpec, tls: TlsFiles, admin_password: str) -> None:
        """Format a node's storage with the operator's SCRAM credential in its metadata (KIP-900)."""
        node_dir = Path(spec.directory)
        shutil.rmtree(node_dir, ignore_errors=True)
        (node_dir / "logs").mkdir(parents=True)
        props = node_dir / "server.properties"
        write_private(props, server_properties(spec, self.state.nodes, tls, admin_password).encode())
        cmd = self._java(lib_dir, node_dir, "kafka.tools.StorageTool", "format",
                         "-t", self.state.cluster_id, "-c", str(props),
                         "--add-scram", f"{MECHANISM}=[name={ADMIN_USER},password={admin_password}]")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).replace(admin_password, "***")
            raise LocalBrokerError(f"formatting node {spec.node_id} failed: {output}")

    def _spawn(self, lib_dir: Path, spec: NodeSpec) -> None:
        node_dir = Path(spec.directory)
        out = open(node_dir / "logs" / "stdout.log", "ab")
        cmd = self._java(lib_dir, node_dir, "kafka.Kafka", str(node_dir / "server.properties"))
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        spec.pid = proc.pid
        self._procs.append(proc)

    def _wait_ready(self) -> None:
        from hub.kafka.probe import wait_for_brokers

        deadline = time.monotonic() + START_TIMEOUT_S
        for proc in self._procs:
            if proc.poll() is not None:
                self.stop()
                raise LocalBrokerError(f"a broker exited at start: {self._log_tail()}")
        try:
            wait_for_brokers(aiokafka_options(self.state.admin_connection()), self.node_count,
                             timeout_s=max(1.0, deadline - time.monotonic()),
                             alive=lambda: all(p.poll() is None for p in self._procs))
        except LocalBrokerError as exc:
            self.stop()
            raise LocalBrokerError(f"{exc}; last log lines: {self._log_tail()}") from exc

    def _log_tail(self, lines: int = 15) -> str:
        tails = []
        for spec in self.state.nodes:
            for name in ("stdout.log", "server.log"):
                path = Path(spec.directory) / "logs" / name
                if path.exists():
                    text = path.read_text(errors="replace").splitlines()[-lines:]
                    tails.append(f"[node {spec.node_id} {name}] " + " | ".join(text))
        return "\n".join(tails) or f"no log under {self.base_dir}"

    def kill_node(self, node_id: int) -> None:
        """SIGKILL one node (for fault tests); it stays down until restart_node."""
        spec = self._node(node_id)
        if spec.pid:
            _signal_group(spec.pid, signal.SIGKILL)
            _wait_exit(spec.pid, 10.0)

    def restart_node(self, node_id: int) -> None:
        """Start a stopped node again on its old ports and data."""
        spec = self._node(node_id)
        self._spawn(fetch_jars(self.cache_dir), spec)
        self.state.save(self.base_dir)

    def active_controller(self) -> int:
        """Return the node that became the active controller last (the highest epoch its log names)."""
        latest = (-1, 0)
        for spec in self.state.nodes:
            path = Path(spec.directory) / "logs" / "server.log"
            text = path.read_text(errors="replace") if path.exists() else ""
            for node, epoch in ACTIVE_CONTROLLER_LINE.findall(text):
                latest = max(latest, (int(epoch), int(node)))
        if latest[0] < 0:
            raise LocalBrokerError(f"no node of {self.base_dir} has logged becoming the active controller")
        return latest[1]

    def _node(self, node_id: int) -> NodeSpec:
        return next(n for n in self.state.nodes if n.node_id == node_id)

    def stop(self) -> None:
        """Stop every node: SIGTERM, then SIGKILL after the grace period; ports are free after."""
        state = self.state or ClusterState.load(self.base_dir)
        stop_nodes(state)
        for proc in self._procs:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass


def stop_nodes(state: ClusterState, grace_s: float = STOP_GRACE_S) -> None:
    """Stop the nodes of a cluster state and check that their ports are closed."""
    live = [n for n in state.nodes if n.pid and _alive(n.pid)]
    for node in live:
        _signal_group(node.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for node in live:
        if not _wait_exit(node.pid, max(0.1, deadline - time.monotonic())):
            _signal_group(node.pid, signal.SIGKILL)
            _wait_exit(node.pid, 10.0)
    still_open = [p for n in state.nodes for p in (n.broker_port, n.controller_port) if port_is_open(p)]
    if still_open:
        raise LocalBrokerError(f"ports still open after stop: {still_open}")


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return False


def _wait_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)
