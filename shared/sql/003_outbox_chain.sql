-- 003_outbox_chain.sql - the audit chain is built by one chainer, the relay,
-- in the order it publishes, instead of by every writer under a lock.
--
-- Until now outbox_append took a per-schema lock, read the previous row's
-- hash and inserted the row chained to it; the lock was held until the
-- writer's COMMIT was on disk, so a schema's writers committed one after
-- another, each waiting for its own flush, where independent transactions
-- share theirs (group commit). Now a writer inserts its row unchained
-- (seq, prev_hash, hash NULL), taking no lock that another writer waits
-- for, and the relay (outbox_chain, below) gives committed rows their place
-- in the chain, seq, and their hashes, in its own transaction, before it
-- sends them: the chain's order is the order of publication, and seq is the
-- event's sequence (Event.sequence), which never goes back.
--
-- Ids are still taken in the writer's transaction, so a lower id can commit
-- after a higher one: outbox_chain takes whatever has committed, lowest id
-- first, so a row that commits late is chained (and published) in the next
-- cycle, never passed over. Two transactions whose changes depend on each
-- other (one waits for a row the other locked) are still chained in that
-- order, since the waiting one emits after the other has committed.
--
-- Rows written before this migration were chained in id order: their place
-- is their id, and their hashes stay valid.
ALTER TABLE outbox ADD COLUMN seq bigint;  -- place in the audit chain; NULL: not chained yet
ALTER TABLE outbox ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE outbox ALTER COLUMN hash DROP NOT NULL;
UPDATE outbox SET seq = id;
-- seq, prev_hash and hash are set together, by outbox_chain only. (Not a
-- CHECK constraint: PostgreSQL prepares a table's CHECK expressions afresh
-- for every statement that writes it, which cost every append about a
-- fifth of its time.)
-- One row per place: the chain cannot fork.
CREATE UNIQUE INDEX outbox_seq ON outbox (seq) WHERE seq IS NOT NULL;
-- What the chainer takes next, and what the relay sends next.
CREATE INDEX outbox_unchained ON outbox (id) WHERE seq IS NULL;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL AND seq IS NOT NULL;

-- Appending an event: the row, unchained, and the relay's wake-up when it
-- needs one. NOTIFY is not sent on every append: PostgreSQL serialises the
-- commits of every notifying transaction of the server (a lock held from
-- before the commit until it is on disk), which would put back the
-- one-after-another commits this migration removes. The relay, when it
-- has nothing left to do, rests holding the advisory lock
-- '<schema>.outbox_rest' in exclusive mode; a writer tries it in shared
-- mode, which never waits: it fails only while the relay rests, and then
-- the writer notifies. Taken, the shared lock is held until the writer's
-- transaction ends, and the relay only rests once no writer holds it, so a
-- row committed after the relay's last look always comes with a NOTIFY.
-- Locks are not rows: the test holds under any isolation level.
CREATE OR REPLACE FUNCTION outbox_append (p_event_id uuid, p_type text, p_subject text,
                                          p_topic text, p_key text, p_schema text,
                                          p_payload bytea, p_actor text, p_targets text[],
                                          p_meeting text, p_audience text[])
    RETURNS bigint LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    row_id bigint;
BEGIN
    INSERT INTO outbox (event_id, type, subject, topic, msg_key, schema_name, payload, actor_id,
                        target_nodes, meeting_id, audience)
    VALUES (p_event_id, p_type, p_subject, p_topic, p_key, p_schema, p_payload, p_actor,
            p_targets, p_meeting, p_audience)
    RETURNING id INTO row_id;
    IF NOT pg_try_advisory_xact_lock_shared (hashtext (current_schema () || '.outbox_rest')) THEN
        PERFORM pg_notify ('cab_outbox_' || current_schema (), '');
    END IF;
    RETURN row_id;
END
$$;

-- Chain up to p_limit committed rows, lowest id first, after the chain's
-- last row: each gets the next seq, the last hash as prev_hash and its own
-- hash (the expression of cab_outbox_verify). Returns how many. One
-- chainer at a time (a lock of its own, which writers never take); the
-- caller commits before it publishes what was chained, so a row's place
-- never changes once anyone has seen it.
CREATE FUNCTION outbox_chain (p_limit integer)
    RETURNS integer LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    last_seq bigint;
    last_hash text;
    next_hash text;
    r record;
    chained integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock (hashtext (current_schema () || '.outbox_chain'));
    -- Planned at every call (EXECUTE), for the outbox as it is now.
    EXECUTE 'SELECT seq, hash FROM outbox WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1'
        INTO last_seq, last_hash;
    last_seq := coalesce (last_seq, 0);
    last_hash := coalesce (last_hash, '');
    FOR r IN EXECUTE 'SELECT id, event_id, type, subject, topic, msg_key, schema_name, payload,'
                     ' actor_id, meeting_id, audience FROM outbox WHERE seq IS NULL'
                     ' ORDER BY id LIMIT $1' USING p_limit LOOP
        next_hash := encode (sha256 (convert_to (last_hash || '|' || r.event_id::text || '|'
                                                 || r.type || '|' || r.subject || '|'
                                                 || coalesce (r.topic, '') || '|' || r.msg_key
                                                 || '|' || coalesce (r.schema_name, '') || '|'
                                                 || coalesce (r.actor_id, '') || '|'
                                                 || coalesce ('m:' || r.meeting_id || '|', '')
                                                 || coalesce ('a:'
                                                              || array_to_string (r.audience, ',')
                                                              || '|', ''), 'UTF8')
                                     || coalesce (r.payload, '\x'::bytea)), 'hex');
        last_seq := last_seq + 1;
        UPDATE outbox SET seq = last_seq, prev_hash = last_hash, hash = next_hash WHERE id = r.id;
        last_hash := next_hash;
        chained := chained + 1;
    END LOOP;
    RETURN chained;
END
$$;
