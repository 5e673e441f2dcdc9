-- 003_recordings.sql - a meeting's audio recordings (R6.5): documents of the
-- class 'recording', read only by the meeting's chair and system admins,
-- with their length when the file's header tells it; and the chair's mark
-- "họp mật" (secret meeting: not recorded) in the projection of meetings,
-- from scheduling's events.
ALTER TABLE uploads DROP CONSTRAINT uploads_classification_check,
    ADD CONSTRAINT uploads_classification_check
        CHECK (classification IN ('normal', 'secret', 'recording'));

ALTER TABLE documents DROP CONSTRAINT documents_classification_check,
    ADD CONSTRAINT documents_classification_check
        CHECK (classification IN ('normal', 'secret', 'recording')),
    ADD COLUMN duration_seconds integer CHECK (duration_seconds >= 0),
    -- A recording belongs to a meeting, never to a library.
    ADD CONSTRAINT documents_recording_of_meeting
        CHECK (classification <> 'recording' OR meeting_id IS NOT NULL);

ALTER TABLE meetings ADD COLUMN secret boolean NOT NULL DEFAULT false;
