"""How every Kafka client of the hub connects: one place turns the settings into TLS and SASL options.

Every consumer, producer, admin client and the Faust app take their options from `client_options`
(or `faust_options`), so no client can be made without the security settings.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hub.errors import ConfigurationError
from hub.settings import HubSettings

SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule"
_JAAS_VALUE = r'{name}\s*=\s*"((?:[^"\\]|\\.)*)"'


@dataclass(frozen=True)
class Connection:
    """Where a client connects and as whom; the password never appears in its repr."""

    bootstrap_servers: str
    security_protocol: str
    sasl_mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None

    @property
    def uses_sasl(self) -> bool:
        """Tell whether the connection authenticates with SASL."""
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        """Tell whether the connection is encrypted with TLS."""
        return self.security_protocol in ("SSL", "SASL_SSL")


def connection_of(settings: HubSettings) -> Connection:
    """Return the connection the settings describe: HUB_KAFKA_* values first, the properties file for the rest."""
    given = settings.model_fields_set
    from_file = read_client_properties(settings.kafka_client_properties) if settings.kafka_client_properties else {}

    def pick(name: str, file_value):
        value = getattr(settings, name)
        return value if name in given or file_value is None else file_value

    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
    if settings.kafka_sasl_password_file is not None:
        password = _read_secret(settings.kafka_sasl_password_file)
    if "kafka_sasl_password" not in given and "kafka_sasl_password_file" not in given and "password" in from_file:
        password = from_file["password"]
    connection = Connection(
        bootstrap_servers=pick("kafka_bootstrap_servers", from_file.get("bootstrap.servers")),
        security_protocol=pick("kafka_security_protocol", from_file.get("security.protocol")),
        sasl_mechanism=pick("kafka_sasl_mechanism", from_file.get("sasl.mechanism")),
        username=pick("kafka_sasl_username", from_file.get("username")),
        password=password,
        cafile=pick("kafka_ssl_cafile", _path(from_file.get("ssl.truststore.location"))),
    )
    if connection.uses_sasl and not (connection.username and connection.password):
        raise ConfigurationError(
            f"the Kafka connection uses {connection.security_protocol} but has no credential: set "
            "HUB_KAFKA_CLIENT_PROPERTIES to a client properties file (hub access add-system writes one), or "
            "HUB_KAFKA_SASL_USERNAME with HUB_KAFKA_SASL_PASSWORD_FILE")
    return connection


def client_options(settings: HubSettings) -> dict:
    """Return the connection options of an aiokafka consumer, producer or admin client."""
    return aiokafka_options(connection_of(settings))


def aiokafka_options(connection: Connection) -> dict:
    """Return aiokafka's connection options for a connection."""
    options: dict = {"bootstrap_servers": connection.bootstrap_servers,
                     "security_protocol": connection.security_protocol}
    if connection.uses_tls:
        options["ssl_context"] = tls_context(connection.cafile)
    if connection.uses_sasl:
        options.update(sasl_mechanism=connection.sasl_mechanism, sasl_plain_username=connection.username,
                       sasl_plain_password=connection.password)
    return options


def faust_options(settings: HubSettings) -> dict:
    """Return the Faust app's broker and broker_credentials for the settings' connection."""
    import faust

    connection = connection_of(settings)
    options: dict = {"broker": [f"kafka://{hp}" for hp in connection.bootstrap_servers.split(",")]}
    context = tls_context(connection.cafile) if connection.uses_tls else None
    if connection.uses_sasl:
        options["broker_credentials"] = faust.SASLCredentials(
            username=connection.username, password=connection.password, ssl_context=context,
            mechanism=connection.sasl_mechanism)
    elif context is not None:
        options["broker_credentials"] = faust.SSLCredentials(context)
    return options


@lru_cache(maxsize=8)
def tls_context(cafile: Path | None) -> ssl.SSLContext:
    """Return a client TLS context that verifies the brokers' certificates and names (one per CA file)."""
    try:
        return ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"cannot use the CA file {cafile}: {exc.strerror or exc}") from exc


def _read_secret(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the password file {path}: {exc.strerror}") from exc


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def read_client_properties(path: Path) -> dict[str, str]:
    """Read a Kafka client properties file; the JAAS line gives 'username' and 'password'."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the client properties file {path}: {exc.strerror}") from exc
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().replace("\\:", ":").replace("\\=", "=").replace("\\\\", "\\")
    jaas = values.pop("sasl.jaas.config", "")
    for name in ("username", "password"):
        found = re.search(_JAAS_VALUE.format(name=name), jaas)
        if found:
            values[name] = re.sub(r"\\(.)", r"\1", found.group(1))
    return values


def client_properties_text(connection: Connection) -> str:
    """Return a Kafka client properties file any Kafka client reads (Java, librdkafka with its own names aside)."""
    lines = [f"bootstrap.servers={connection.bootstrap_servers}", f"security.protocol={connection.security_protocol}"]
    if connection.uses_sasl:
        module = PLAIN_LOGIN if connection.sasl_mechanism == "PLAIN" else SCRAM_LOGIN
        jaas = (f'{module} required username="{_jaas_escape(connection.username)}" '
                f'password="{_jaas_escape(connection.password)}";')
        lines += [f"sasl.mechanism={connection.sasl_mechanism}",
                  "sasl.jaas.config=" + jaas.replace("\\", "\\\\")]  # a properties file unescapes once more
    if connection.uses_tls and connection.cafile:
        lines += ["ssl.truststore.type=PEM", f"ssl.truststore.location={Path(connection.cafile).resolve()}"]
    return "\n".join(lines) + "\n"


def _jaas_escape(value: str | None) -> str:
    return (value or "").replace("\\", "\\\\").replace('"', '\\"')


def make_consumer(settings: HubSettings, *topics: str, **options):
    """Return an (unstarted) aiokafka consumer of the settings' cluster, with their credential, reading committed
    transactions only unless told otherwise (a regional system may publish in transactions)."""
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(*topics, **client_options(settings), **{"isolation_level": "read_committed", **options})
