"""The hub's exception tree; third-party errors are mapped to it at the edges.

    HubError
    ├── ConfigurationError            settings or data files that cannot be used
    ├── SchemaError                   an Avro schema that cannot be loaded
    │   └── IncompatibleSchemaError   a schema change that breaks old producers or consumers
    ├── CodecError                    bytes that are not a message of the contract
    │   ├── NotSingleObjectError      no C3 01 marker, or too short to carry a fingerprint
    │   ├── UnknownFingerprintError   the writer schema's fingerprint is not known here
    │   └── MalformedPayloadError     the body does not decode with its writer schema
    ├── EncodeError                   a value that does not fit its schema
    ├── InvalidEventError             an event a client refuses to send: a reason code and its sentences
    ├── BrokerError                   the Kafka broker cannot be reached or refused a request
    │   ├── ProvisioningError         a topic could not be created or has the wrong shape
    │   ├── AccessError               an ACL or a credential could not be read or changed
    │   └── DeliveryError             messages the broker did not acknowledge after every attempt
    ├── LocalBrokerError              the local broker could not be fetched, started or stopped
    ├── SnapshotError                 a match index snapshot that cannot be used (the index is built anew)
    ├── IndexBuildError               a process building the match index failed (the matcher builds it alone)
    └── StalledError                  a stage stood still with records waiting (its worker stops, a restart reads on)

Every error carries `retriable`: whether trying the same thing again may succeed.
"""

from __future__ import annotations


class HubError(Exception):
    """Root of every error the hub raises on purpose."""

    retriable: bool = False
    code: str = "hub_error"


class ConfigurationError(HubError):
    """Settings or data files that cannot be used."""

    code = "configuration"


class SchemaError(HubError):
    """An Avro schema that cannot be loaded or parsed."""

    code = "schema"


class IncompatibleSchemaError(SchemaError):
    """A schema change that would break old producers or consumers."""

    code = "schema_incompatible"


class CodecError(HubError):
    """Bytes that are not a message of the hub's contract."""

    code = "undecodable"

    def __init__(self, message: str, subject: str = ""):
        """Keep the message and what it is about (a schema's name, a fingerprint), for the refusal."""
        super().__init__(message)
        self.subject = subject

    def __reduce__(self):
        """Pickle by the constructor's arguments."""
        return type(self), (str(self), self.subject)


class NotSingleObjectError(CodecError):
    """Bytes without the Avro single-object marker, or too short to carry a fingerprint."""

    code = "not_single_object"


class UnknownFingerprintError(CodecError):
    """A writer-schema fingerprint that no known schema has."""

    code = "unknown_schema"


class MalformedPayloadError(CodecError):
    """A body that does not decode with the writer schema its fingerprint names."""

    code = "malformed_payload"


class EncodeError(HubError):
    """A value that does not fit the schema it is written with."""

    code = "encode"

    def __init__(self, message: str, field: str | None = None):
        """Keep the message and the field whose value does not fit, when known."""
        super().__init__(message)
        self.field = field

    def __reduce__(self):
        """Pickle by the constructor's arguments."""
        return type(self), (str(self), self.field)


class InvalidEventError(HubError):
    """An event a client refuses to send, with the hub's reason code and sentences (nothing was sent)."""

    code = "invalid_event"

    def __init__(self, reason: str, sentences: dict[str, str], field: str | None = None,
                 position: int | None = None, detail: str = ""):
        """Keep the reason code, its kk/ru/en sentences, the field at fault, the event's position and the specifics."""
        where = f"event {position}: " if position is not None else ""
        super().__init__(f"{where}{reason}: {sentences['en']}")
        self.reason, self.sentences, self.field, self.position = reason, sentences, field, position
        self.detail = detail

    def __reduce__(self):
        """Pickle by the constructor's arguments (the error crosses from worker processes)."""
        return type(self), (self.reason, self.sentences, self.field, self.position, self.detail)


class BrokerError(HubError):
    """The Kafka broker cannot be reached or refused a request."""

    retriable = True
    code = "broker"


class ProvisioningError(BrokerError):
    """A topic could not be created, or exists with a shape other than its definition."""

    retriable = False
    code = "provisioning"


class AccessError(BrokerError):
    """The broker refused to describe or change ACLs or SCRAM credentials (the caller is not a super user?)."""

    retriable = False
    code = "access"


class LocalBrokerError(HubError):
    """The local broker could not be fetched, started or stopped."""

    code = "local_broker"


class DeliveryError(BrokerError):
    """Messages the broker did not acknowledge after every attempt; resending them is safe (same ids)."""

    code = "delivery"


class SnapshotError(HubError):
    """A match index snapshot that cannot be used: damaged, of another topic, or too old to be safe."""

    code = "snapshot"


class IndexBuildError(HubError):
    """A process building part of the match index failed or ended early; the matcher builds it alone."""

    retriable = True
    code = "index_build"


class StalledError(HubError):
    """A stage stood still with records waiting past what it carried; its worker stops, and a restart reads them
    again from the committed offsets."""

    retriable = True
    code = "stalled"
