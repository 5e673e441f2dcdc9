-- 007_meeting_secret.sql - a meeting marked secret ("họp mật") by its chair
-- is not recorded (R6.5): the documents service refuses recordings of it.
-- Who last marked or unmarked it, and when, are kept with the mark.
ALTER TABLE meetings
    ADD COLUMN secret     boolean NOT NULL DEFAULT false,
    ADD COLUMN secret_by  uuid,
    ADD COLUMN secret_at  timestamptz;
