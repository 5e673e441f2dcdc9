-- 001_init.sql - the identity schema: agencies (units), accounts, roles,
-- sessions, the login log and the province directory received from other
-- nodes. Runs with search_path = identity, public.

-- Diacritics-insensitive search ("Nguyen" finds "Nguyễn"). unaccent is a
-- trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

-- unaccent() is only STABLE (it reads a dictionary); this wrapper names the
-- dictionary explicitly, which makes it safe to declare IMMUTABLE and to
-- use in indexes.
CREATE FUNCTION f_unaccent (text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent ('public.unaccent'::regdictionary, $1) $$;

CREATE TABLE units (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length (btrim (name)) BETWEEN 1 AND 200),
    parent_id   uuid REFERENCES units (id),
    node_id     text NOT NULL CHECK (node_id <> ''),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now (),
    updated_at  timestamptz NOT NULL DEFAULT now (),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
-- Sibling agencies have distinct names (case-insensitively).
CREATE UNIQUE INDEX units_sibling_name ON units (
    coalesce (parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower (name));
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_name ON units (lower (name));

CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    username             text NOT NULL CHECK (username = lower (username)
                                              AND length (username) BETWEEN 1 AND 254),
    full_name            text NOT NULL CHECK (length (btrim (full_name)) BETWEEN 1 AND 200),
    title                text CHECK (length (title) <= 200),
    unit_id              uuid NOT NULL REFERENCES units (id),
    email                text CHECK (length (email) <= 254),
    phone                text CHECK (length (phone) <= 32),
    source               text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'ldap')),
    ldap_dn              text,
    password_hash        text,                  -- Argon2id encoded; NULL for directory accounts
    password_changed_at  timestamptz,
    must_change_password boolean NOT NULL DEFAULT false,
    totp_secret          text,                  -- base32; set by SetupTotp, used once enabled
    totp_enabled         boolean NOT NULL DEFAULT false,
    totp_last_step       bigint NOT NULL DEFAULT 0,   -- last TOTP step used: codes work once
    lockout_reset_at     timestamptz,           -- failures before this do not count
    active               boolean NOT NULL DEFAULT true,
    version              integer NOT NULL DEFAULT 1,  -- optimistic lock for admin changes
    created_at           timestamptz NOT NULL DEFAULT now (),
    updated_at           timestamptz NOT NULL DEFAULT now (),
    CHECK (source <> 'local' OR username ~ '^[a-z0-9._-]{3,64}$'),
    CHECK ((source = 'local') = (password_hash IS NOT NULL)),
    CHECK ((source = 'ldap') = (ldap_dn IS NOT NULL)),
    CHECK (NOT totp_enabled OR totp_secret IS NOT NULL)
);
-- A user name stays taken after the account is deleted (soft delete).
CREATE UNIQUE INDEX users_username ON users (lower (username));
CREATE UNIQUE INDEX users_ldap_dn ON users (lower (ldap_dn)) WHERE ldap_dn IS NOT NULL;
CREATE INDEX users_unit ON users (unit_id, username);

-- Roles are held in an agency (the user's own unit); system_admin is global.
CREATE TABLE user_roles (
    user_id  uuid NOT NULL REFERENCES users (id),
    role     text NOT NULL CHECK (role IN ('system_admin', 'unit_admin', 'clerk',
                                           'approver', 'member')),
    unit_id  uuid REFERENCES units (id),
    PRIMARY KEY (user_id, role),
    CHECK ((role = 'system_admin') = (unit_id IS NULL))
);
CREATE INDEX user_roles_role ON user_roles (role);

-- The token itself is never stored: only its SHA-256 (hex).
CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    token_hash    text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id       uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now (),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_seen_at  timestamptz NOT NULL DEFAULT now (),
    ip            text CHECK (length (ip) <= 64),
    user_agent    text CHECK (length (user_agent) <= 512),
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- Every sign-in attempt (R1.5). username is the name as typed, lower-cased:
-- lockout counts by it whether or not an account has that name.
CREATE TABLE login_log (
    id          uuid PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now (),
    username    text NOT NULL CHECK (length (username) <= 254),
    user_id     uuid REFERENCES users (id),
    unit_id     uuid REFERENCES units (id),
    success     boolean NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('ok', 'bad_credentials', 'locked',
                                                'totp_required', 'inactive',
                                                'ldap_unavailable', 'no_unit')),
    method      text NOT NULL CHECK (method IN ('local', 'ldap')),
    ip          text CHECK (length (ip) <= 64),
    user_agent  text CHECK (length (user_agent) <= 512),
    CHECK (success = (reason = 'ok'))
);
CREATE INDEX login_log_username ON login_log (username, at);
CREATE INDEX login_log_username_ok ON login_log (username, at) WHERE success;
CREATE INDEX login_log_user ON login_log (user_id, id);
CREATE INDEX login_log_unit ON login_log (unit_id, id);

-- Public profiles of other nodes' units and users, from cabinet.directory.
CREATE TABLE directory (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('unit', 'user')),
    node_id          text NOT NULL,
    name             text NOT NULL,
    title            text,
    unit_id          uuid,
    parent_id        uuid,
    email            text,
    active           boolean NOT NULL DEFAULT true,
    source_sequence  bigint NOT NULL DEFAULT 0,  -- newer events win
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX directory_node ON directory (node_id, id);
