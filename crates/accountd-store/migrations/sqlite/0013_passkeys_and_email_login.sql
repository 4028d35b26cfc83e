-- Passkeys (WebAuthn credentials) of an account. The credential as the WebAuthn library
-- keeps it (public key, counter, flags) is stored as its JSON; the columns beside it are
-- what queries and the API need.
CREATE TABLE passkeys (
    id              BLOB PRIMARY KEY NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- base64url of the credential id; unique across accounts.
    credential_id   TEXT NOT NULL,
    credential      TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- The backup-eligible flag as registered: such keys may be copied, so their counter is not checked.
    backup_eligible INTEGER NOT NULL,
    backed_up       INTEGER NOT NULL,
    -- The transports the authenticator reported, as a JSON array of strings.
    transports      TEXT NOT NULL,
    sign_count      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT
);
CREATE UNIQUE INDEX passkeys_credential_key ON passkeys (credential_id);
CREATE INDEX passkeys_user_idx ON passkeys (user_id, created_at);

-- WebAuthn ceremonies in progress: the library's state, so any node can finish a ceremony
-- another began. Single-use (deleted as it is taken), five minutes.
CREATE TABLE webauthn_ceremonies (
    id            BLOB PRIMARY KEY NOT NULL,
    -- NULL for a login with a discoverable credential (the account is not known yet).
    user_id       BLOB REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'second_factor')),
    -- The second step of a login this ceremony belongs to (SHA-256 of the mfaToken).
    mfa_token_hash TEXT,
    state         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expiry_idx ON webauthn_ceremonies (expires_at);

-- Sign-in by email: one link and one 6-digit code, one sign-in (using either spends both).
CREATE TABLE email_logins (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The lower-cased address it was sent to.
    email      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX email_logins_email_idx ON email_logins (email, created_at);
CREATE INDEX email_logins_user_idx ON email_logins (user_id);
