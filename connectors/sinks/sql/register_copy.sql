-- A SQL copy of the central register for analysts, kept by `hub sink postgres`.
-- One row per record: its latest state (upserted by version, then by register offset), removed
-- records included until the hub purges them (a tombstone deletes the row).
CREATE TABLE IF NOT EXISTS central_register (
    record_id            text        PRIMARY KEY,
    record_type          text        NOT NULL,
    object_kind          text        NOT NULL,
    region               text        NOT NULL,
    version              int         NOT NULL,
    status               text        NOT NULL,
    owner_unit           text        NOT NULL,
    enrolled_by_unit     text        NOT NULL,
    enrolment_initiator  text        NOT NULL,
    confidentiality      text        NOT NULL,
    enrolled_at          timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    removed_at           timestamptz,
    valid_until          timestamptz,
    purge_after          timestamptz,
    last_event_id        text        NOT NULL,
    document             jsonb,
    term_notice_sent_at  timestamptz,
    source_partition     int         NOT NULL,
    source_offset        bigint      NOT NULL,
    copied_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS central_register_type_status ON central_register (record_type, status);
CREATE INDEX IF NOT EXISTS central_register_region ON central_register (region);
