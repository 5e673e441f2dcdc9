-- 006_outbox_sent_mark.sql - the relay keeps one mark of how far Kafka has
-- confirmed the chain, instead of stamping sent_at on every row it sent.
--
-- The relay sends rows in chain order (seq) and waits for every delivery
-- report of a cycle before the next; what Kafka confirmed is therefore a
-- prefix of the chain, and one number says it: every row with seq <= mark
-- is confirmed. A stamp per row rewrote every event once more after it was
-- chained (a new version of the whole row and of each of its index entries,
-- then vacuum's work to clear the old ones): under a vote storm, a fifth of
-- the voting schema's database time. A row whose delivery failed holds the
-- mark back; the rows after it are sent again with it (at-least-once, as
-- before: consumers deduplicate by event id).
CREATE TABLE outbox_sent (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL,                        -- rows up to here are confirmed
    at       timestamptz NOT NULL DEFAULT now()      -- when the mark last moved
);
-- The mark where the stamps left off: below the first chained row not
-- stamped (rows stamped after it are sent again once), or the last place.
INSERT INTO outbox_sent (seq)
SELECT coalesce ((SELECT min (seq) - 1 FROM outbox WHERE sent_at IS NULL AND seq IS NOT NULL),
                 (SELECT max (seq) FROM outbox), 0);
DROP INDEX outbox_unsent;
ALTER TABLE outbox DROP COLUMN sent_at;
-- What the relay has still to send, for operators and tests: rows not yet
-- chained, and chained rows past the mark.
CREATE VIEW outbox_unsent AS
SELECT o.* FROM outbox o WHERE o.seq IS NULL OR o.seq > (SELECT s.seq FROM outbox_sent s);
