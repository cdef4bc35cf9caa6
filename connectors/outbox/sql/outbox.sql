-- The outbox of a regional register (item 9 events for the records hub).
-- Write the register change and its outbox row in ONE transaction; `hub outbox-relay` publishes
-- the rows in id order and marks them sent only after the broker has acknowledged them.
--
-- `event` is a RecordEvent value as JSON, with the Avro field names: occurred_at and valid_until
-- in epoch milliseconds, dates of the document in epoch days. The column is json, not jsonb: the
-- relay reads each row's text once, and PostgreSQL turns jsonb back into text about four times
-- slower (a jsonb column works too; jsonb values are cast on insert). `event_id` may be left out: the relay
-- then derives one from the database and the row id, so a resend after a crash is a replay the
-- hub drops. Per record, rows must be written in version order: take the register row's lock
-- (UPDATE ... or SELECT ... FOR UPDATE) before inserting the outbox row, as the example does.

CREATE TABLE IF NOT EXISTS hub_outbox (
    id          bigserial   PRIMARY KEY,
    record_id   text        NOT NULL,
    event       json        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    topic_partition int,
    topic_offset    bigint,
    refused_reason  text,
    refused_text    text
);

-- Only unsent rows are ever looked up.
CREATE INDEX IF NOT EXISTS hub_outbox_unsent ON hub_outbox (id) WHERE sent_at IS NULL;

COMMENT ON COLUMN hub_outbox.refused_reason IS
  'Reason code when the relay refused the row before sending (the hub''s list); the row is not retried.';

-- Example of a change and its outbox row in one transaction:
--
-- BEGIN;
--   UPDATE wanted_person SET surname = 'Ахметов', version = version + 1 WHERE record_id = 'KZ-75-WANTED_PERSON-000123';
--   INSERT INTO hub_outbox (record_id, event) VALUES ('KZ-75-WANTED_PERSON-000123', jsonb_build_object(
--     'record_id', 'KZ-75-WANTED_PERSON-000123', 'record_type', 'WANTED_PERSON', 'action', 'CORRECT',
--     'version', 2, 'unit', 'KZ-75-CP', 'officer', '750123', 'ground', 'DATA_CLARIFIED',
--     'occurred_at', (extract(epoch FROM now()) * 1000)::bigint, 'document', '{...}'::jsonb));
-- COMMIT;
