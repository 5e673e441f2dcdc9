-- 002_outbox_append.sql - appending an event in one call: the lock that
-- serialises the schema's writers at the moment they emit, the previous
-- row's hash, the row with its own hash (the same expression as
-- cab_outbox_verify's), and the relay's wake-up. One round trip instead of
-- three; the insert's plan is kept for the connection.
-- Each statement of a VOLATILE function takes a new snapshot under READ
-- COMMITTED, so the hash is read after the lock is held and sees the row
-- of whoever held it before: the chain cannot fork.
CREATE FUNCTION outbox_append (p_event_id uuid, p_type text, p_subject text, p_topic text,
                               p_key text, p_schema text, p_payload bytea, p_actor text,
                               p_targets text[], p_meeting text, p_audience text[])
    RETURNS bigint LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    prev text;
    row_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock (hashtext (current_schema () || '.outbox'));
    -- Planned at every call (EXECUTE): a plan PL/pgSQL cached while the
    -- outbox was small would read it whole once it has grown.
    EXECUTE 'SELECT hash FROM outbox ORDER BY id DESC LIMIT 1' INTO prev;
    prev := coalesce (prev, '');
    INSERT INTO outbox (event_id, type, subject, topic, msg_key, schema_name, payload, actor_id,
                        target_nodes, meeting_id, audience, prev_hash, hash)
    VALUES (p_event_id, p_type, p_subject, p_topic, p_key, p_schema, p_payload, p_actor,
            p_targets, p_meeting, p_audience, prev,
            encode (sha256 (convert_to (prev || '|' || p_event_id::text || '|' || p_type || '|'
                                        || p_subject || '|' || coalesce (p_topic, '') || '|'
                                        || p_key || '|' || coalesce (p_schema, '') || '|'
                                        || coalesce (p_actor, '') || '|'
                                        || coalesce ('m:' || p_meeting || '|', '')
                                        || coalesce ('a:' || array_to_string (p_audience, ',')
                                                     || '|', ''), 'UTF8')
                            || coalesce (p_payload, '\x'::bytea)), 'hex'))
    RETURNING id INTO row_id;
    PERFORM pg_notify ('cab_outbox_' || current_schema (), '');
    RETURN row_id;
END
$$;
