-- 005_conduct.sql - the live conduct of a meeting (R6.2, R6.4, R6.6, R8):
-- the speaker queue, messages and incidents, personal notes, the chair's
-- conclusion and the secretary's minutes. Kept next to the meeting so that
-- "the meeting has ended" and "no more messages" are one transaction apart
-- at most (R6.7): writers lock the meeting row FOR SHARE, ending it takes
-- FOR UPDATE.
CREATE TABLE speakers (
    id           uuid PRIMARY KEY,
    meeting_id   uuid NOT NULL REFERENCES meetings (id),
    user_id      uuid NOT NULL,
    topic        text CHECK (length (topic) <= 500),
    status       text NOT NULL CHECK (status IN ('waiting', 'speaking', 'finished', 'withdrawn')),
    rank         double precision NOT NULL,          -- order among those waiting
    requested_at timestamptz NOT NULL DEFAULT now (),
    granted_at   timestamptz,
    finished_at  timestamptz,
    granted_by   uuid
);
CREATE INDEX speakers_meeting ON speakers (meeting_id, rank);
-- One open request per person, one speaker at a time.
CREATE UNIQUE INDEX speakers_one_open ON speakers (meeting_id, user_id)
    WHERE status IN ('waiting', 'speaking');
CREATE UNIQUE INDEX speakers_one_speaking ON speakers (meeting_id) WHERE status = 'speaking';

CREATE TABLE messages (
    id          uuid PRIMARY KEY,
    meeting_id  uuid NOT NULL REFERENCES meetings (id),
    author_id   uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('message', 'incident', 'support')),
    to_kind     text NOT NULL CHECK (to_kind IN ('all', 'chair', 'secretariat', 'user')),
    to_user_id  uuid,
    text        text NOT NULL CHECK (length (text) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now (),
    CHECK ((to_kind = 'user') = (to_user_id IS NOT NULL))
);
CREATE INDEX messages_meeting ON messages (meeting_id, created_at, id);

CREATE TABLE meeting_notes (
    id          uuid PRIMARY KEY,
    meeting_id  uuid NOT NULL REFERENCES meetings (id),
    author_id   uuid NOT NULL,
    text        text NOT NULL CHECK (length (text) BETWEEN 1 AND 20000),
    created_at  timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX meeting_notes_author ON meeting_notes (meeting_id, author_id, created_at);

CREATE TABLE conclusions (
    meeting_id  uuid PRIMARY KEY REFERENCES meetings (id),
    text        text NOT NULL CHECK (length (text) BETWEEN 1 AND 100000),
    author_id   uuid NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now ()
);

CREATE TABLE minutes (
    meeting_id       uuid PRIMARY KEY REFERENCES meetings (id),
    text             text NOT NULL CHECK (length (text) BETWEEN 1 AND 200000),
    attachment_ids   uuid[] NOT NULL DEFAULT '{}',
    recommendations  text CHECK (length (recommendations) <= 20000),
    author_id        uuid NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
