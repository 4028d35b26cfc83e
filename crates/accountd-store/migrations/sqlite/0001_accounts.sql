CREATE TABLE users (
    id                  BLOB PRIMARY KEY NOT NULL,
    email               TEXT NOT NULL,
    -- Fully lower-cased email, computed by the domain; the unique key for email.
    email_normalized    TEXT NOT NULL,
    email_verified      INTEGER NOT NULL DEFAULT 0,
    -- Always stored lower-cased by the domain; the index makes the database enforce it too.
    username            TEXT NOT NULL,
    display_name        TEXT,
    bio                 TEXT NOT NULL DEFAULT '',
    avatar_url          TEXT,
    banner_url          TEXT,
    role                TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    banned              INTEGER NOT NULL DEFAULT 0,
    ban_reason          TEXT,
    password_hash       TEXT,
    two_factor_enabled  INTEGER NOT NULL DEFAULT 0,
    preferences         TEXT NOT NULL,
    notifications       TEXT NOT NULL,
    discord_webhook_url TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    last_login_at       TEXT
);
CREATE UNIQUE INDEX users_email_key ON users (email_normalized);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_display_name_idx ON users (lower(display_name));

CREATE TABLE sessions (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    device       TEXT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE login_attempts (
    id             BLOB PRIMARY KEY NOT NULL,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    ip             TEXT,
    user_agent     TEXT,
    device         TEXT NOT NULL,
    success        INTEGER NOT NULL,
    method         TEXT NOT NULL,
    failure_reason TEXT
);
CREATE INDEX login_attempts_user_idx ON login_attempts (user_id, at);

-- Activity outlives the account it names (account.deleted is kept without personal data),
-- so user_id is not a foreign key.
CREATE TABLE activities (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB,
    action     TEXT NOT NULL,
    at         TEXT NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    metadata   TEXT NOT NULL
);
CREATE INDEX activities_user_idx ON activities (user_id, at);
CREATE INDEX activities_action_idx ON activities (action, at);
