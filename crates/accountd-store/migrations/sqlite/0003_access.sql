-- Personal access tokens: only the SHA-256 of the token is kept.
CREATE TABLE personal_access_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT
);
CREATE INDEX personal_access_tokens_user_idx ON personal_access_tokens (user_id, created_at);

-- One upload token per account. It must be shown again, so it is kept sealed under
-- the instance key; services look it up by its hash.
CREATE TABLE upload_tokens (
    user_id      BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    sealed_token TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- An administrator's overrides of the configured limits; NULL means the default.
CREATE TABLE account_limits (
    user_id                BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    personal_access_tokens INTEGER,
    additional_addresses   INTEGER,
    sessions               INTEGER,
    storage_bytes          INTEGER
);

-- Failed logins in the throttling window, shared by every node. A success or a
-- password reset deletes an account's rows.
CREATE TABLE login_failures (
    id      BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      TEXT NOT NULL
);
CREATE INDEX login_failures_user_idx ON login_failures (user_id, at);
