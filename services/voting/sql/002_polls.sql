-- 002_polls.sql - opinion polls (R7): polls with their questions, attached
-- documents and respondents, the respondents' answers (replaced whole,
-- optionally signed) with comments on the documents; and the projection of
-- this node's agencies and people (identity's unit.* and user.* events,
-- kept by the shared cab_people), which tells whose are an agency's people
-- and who holds an office role. Runs with search_path = voting, public.

-- ---- projection of agencies and people (cab_people) -----------------------------
CREATE TABLE units (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    parent_id        uuid,
    node_id          text NOT NULL,
    source_sequence  bigint NOT NULL DEFAULT 0,   -- newer events win
    updated_at       timestamptz NOT NULL DEFAULT now ()
);

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    unit_id          uuid,
    full_name        text NOT NULL,
    node_id          text NOT NULL,
    roles            text[] NOT NULL DEFAULT '{}',  -- held in unit_id
    active           boolean NOT NULL DEFAULT true,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX users_unit ON users (unit_id) WHERE active;

-- ---- polls (R7) ---------------------------------------------------------------------
-- draft -> open (sent) -> closed (deadline passed, or closed by its creator)
-- -> archived. A poll whose deadline has passed is closed for every reader
-- and writer at once; the job writes status, closed_at and poll.closed a
-- moment later.
CREATE TABLE polls (
    id                  uuid PRIMARY KEY,              -- UUIDv7: creation order, the lists' keyset
    title               text NOT NULL,
    description         text,
    status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'open', 'closed', 'archived')),
    deadline            timestamptz NOT NULL,
    signature_required  boolean NOT NULL,
    created_by          uuid NOT NULL,
    creator_unit_id     uuid,
    created_at          timestamptz NOT NULL DEFAULT now (),
    sent_at             timestamptz,
    closed_at           timestamptz,
    close_reason        text CHECK (close_reason IN ('deadline', 'creator')),
    closed_by           uuid,
    archived_at         timestamptz,
    reminded_at         timestamptz                    -- poll.due_soon published
);
CREATE INDEX polls_creator ON polls (created_by, id);
CREATE INDEX polls_due ON polls (deadline) WHERE status = 'open';

CREATE TABLE poll_questions (
    id          uuid PRIMARY KEY,
    poll_id     uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position    int NOT NULL CHECK (position >= 0),
    kind        text NOT NULL CHECK (kind IN ('choice', 'text')),
    text        text NOT NULL,
    options     text[] NOT NULL DEFAULT '{}',
    multiple    boolean NOT NULL DEFAULT false,
    required    boolean NOT NULL DEFAULT true,
    max_length  int NOT NULL DEFAULT 10000,
    UNIQUE (poll_id, position)
);

-- Documents of the documents service, attached by id; the title as it was
-- when attached. Never secret (checked with the documents service).
CREATE TABLE poll_documents (
    poll_id      uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    document_id  uuid NOT NULL,
    position     int NOT NULL,
    title        text NOT NULL,
    PRIMARY KEY (poll_id, document_id)
);

-- Whom the creator addressed: persons and agencies.
CREATE TABLE poll_targets (
    poll_id   uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position  int NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('user', 'unit')),
    target_id uuid NOT NULL,
    PRIMARY KEY (poll_id, kind, target_id)
);

-- Who must answer, fixed when the poll is sent: the persons named and the
-- active people of the agencies named (via_unit_id), each once.
CREATE TABLE poll_respondents (
    poll_id      uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL,
    via_unit_id  uuid,
    PRIMARY KEY (poll_id, user_id)
);
CREATE INDEX poll_respondents_user ON poll_respondents (user_id, poll_id);

-- One answer per respondent; a change replaces items and comments in one
-- transaction (revision counts the versions). A signed answer keeps what
-- verifies it again: the signature as sent, the time signed, the key.
CREATE TABLE poll_answers (
    poll_id         uuid NOT NULL,
    respondent_id   uuid NOT NULL,
    revision        int NOT NULL DEFAULT 1,
    signature       text,
    signed_at_text  text,
    signed_at       timestamptz,
    key_id          uuid,
    canonical       text,                        -- the string signed
    answered_at     timestamptz NOT NULL DEFAULT now (),
    updated_at      timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (poll_id, respondent_id),
    FOREIGN KEY (poll_id, respondent_id) REFERENCES poll_respondents (poll_id, user_id)
        ON DELETE CASCADE
);

CREATE TABLE poll_answer_items (
    poll_id        uuid NOT NULL,
    respondent_id  uuid NOT NULL,
    question_id    uuid NOT NULL REFERENCES poll_questions (id) ON DELETE CASCADE,
    choices        int[],                        -- choice: option indexes, ascending
    text           text,                         -- text
    PRIMARY KEY (poll_id, respondent_id, question_id),
    FOREIGN KEY (poll_id, respondent_id) REFERENCES poll_answers (poll_id, respondent_id)
        ON DELETE CASCADE
);

CREATE TABLE poll_comments (
    poll_id        uuid NOT NULL,
    respondent_id  uuid NOT NULL,
    position       int NOT NULL,
    document_id    uuid NOT NULL,
    page           int CHECK (page >= 1),
    quote          text,
    text           text NOT NULL,
    suggestion     text,
    PRIMARY KEY (poll_id, respondent_id, position),
    FOREIGN KEY (poll_id, respondent_id) REFERENCES poll_answers (poll_id, respondent_id)
        ON DELETE CASCADE,
    FOREIGN KEY (poll_id, document_id) REFERENCES poll_documents (poll_id, document_id)
);
