-- 001_init.sql - the voting schema: votes of a meeting, who may vote in
-- each, named ballots, secret ballots (participation apart from choices),
-- the signing keys of signed ballots, idempotency records, and the
-- projection of this node's meetings built from scheduling's events. Runs
-- with search_path = voting, public.

-- Times go out as RFC 3339 in the session's time zone (Asia/Ho_Chi_Minh).
CREATE FUNCTION f_ts (timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
    AS $$ SELECT to_char ($1, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') $$;

-- ---- projection (written by the consumer only) --------------------------------
-- Meetings of this node: scheduling's meeting.*, invitation.created,
-- rsvp.submitted and attendance.recorded events. An event older (by its
-- per-service sequence) than what a row holds never overwrites it.
CREATE TABLE meetings (
    id               uuid PRIMARY KEY,
    status           text NOT NULL,
    chair_id         uuid,
    secretary_id     uuid,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);

-- Person invitees ("user" participants of scheduling; agencies are not
-- persons: the attendees they name come as persons of their own).
CREATE TABLE invitees (
    id                  uuid PRIMARY KEY,          -- scheduling's participant id
    meeting_id          uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id             uuid NOT NULL,
    response            text,                      -- pending, attend, decline, delegate
    attendance          text CHECK (attendance IN ('present', 'absent', 'substitute')),
    substitute_user_id  uuid,
    source_sequence     bigint NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX invitees_meeting ON invitees (meeting_id);
CREATE INDEX invitees_user ON invitees (user_id);
CREATE INDEX invitees_substitute ON invitees (substitute_user_id) WHERE substitute_user_id IS NOT NULL;

-- ---- votes (R6.3) ---------------------------------------------------------------
CREATE TABLE votes (
    id                  uuid PRIMARY KEY,
    meeting_id          uuid NOT NULL,
    question            text NOT NULL,
    options             text[] NOT NULL CHECK (cardinality (options) BETWEEN 2 AND 20),
    secret              boolean NOT NULL,
    signature_required  boolean NOT NULL,
    threshold           text NOT NULL CHECK (threshold IN ('majority', 'two_thirds')),
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    members             int NOT NULL DEFAULT 0,    -- person invitees at the opening
    present             int NOT NULL DEFAULT 0,    -- present at the opening, substitutes included
    final_counts        int[],                     -- per option, written at closing
    created_by          uuid NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now (),
    opened_by           uuid,
    opened_at           timestamptz,
    closed_by           uuid,
    closed_at           timestamptz
);
CREATE INDEX votes_meeting ON votes (meeting_id, created_at);

-- Absent members the chair allowed to vote remotely.
CREATE TABLE remote_voters (
    vote_id   uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL,
    added_by  uuid NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (vote_id, user_id)
);

-- Who may vote, fixed at the opening (remote voters added while open join
-- it): the person casting and the member whose seat they hold.
CREATE TABLE voters (
    vote_id    uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,                   -- who casts
    member_id  uuid NOT NULL,                   -- whose seat (a substitute's member)
    kind       text NOT NULL CHECK (kind IN ('present', 'substitute', 'remote')),
    PRIMARY KEY (vote_id, user_id)
);

-- Named ballots: one per voter (the key makes a second cast replace the
-- first, also when two arrive at once). A signed ballot keeps what
-- verifies it again: the signature as sent, the time signed, the key.
CREATE TABLE ballots (
    vote_id         uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter_id        uuid NOT NULL,
    option_index    int NOT NULL CHECK (option_index >= 0),
    signature       text,                        -- base64 as sent
    signed_at_text  text,                        -- the time exactly as signed
    signed_at       timestamptz,                 -- the same instant: a later one replaces
    key_id          uuid,
    cast_at         timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (vote_id, voter_id)
);

-- Secret ballots are two tables that share nothing but the vote: that a
-- person voted (participation) and what was chosen (secret_choices: a
-- random id, the option and the SHA-256 of a receipt token returned only
-- to the voter, who presents it to change the choice; no voter, no time).
-- The choices are re-written in random order when the vote closes, with
-- new ids and without receipts (nothing can be changed any more), so their
-- physical order and row versions do not tell the casting order and no
-- receipt shown later proves a choice (docs/architecture.md says what
-- remains). A signature of a secret
-- ballot is verified and never stored; last_signed_at only refuses an
-- older or repeated signed ballot.
CREATE TABLE participation (
    vote_id         uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter_id        uuid NOT NULL,
    last_signed_at  timestamptz,
    PRIMARY KEY (vote_id, voter_id)
);

CREATE TABLE secret_choices (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid (),  -- random (v4), never time-ordered
    vote_id       uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    option_index  int NOT NULL CHECK (option_index >= 0),
    receipt_hash  text UNIQUE                    -- NULL once the vote is closed
);
CREATE INDEX secret_choices_vote ON secret_choices (vote_id);

-- ---- signing keys -----------------------------------------------------------------
-- ECDSA P-256 public keys people register for signed ballots (made in the
-- browser with WebCrypto). A key belongs to one person.
CREATE TABLE signing_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL,
    public_key   bytea NOT NULL,                 -- SubjectPublicKeyInfo DER
    fingerprint  text NOT NULL UNIQUE,           -- SHA-256 hex of public_key
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX signing_keys_user ON signing_keys (user_id, created_at);

-- ---- Idempotency-Key ----------------------------------------------------------------
-- The first successful reply of (caller, method, key), written in the same
-- transaction as the change it reports, so a repeat returns it and changes
-- nothing. scope names the vote of a ballot: a secret vote's records
-- (which hold the voter's choice and receipt) are deleted when it closes.
CREATE TABLE idempotency (
    caller_id     uuid NOT NULL,
    method        text NOT NULL,
    key           text NOT NULL CHECK (length (key) <= 128),
    request_hash  text NOT NULL,
    reply         bytea NOT NULL,
    scope         text,
    created_at    timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (caller_id, method, key)
);
CREATE INDEX idempotency_scope ON idempotency (scope) WHERE scope IS NOT NULL;
CREATE INDEX idempotency_age ON idempotency (created_at);
