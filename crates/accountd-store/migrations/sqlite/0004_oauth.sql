-- Social login: identities linked to accounts, and sign-ins in progress.

-- An identity is its provider's subject; one account per identity, one identity per
-- provider per account (unlinking is addressed by provider).
CREATE TABLE linked_accounts (
    user_id             BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider            TEXT NOT NULL,
    subject             TEXT NOT NULL,
    username            TEXT,
    email               TEXT,
    email_verified      INTEGER NOT NULL DEFAULT 0,
    avatar_url          TEXT,
    access_token_sealed TEXT,
    linked_at           TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (user_id, provider)
);
CREATE UNIQUE INDEX linked_accounts_identity_key ON linked_accounts (provider, subject);

-- Only the SHA-256 of a state is stored; a row is deleted when it is used.
CREATE TABLE oauth_states (
    state_hash           TEXT PRIMARY KEY NOT NULL,
    provider             TEXT NOT NULL,
    purpose              TEXT NOT NULL CHECK (purpose IN ('login', 'link')),
    user_id              BLOB REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri         TEXT NOT NULL,
    pkce_verifier_sealed TEXT NOT NULL,
    nonce                TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    expires_at           TEXT NOT NULL
);
CREATE INDEX oauth_states_expiry_idx ON oauth_states (expires_at);

CREATE TABLE oauth_signups (
    token_hash          TEXT PRIMARY KEY NOT NULL,
    provider            TEXT NOT NULL,
    subject             TEXT NOT NULL,
    username            TEXT,
    email               TEXT NOT NULL,
    email_verified      INTEGER NOT NULL,
    avatar_url          TEXT,
    access_token_sealed TEXT,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
CREATE INDEX oauth_signups_expiry_idx ON oauth_signups (expires_at);
