CREATE TABLE users (
    id                  UUID PRIMARY KEY,
    email               TEXT NOT NULL,
    -- Fully lower-cased email, computed by the domain; the unique key for email.
    email_normalized    TEXT NOT NULL,
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    -- Always stored lower-cased by the domain; the index makes the database enforce it too.
    username            TEXT NOT NULL,
    display_name        TEXT,
    bio                 TEXT NOT NULL DEFAULT '',
    avatar_url          TEXT,
    banner_url          TEXT,
    role                TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    banned              BOOLEAN NOT NULL DEFAULT FALSE,
    ban_reason          TEXT,
    password_hash       TEXT,
    two_factor_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    preferences         JSONB NOT NULL,
    notifications       JSONB NOT NULL,
    discord_webhook_url TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    last_login_at       TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email_key ON users (email_normalized);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);
CREATE INDEX users_display_name_idx ON users (lower(display_name) text_pattern_ops);

CREATE TABLE sessions (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    device       JSONB NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE login_attempts (
    id             UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    ip             TEXT,
    user_agent     TEXT,
    device         JSONB NOT NULL,
    success        BOOLEAN NOT NULL,
    method         TEXT NOT NULL,
    failure_reason TEXT
);
CREATE INDEX login_attempts_user_idx ON login_attempts (user_id, at);

-- Activity outlives the account it names (account.deleted is kept without personal data),
-- so user_id is not a foreign key.
CREATE TABLE activities (
    id         UUID PRIMARY KEY,
    user_id    UUID,
    action     TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    metadata   JSONB NOT NULL
);
CREATE INDEX activities_user_idx ON activities (user_id, at);
CREATE INDEX activities_action_idx ON activities (action, at);
