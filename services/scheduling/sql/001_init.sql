-- 001_init.sql - the scheduling schema: catalogs, meetings, participants,
-- lead-time violations, support requests, idempotency records, and the
-- projection of the province's agencies and people built from identity's
-- events. Runs with search_path = scheduling, public.

-- Diacritics-insensitive search ("chuyen doi so" finds "Chuyển đổi số"):
-- every Vietnamese vowel with its marks, either case, and đ, to its base
-- letter. A plain translate() rather than the unaccent extension: services
-- migrate concurrently at start-up, and a second CREATE EXTENSION racing
-- identity's would make one of the two fail. Text is stored in NFC, so each
-- letter is one code point. Callers apply lower () first for ASCII.
CREATE FUNCTION f_unaccent (text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT translate ($1,
        'àÀáÁảẢãÃạẠăĂằẰắẮẳẲẵẴặẶâÂầẦấẤẩẨẫẪậẬèÈéÉẻẺẽẼẹẸêÊềỀếẾểỂễỄệỆìÌíÍỉỈĩĨịỊòÒóÓỏỎõÕọỌôÔồỒốỐổỔỗỖộỘơƠờỜớỚởỞỡỠợỢùÙúÚủỦũŨụỤưƯừỪứỨửỬữỮựỰỳỲýÝỷỶỹỸỵỴđĐ',
        'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeeeeeeeiiiiiiiiiioooooooooooooooooooooooooooooooooouuuuuuuuuuuuuuuuuuuuuuyyyyyyyyyydd') $$;

-- Times go out as RFC 3339 in the session's time zone (Asia/Ho_Chi_Minh:
-- "2026-12-01T08:00:00+07:00").
CREATE FUNCTION f_ts (timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
    AS $$ SELECT to_char ($1, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') $$;

-- ---- projection (never written by requests) ---------------------------------
-- Agencies and people of this node (identity's unit.* and user.* events,
-- roles included) and of other nodes (cabinet.directory, without roles).
CREATE TABLE units (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    parent_id        uuid,
    node_id          text NOT NULL,
    source_sequence  bigint NOT NULL DEFAULT 0,   -- newer events win
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_name ON units (lower (name));

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    unit_id          uuid,
    full_name        text NOT NULL,
    title            text,
    node_id          text NOT NULL,
    roles            text[] NOT NULL DEFAULT '{}',  -- held in unit_id
    active           boolean NOT NULL DEFAULT true,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX users_unit ON users (unit_id);

-- ---- catalogs (R2) ---------------------------------------------------------------
CREATE TABLE catalog (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('rooms', 'forms', 'types', 'fields',
                                              'doc-types', 'doc-fields')),
    code        text,                                 -- forms and types: the API code
    name        text NOT NULL CHECK (length (btrim (name)) BETWEEN 1 AND 200),
    unit_id     uuid,                                 -- rooms: the owning agency
    capacity    integer NOT NULL DEFAULT 0 CHECK (capacity BETWEEN 0 AND 100000),
    location    text CHECK (length (location) <= 300),
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now (),
    CHECK ((kind = 'rooms') = (unit_id IS NOT NULL)),
    CHECK ((kind IN ('forms', 'types')) = (code IS NOT NULL))
);
CREATE UNIQUE INDEX catalog_name ON catalog (
    kind, coalesce (unit_id, '00000000-0000-0000-0000-000000000000'::uuid), lower (name));
CREATE UNIQUE INDEX catalog_code ON catalog (kind, code) WHERE code IS NOT NULL;

-- The fixed forms and types of the API, with their Vietnamese names.
INSERT INTO catalog (id, kind, code, name) VALUES
    ('0190c0de-5c4e-7000-8000-000000000101', 'forms', 'in_person', 'Họp trực tiếp'),
    ('0190c0de-5c4e-7000-8000-000000000102', 'forms', 'online', 'Họp trực tuyến'),
    ('0190c0de-5c4e-7000-8000-000000000103', 'forms', 'hybrid', 'Họp kết hợp trực tiếp và trực tuyến'),
    ('0190c0de-5c4e-7000-8000-000000000201', 'types', 'regular', 'Họp thường kỳ'),
    ('0190c0de-5c4e-7000-8000-000000000202', 'types', 'urgent', 'Họp khẩn'),
    ('0190c0de-5c4e-7000-8000-000000000203', 'types', 'emergency', 'Họp đột xuất');

-- Rooms the demo seeding asked for whose agency has not reached the
-- projection yet (seeding may run before identity's events arrive); the
-- projection creates them when an agency of that name appears.
CREATE TABLE room_seeds (
    unit_name  text NOT NULL,
    name       text NOT NULL,
    capacity   integer NOT NULL DEFAULT 0,
    location   text,
    PRIMARY KEY (unit_name, name)
);

-- ---- meetings (R3) ---------------------------------------------------------------
CREATE TABLE meetings (
    id                uuid PRIMARY KEY,
    node_id           text NOT NULL,
    title             text NOT NULL CHECK (length (btrim (title)) BETWEEN 1 AND 300),
    content           text CHECK (length (content) <= 20000),
    start_at          timestamptz NOT NULL,
    end_at            timestamptz NOT NULL,
    room_id           uuid REFERENCES catalog (id),
    form              text NOT NULL CHECK (form IN ('in_person', 'online', 'hybrid')),
    type              text NOT NULL CHECK (type IN ('regular', 'urgent', 'emergency')),
    field_id          uuid REFERENCES catalog (id),
    chair_id          uuid NOT NULL,
    secretary_id      uuid NOT NULL,
    approver_id       uuid NOT NULL,
    preparer_id       uuid,
    preparer_unit_id  uuid,
    support_ids       uuid[] NOT NULL DEFAULT '{}',
    host_unit_id      uuid NOT NULL,
    created_by        uuid NOT NULL,
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected',
                                        'cancelled', 'in_progress', 'ended')),
    reason            text CHECK (length (reason) <= 2000),
    approval_forced   boolean NOT NULL DEFAULT false,
    force_reason      text CHECK (length (force_reason) <= 2000),
    published_at      timestamptz,   -- first approval: invitees know of it from then on
    submitted_at      timestamptz,
    approved_at       timestamptz,
    started_at        timestamptz,
    ended_at          timestamptz,
    cancelled_at      timestamptz,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now (),
    updated_at        timestamptz NOT NULL DEFAULT now (),
    CHECK (end_at > start_at)
);
CREATE INDEX meetings_start ON meetings (start_at, id);
CREATE INDEX meetings_room ON meetings (room_id, start_at);
CREATE INDEX meetings_chair ON meetings (chair_id, start_at);
CREATE INDEX meetings_host ON meetings (host_unit_id, start_at);
CREATE INDEX meetings_approver ON meetings (approver_id, status);

-- Invitees: a person (kind user; unit_id is their agency) or an agency
-- (kind unit). A delegate is a person row that replaces another one; a
-- person named by an invited agency's clerk carries via_unit_id.
CREATE TABLE participants (
    id                  uuid PRIMARY KEY,
    meeting_id          uuid NOT NULL REFERENCES meetings (id),
    kind                text NOT NULL CHECK (kind IN ('user', 'unit')),
    user_id             uuid,
    unit_id             uuid NOT NULL,
    node_id             text NOT NULL,
    response            text NOT NULL DEFAULT 'pending'
                        CHECK (response IN ('pending', 'attend', 'decline', 'delegate')),
    reason              text CHECK (length (reason) <= 2000),
    delegate_user_id    uuid,
    replaces_user_id    uuid,
    via_unit_id         uuid,
    responded_at        timestamptz,
    late                boolean NOT NULL DEFAULT false,
    attendance          text CHECK (attendance IN ('present', 'absent', 'substitute')),
    attendance_reason   text CHECK (length (attendance_reason) <= 2000),
    substitute_user_id  uuid,
    attendance_by       uuid,
    attendance_at       timestamptz,
    checked_in_at       timestamptz,
    invited_at          timestamptz,
    position            integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now (),
    CHECK ((kind = 'user') = (user_id IS NOT NULL)),
    CHECK ((response = 'delegate') = (delegate_user_id IS NOT NULL)),
    CHECK ((attendance = 'substitute') = (substitute_user_id IS NOT NULL))
);
CREATE UNIQUE INDEX participants_user ON participants (meeting_id, user_id) WHERE kind = 'user';
CREATE UNIQUE INDEX participants_unit ON participants (meeting_id, unit_id) WHERE kind = 'unit';
CREATE INDEX participants_user_meetings ON participants (user_id) WHERE kind = 'user';
CREATE INDEX participants_substitutes ON participants (substitute_user_id)
    WHERE substitute_user_id IS NOT NULL;
CREATE INDEX participants_unit_meetings ON participants (unit_id);

-- Lead-time violations (R3.4): recorded, never blocking.
CREATE TABLE violations (
    id            uuid PRIMARY KEY,
    meeting_id    uuid NOT NULL REFERENCES meetings (id),
    rule          text NOT NULL CHECK (rule IN ('notice', 'reply', 'documents', 'support')),
    meeting_type  text NOT NULL,
    lead_seconds  bigint NOT NULL,
    due_at        timestamptz NOT NULL,
    occurred_at   timestamptz NOT NULL,
    late_seconds  bigint NOT NULL CHECK (late_seconds > 0),
    user_id       uuid,
    message       text NOT NULL
);
CREATE INDEX violations_meeting ON violations (meeting_id, occurred_at);
CREATE INDEX violations_time ON violations (occurred_at, id);

-- Support before the meeting (R4.3).
CREATE TABLE support_requests (
    id          uuid PRIMARY KEY,
    meeting_id  uuid NOT NULL REFERENCES meetings (id),
    user_id     uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('device', 'account', 'other')),
    note        text CHECK (length (note) <= 2000),
    late        boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX support_requests_meeting ON support_requests (meeting_id);

-- Idempotency-Key: the first successful reply of (caller, method, key),
-- written in the same transaction as the change it reports, so a repeat
-- returns it and changes nothing.
CREATE TABLE idempotency (
    caller_id     uuid NOT NULL,
    method        text NOT NULL,
    key           text NOT NULL CHECK (length (key) <= 128),
    request_hash  text NOT NULL,
    reply         bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (caller_id, method, key)
);
