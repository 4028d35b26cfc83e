-- Personal access tokens: only the SHA-256 of the token is kept.
CREATE TABLE personal_access_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scopes       JSONB NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ
);
CREATE INDEX personal_access_tokens_user_idx ON personal_access_tokens (user_id, created_at);

-- One upload token per account. It must be shown again, so it is kept sealed under
-- the instance key; services look it up by its hash.
CREATE TABLE upload_tokens (
    user_id      UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    sealed_token TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- An administrator's overrides of the configured limits; NULL means the default.
CREATE TABLE account_limits (
    user_id                UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    personal_access_tokens BIGINT,
    additional_addresses   BIGINT,
    sessions               BIGINT,
    storage_bytes          BIGINT
);

-- Failed logins in the throttling window, shared by every node. A success or a
-- password reset deletes an account's rows.
CREATE TABLE login_failures (
    id      UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_user_idx ON login_failures (user_id, at);
