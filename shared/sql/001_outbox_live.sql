-- 001_outbox_live.sql - what live streams need of an event: the meeting it
-- belongs to (the gateway's per-meeting Server-Sent Events) and, when only
-- some people may see it (a message to one person, a secret document), who
-- they are. Both travel in the envelope (Event.meeting_id, Event.audience)
-- and are covered by the hash chain when set.
ALTER TABLE outbox ADD COLUMN meeting_id text;
ALTER TABLE outbox ADD COLUMN audience text[];
