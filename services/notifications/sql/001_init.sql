-- 001_init.sql - the notifications schema: what the service knows of the
-- node's people (agencies, people with their roles, and where to reach
-- them), of its meetings and invitees (from scheduling's events), each
-- person's choices (channels per kind, language), the calendar feed tokens,
-- and every notice with its delivery state. Runs with search_path =
-- notifications, public.

-- Times go out as RFC 3339 in the session's time zone (Asia/Ho_Chi_Minh).
CREATE FUNCTION f_ts (timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
    AS $$ SELECT to_char ($1, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') $$;

-- ---- projection (written by the consumer only) --------------------------------
-- Agencies and people (shared cab_people): whose are an agency's people,
-- who is an agency's clerk.
CREATE TABLE units (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    parent_id        uuid,
    node_id          text NOT NULL,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    unit_id          uuid,
    full_name        text NOT NULL,
    node_id          text NOT NULL,
    roles            text[] NOT NULL DEFAULT '{}',
    active           boolean NOT NULL DEFAULT true,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX users_unit ON users (unit_id) WHERE active;

-- Where a person is reached by mail: the account's e-mail (identity's
-- user.* events; never read from identity's tables). Phone numbers are not
-- in events: the SMS lane asks identity for them when it sends.
CREATE TABLE contacts (
    user_id          uuid PRIMARY KEY,
    email            text,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);

-- This node's meetings, as scheduling's events describe them.
CREATE TABLE meetings (
    id               uuid PRIMARY KEY,
    title            text NOT NULL,
    start_at         timestamptz NOT NULL,
    end_at           timestamptz NOT NULL,
    status           text NOT NULL,
    type             text NOT NULL DEFAULT 'regular',
    form             text,
    room_name        text,
    host_unit_name   text,
    chair_id         uuid,
    secretary_id     uuid,
    created_by       uuid,                     -- the organiser
    secret           boolean NOT NULL DEFAULT false,
    published        boolean NOT NULL DEFAULT false,  -- invitations went out
    ical_sequence    int NOT NULL DEFAULT 0,   -- iTIP SEQUENCE: one more per change once published
    has_documents    boolean NOT NULL DEFAULT false,
    -- what changed since the invitees were last told (a published meeting
    -- whose approval was withdrawn, amended and approved again)
    pending_changes  text[] NOT NULL DEFAULT '{}',
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX meetings_upcoming ON meetings (start_at) WHERE status = 'approved';

-- Person invitees of each meeting with their reply.
CREATE TABLE invitees (
    meeting_id       uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL,
    response         text NOT NULL DEFAULT 'pending',
    invited_at       timestamptz,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX invitees_user ON invitees (user_id);

-- ---- the people's choices ---------------------------------------------------------
CREATE TABLE preferences (
    user_id          uuid PRIMARY KEY,
    language         text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    updated_at       timestamptz NOT NULL DEFAULT now ()
);

-- A person's channels for one kind; no row: the kind's default.
CREATE TABLE channel_choices (
    user_id          uuid NOT NULL,
    kind             text NOT NULL,
    channels         text[] NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- The personal calendar feed's token: one per person; rotating replaces it.
CREATE TABLE calendar_tokens (
    user_id          uuid PRIMARY KEY,
    token            text NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now ()
);

-- ---- notices ------------------------------------------------------------------------
-- One row per person, channel and cause. dedup_key names the cause (the
-- event id and kind, or the job's key: "reminder:<meeting>:<minutes>"), so
-- a redelivered event or a job run twice never queues a second one.
CREATE TABLE notices (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL,
    kind             text NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('app', 'email', 'sms')),
    dedup_key        text NOT NULL,
    meeting_id       uuid,
    poll_id          uuid,
    address          text,                     -- e-mail address or phone number
    language         text NOT NULL DEFAULT 'vi',
    urgent           boolean NOT NULL DEFAULT false,
    title            text NOT NULL,            -- subject
    body             text NOT NULL,            -- short text (in-app, SMS)
    text_body        text,                     -- e-mail: plain text part
    html_body        text,                     -- e-mail: HTML part
    ics              text,                     -- e-mail: iCalendar attachment
    ics_method       text,
    url              text,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'given_up')),
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now (),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now (),
    sent_at          timestamptz,
    read_at          timestamptz,
    UNIQUE (dedup_key, user_id, channel)
);
-- What the channels' lanes claim next.
CREATE INDEX notices_due ON notices (channel, next_attempt_at)
    WHERE state IN ('queued', 'failed', 'sending');
-- The inbox: a person's in-app notices, newest first.
CREATE INDEX notices_inbox ON notices (user_id, created_at DESC, id DESC) WHERE channel = 'app';
CREATE INDEX notices_meeting ON notices (meeting_id);
