-- 001_init.sql - the documents schema: uploads in progress, documents with
-- their text for search, access lists, libraries, comments and personal
-- notes, the access log, retention releases and the purge log, and the
-- projection of meetings, participants, people, agencies and document types
-- built from other services' events. Runs with search_path = documents,
-- public.

-- Diacritics-insensitive search ("hop khong giay" finds "họp không giấy"):
-- every Vietnamese vowel with its marks, either case, and đ, to its base
-- letter. A plain translate() rather than the unaccent extension: services
-- migrate concurrently at start-up and two CREATE EXTENSION statements race
-- (one of them fails); this needs no extension at all. Text is stored in
-- NFC, so each letter is one code point. The same map is in rules.c
-- (docs_fold_letter); tests/documents/test_rules.c checks they agree.
CREATE FUNCTION f_unaccent (text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT translate ($1,
        'àÀáÁảẢãÃạẠăĂằẰắẮẳẲẵẴặẶâÂầẦấẤẩẨẫẪậẬèÈéÉẻẺẽẼẹẸêÊềỀếẾểỂễỄệỆìÌíÍỉỈĩĨịỊòÒóÓỏỎõÕọỌôÔồỒốỐổỔỗỖộỘơƠờỜớỚởỞỡỠợỢùÙúÚủỦũŨụỤưƯừỪứỨửỬữỮựỰỳỲýÝỷỶỹỸỵỴđĐ',
        'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeeeeeeeiiiiiiiiiioooooooooooooooooooooooooooooooooouuuuuuuuuuuuuuuuuuuuuuyyyyyyyyyydd') $$;

-- Folded for comparison: marks dropped first (the map knows both cases),
-- then ASCII lower-cased, whatever the database's locale.
CREATE FUNCTION f_fold (text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower (f_unaccent ($1)) $$;

-- The search vector of a document: its title (weight A) and extracted text
-- (weight B), folded, with the 'simple' configuration (Vietnamese words are
-- syllables: no stemming). A tsvector holds at most 1 MB; a text of very
-- many distinct words may pass that, and then only its first 256 K
-- characters are indexed rather than failing the upload.
CREATE FUNCTION f_doc_search (title text, body text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
BEGIN
    RETURN setweight (to_tsvector ('simple', f_fold (coalesce (title, ''))), 'A')
        || setweight (to_tsvector ('simple', f_fold (coalesce (body, ''))), 'B');
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN setweight (to_tsvector ('simple', f_fold (coalesce (title, ''))), 'A')
        || setweight (to_tsvector ('simple', f_fold (left (coalesce (body, ''), 262144))), 'B');
END $$;

-- Times go out as RFC 3339 in the session's time zone (Asia/Ho_Chi_Minh).
CREATE FUNCTION f_ts (timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
    AS $$ SELECT to_char ($1, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') $$;

-- ---- projection (written by the consumer only) --------------------------------
-- Agencies and people: identity's unit.* and user.* events of this node
-- (roles included), other nodes' entries of cabinet.directory (no roles).
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
    roles            text[] NOT NULL DEFAULT '{}',
    active           boolean NOT NULL DEFAULT true,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX users_unit ON users (unit_id);

-- Document types: scheduling's catalog.created events of kind doc-types.
CREATE TABLE doc_types (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now ()
);

-- Meetings: scheduling's meeting.* events (each carries the whole meeting
-- and every invitee). published: approved at some time (invitees know of it).
CREATE TABLE meetings (
    id               uuid PRIMARY KEY,
    node_id          text,
    title            text,
    status           text NOT NULL,
    start_at         timestamptz,
    end_at           timestamptz,
    ended_at         timestamptz,                 -- when meeting.ended came
    host_unit_id     uuid,
    created_by       uuid,
    chair_id         uuid,
    secretary_id     uuid,
    approver_id      uuid,
    published        boolean NOT NULL DEFAULT false,
    source_sequence  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now ()
);

-- Invitees: a person (kind user) or an agency (kind unit), as scheduling
-- numbers them (id = scheduling's participant id).
CREATE TABLE participants (
    id                  uuid PRIMARY KEY,
    meeting_id          uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    kind                text NOT NULL,
    user_id             uuid,
    unit_id             uuid,
    node_id             text,
    response            text,
    replaces_user_id    uuid,                     -- a delegate: whom they replace
    via_unit_id         uuid,                     -- named by this invited agency's clerk
    substitute_user_id  uuid,                     -- stood in at roll call
    invited_at          timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX participants_meeting ON participants (meeting_id);
CREATE INDEX participants_user ON participants (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX participants_substitute ON participants (substitute_user_id)
    WHERE substitute_user_id IS NOT NULL;

-- invitation.opened: the first time each invitee opened the invitation (R4.5).
CREATE TABLE invitation_opens (
    meeting_id  uuid NOT NULL,
    user_id     uuid NOT NULL,
    opened_at   timestamptz NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- ---- uploads in progress -----------------------------------------------------------
-- One row per upload between UploadBegin and UploadFinish (then kept an hour
-- as 'done' so a repeated UploadFinish answers the same document). Its
-- bytes are in CABINET_DATA_DIR/tmp/<id>.part.
CREATE TABLE uploads (
    id               uuid PRIMARY KEY,
    caller_id        uuid NOT NULL,
    caller_unit_id   uuid,
    meeting_id       uuid,
    library          text CHECK (library IN ('shared', 'personal')),
    title            text NOT NULL,
    title_encoding   text NOT NULL DEFAULT 'unicode',
    doc_type_id      uuid,
    classification   text NOT NULL CHECK (classification IN ('normal', 'secret')),
    access_user_ids  uuid[] NOT NULL DEFAULT '{}',
    original_name    text,
    declared_size    bigint NOT NULL DEFAULT 0,
    received         bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
    state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'finishing', 'done')),
    document_id      uuid,
    created_at       timestamptz NOT NULL DEFAULT now (),
    updated_at       timestamptz NOT NULL DEFAULT now (),
    CHECK ((meeting_id IS NULL) <> (library IS NULL))
);
CREATE INDEX uploads_caller ON uploads (caller_id, state);
CREATE INDEX uploads_updated ON uploads (updated_at);

-- ---- documents (R5) ---------------------------------------------------------------------
CREATE TABLE documents (
    id                uuid PRIMARY KEY,
    meeting_id        uuid,                       -- NULL: uploaded to a library
    library           text CHECK (library IN ('shared', 'personal')),
    title             text NOT NULL CHECK (length (btrim (title)) BETWEEN 1 AND 300),
    original_name     text,
    file_type         text NOT NULL,
    mime_type         text NOT NULL,
    size              bigint NOT NULL CHECK (size > 0),
    sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    pages             integer CHECK (pages >= 1),
    pages_note        text,
    status            text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    classification    text NOT NULL CHECK (classification IN ('normal', 'secret')),
    doc_type_id       uuid,
    uploaded_by       uuid NOT NULL,
    uploader_unit_id  uuid,
    text_encoding     text NOT NULL DEFAULT 'unicode',
    sig_signed        boolean NOT NULL DEFAULT false,
    sig_intact        boolean NOT NULL DEFAULT false,
    sig_trusted       boolean NOT NULL DEFAULT false,
    sig_whole         boolean NOT NULL DEFAULT false,
    sig_count         integer NOT NULL DEFAULT 0,
    sig_signer        text,
    sig_issuer        text,
    sig_signed_at     timestamptz,
    sig_reason        text,
    approved_by       uuid,
    approved_at       timestamptz,
    reviewed_at       timestamptz,
    reject_reason     text CHECK (length (reject_reason) <= 2000),
    created_at        timestamptz NOT NULL DEFAULT now (),
    updated_at        timestamptz NOT NULL DEFAULT now (),
    CHECK ((meeting_id IS NULL) <> (library IS NULL))
);
CREATE INDEX documents_meeting ON documents (meeting_id, created_at);
CREATE INDEX documents_uploader ON documents (uploaded_by);
CREATE INDEX documents_sha ON documents (sha256);
CREATE INDEX documents_created ON documents (created_at, id);

-- The text for search, apart from documents so a change of status does not
-- recompute the vector. body: at most 2 MB, Unicode NFC, legacy encodings
-- converted.
CREATE TABLE document_text (
    document_id  uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    title        text NOT NULL,
    body         text,
    search       tsvector GENERATED ALWAYS AS (f_doc_search (title, body)) STORED
);
CREATE INDEX document_text_search ON document_text USING gin (search);

-- Secret mode's access list (R5.2), and explicit shares of other documents.
CREATE TABLE document_access (
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL,
    PRIMARY KEY (document_id, user_id)
);
CREATE INDEX document_access_user ON document_access (user_id);

-- Libraries (R5.3): the shared one (owner_id NULL) and each person's own.
CREATE TABLE library_entries (
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('shared', 'personal')),
    owner_id     uuid,
    added_by     uuid NOT NULL,
    added_at     timestamptz NOT NULL DEFAULT now (),
    CHECK ((kind = 'shared') = (owner_id IS NULL))
);
CREATE UNIQUE INDEX library_entries_one ON library_entries (
    document_id, kind, coalesce (owner_id, '00000000-0000-0000-0000-000000000000'::uuid));
CREATE INDEX library_entries_list ON library_entries (kind, owner_id, added_at);

-- Comments and suggested edits (R5.8), seen by whoever reads the document.
CREATE TABLE comments (
    id           uuid PRIMARY KEY,
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    author_id    uuid NOT NULL,
    text         text NOT NULL CHECK (length (text) BETWEEN 1 AND 4000),
    suggestion   text CHECK (length (suggestion) <= 20000),
    created_at   timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX comments_document ON comments (document_id, created_at, id);

-- Personal notes (R5.8): only their author ever reads them.
CREATE TABLE notes (
    id           uuid PRIMARY KEY,
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    author_id    uuid NOT NULL,
    text         text NOT NULL CHECK (length (text) BETWEEN 1 AND 20000),
    created_at   timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX notes_author ON notes (author_id, document_id, created_at);

-- Who viewed and downloaded what, when (R1.5, R4.5, R10.4). Kept when a
-- document is purged: it is the record of access, not the document.
CREATE TABLE access_log (
    id           bigserial PRIMARY KEY,
    document_id  uuid NOT NULL,
    meeting_id   uuid,
    user_id      uuid NOT NULL,
    unit_id      uuid,
    action       text NOT NULL CHECK (action IN ('view', 'download')),
    at           timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX access_log_meeting ON access_log (meeting_id, action, user_id);
CREATE INDEX access_log_document ON access_log (document_id);

-- ---- retention (R5.6) -------------------------------------------------------------------
-- A leader released a meeting's stored data for deletion.
CREATE TABLE retention_releases (
    meeting_id   uuid PRIMARY KEY,
    released_by  uuid NOT NULL,
    reason       text CHECK (length (reason) <= 2000),
    released_at  timestamptz NOT NULL DEFAULT now ()
);

-- What the purge removed, kept for good.
CREATE TABLE purge_log (
    id              bigserial PRIMARY KEY,
    document_id     uuid NOT NULL,
    meeting_id      uuid,
    classification  text NOT NULL,
    sha256          text NOT NULL,
    size            bigint NOT NULL,
    pages           integer,
    uploaded_at     timestamptz NOT NULL,
    released_by     uuid,
    cutoff          timestamptz NOT NULL,
    purged_at       timestamptz NOT NULL DEFAULT now ()
);
