-- 004_outbox_append_many.sql - several events appended in one statement,
-- for a writer that commits many changes in one transaction (the voting
-- service's ballots, written together under load: services/voting,
-- "group commit"). Each element of the arrays is one event, as
-- outbox_append takes it; p_targets and p_audiences hold each event's
-- array as its text literal ('{a,b}', or NULL), since PostgreSQL has no
-- arrays of arrays of different lengths. Rows are inserted in the order of
-- the arrays, so their ids, and their places in the chain, follow it. The
-- relay is woken as outbox_append wakes it (003_outbox_chain.sql), once.
CREATE FUNCTION outbox_append_many (p_event_ids uuid[], p_types text[], p_subjects text[],
                                    p_topics text[], p_keys text[], p_schemas text[],
                                    p_payloads bytea[], p_actors text[], p_targets text[],
                                    p_meetings text[], p_audiences text[])
    RETURNS integer LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    appended integer;
BEGIN
    INSERT INTO outbox (event_id, type, subject, topic, msg_key, schema_name, payload, actor_id,
                        target_nodes, meeting_id, audience)
    SELECT e, t, s, tp, k, sc, p, a, coalesce (tg::text[], '{}'), m, au::text[]
    FROM unnest (p_event_ids, p_types, p_subjects, p_topics, p_keys, p_schemas, p_payloads,
                 p_actors, p_targets, p_meetings, p_audiences)
         WITH ORDINALITY AS r (e, t, s, tp, k, sc, p, a, tg, m, au, n)
    ORDER BY n;
    GET DIAGNOSTICS appended = ROW_COUNT;
    IF NOT pg_try_advisory_xact_lock_shared (hashtext (current_schema () || '.outbox_rest')) THEN
        PERFORM pg_notify ('cab_outbox_' || current_schema (), '');
    END IF;
    RETURN appended;
END
$$;
