-- Trigger-based variant: the regional register's own table fills the outbox by itself, so the
-- application needs no change. Apply outbox.sql first.
--
-- The register table needs these columns (names as below, other columns are ignored):
--   record_id text PRIMARY KEY, record_type text, version int, unit text, officer text,
--   ground text, occurred_at timestamptz, valid_until timestamptz NULL, document jsonb, note text NULL
-- An INSERT is an enrolment, an UPDATE that raises the version a correction, a DELETE a removal
-- (its ground is the `hub.removal_ground` setting of the transaction, SET LOCAL hub.removal_ground = '...',
-- and its unit and officer `hub.removal_unit` and `hub.removal_officer`).

CREATE OR REPLACE FUNCTION hub_outbox_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    source  record;
    action  text;
    version int;
BEGIN
    IF TG_OP = 'DELETE' THEN
        source := OLD; action := 'REMOVE'; version := OLD.version + 1;
    ELSIF TG_OP = 'INSERT' THEN
        source := NEW; action := 'ENROL'; version := NEW.version;
    ELSIF NEW.version > OLD.version THEN
        source := NEW; action := 'CORRECT'; version := NEW.version;
    ELSE
        RETURN NEW;  -- an update that does not raise the version is not a register change
    END IF;
    INSERT INTO hub_outbox (record_id, event) VALUES (source.record_id, jsonb_build_object(
        'record_id',   source.record_id,
        'record_type', source.record_type,
        'action',      action,
        'version',     version,
        'unit',        CASE WHEN action = 'REMOVE' THEN current_setting('hub.removal_unit') ELSE source.unit END,
        'officer',     CASE WHEN action = 'REMOVE' THEN current_setting('hub.removal_officer') ELSE source.officer END,
        'ground',      CASE WHEN action = 'REMOVE' THEN current_setting('hub.removal_ground') ELSE source.ground END,
        'occurred_at', (extract(epoch FROM CASE WHEN action = 'REMOVE' THEN now() ELSE source.occurred_at END) * 1000)::bigint,
        'valid_until', CASE WHEN action = 'REMOVE' OR source.valid_until IS NULL THEN NULL
                            ELSE (extract(epoch FROM source.valid_until) * 1000)::bigint END,
        'document',    CASE WHEN action = 'REMOVE' THEN NULL ELSE source.document END,
        'note',        source.note));
    RETURN COALESCE(NEW, OLD);
END;
$$;

-- Attach it to each register table, e.g.:
-- CREATE TRIGGER wanted_person_outbox AFTER INSERT OR UPDATE OR DELETE ON wanted_person
--     FOR EACH ROW EXECUTE FUNCTION hub_outbox_capture();
