"""A local certificate authority and the local brokers' certificate, made once and reused (PEM, mode 0600)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from hub.errors import LocalBrokerError

CA_FILE, CA_KEY_FILE, NODE_FILE = "ca.pem", "ca-key.pem", "node.pem"
NODE_NAME = "kafka-node"  # the brokers' principal on the controller listener (User:kafka-node)
VALID_DAYS = 825
RENEW_BEFORE_DAYS = 30


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA certificate and the node's key and certificate chain are kept."""

    folder: Path

    @property
    def ca(self) -> Path:
        """Return the CA certificate (the clients' and brokers' trust store)."""
        return self.folder / CA_FILE

    @property
    def node(self) -> Path:
        """Return the node's private key followed by its certificate and the CA's (the brokers' key store)."""
        return self.folder / NODE_FILE


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (0600), never visible with wider rights."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_tls(folder: Path, now: dt.datetime | None = None) -> TlsFiles:
    """Return the folder's CA and node certificate, making them on first use or when they near their end."""
    files = TlsFiles(folder)
    now = now or dt.datetime.now(dt.timezone.utc)
    if not _usable(files, now):
        _make(files, now)
    return files


def _usable(files: TlsFiles, now: dt.datetime) -> bool:
    return files.node.exists() and _lasting(files.node, now) and _lasting(files.ca, now)


def _lasting(path: Path, now: dt.datetime) -> bool:
    """Tell whether every certificate in a PEM file is readable and valid past the renewal horizon."""
    from cryptography import x509

    try:
        certs = [x509.load_pem_x509_certificate(block) for block in _pem_blocks(path.read_bytes(), b"CERTIFICATE")]
    except (OSError, ValueError):
        return False
    horizon = now + dt.timedelta(days=RENEW_BEFORE_DAYS)
    return bool(certs) and all(cert.not_valid_after_utc > horizon for cert in certs)


def _pem_blocks(data: bytes, label: bytes) -> list[bytes]:
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    blocks, start = [], data.find(begin)
    while start >= 0:
        stop = data.index(end, start) + len(end)
        blocks.append(data[start:stop] + b"\n")
        start = data.find(begin, stop)
    return blocks


def _make(files: TlsFiles, now: dt.datetime) -> None:
    """Issue a new node certificate, from the kept CA while it lasts (clients keep trusting it), else a new CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pem = serialization.Encoding.PEM
    plain_key = dict(encoding=pem, format=serialization.PrivateFormat.PKCS8,
                     encryption_algorithm=serialization.NoEncryption())
    ca_key_path = files.folder / CA_KEY_FILE
    if _lasting(files.ca, now) and ca_key_path.exists():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
    else:
        ca_key, ca_cert = _ca(now)
        write_private(ca_key_path, ca_key.private_bytes(**plain_key))
        write_private(files.ca, ca_cert.public_bytes(pem))
    node_key, node_cert = _node(ca_key, ca_cert, now)
    write_private(files.node, node_key.private_bytes(**plain_key) + node_cert.public_bytes(pem)
                  + ca_cert.public_bytes(pem))


def _name(common_name: str):
    """Return a subject of the common name alone (the brokers map it to their principal, User:<CN>)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(now: dt.datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("records hub local CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def _node(ca_key, ca_cert, now: dt.datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        cert = (x509.CertificateBuilder().subject_name(_name(NODE_NAME)).issuer_name(ca_cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
    except ValueError as exc:
        raise LocalBrokerError(f"cannot make the local broker's certificate: {exc}") from exc
    return key, cert
