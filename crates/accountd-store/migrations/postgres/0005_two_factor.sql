-- TOTP of an account: a pending setup (enabled_at NULL) or the active factor.
CREATE TABLE two_factor (
    user_id                 UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The secret, sealed under the instance key (context "totp:<user id>").
    secret_sealed           TEXT NOT NULL,
    enabled_at              TIMESTAMPTZ,
    -- The newest time step accepted; a code of this step or an earlier one is never accepted again.
    last_step               BIGINT NOT NULL DEFAULT -1,
    -- The mailed confirmation code of the enable step, when configuration asks for one (SHA-256).
    email_code_hash         TEXT,
    email_code_expires_at   TIMESTAMPTZ,
    email_code_failures     INTEGER NOT NULL DEFAULT 0,
    -- The newest recovery codes, sealed, until they are revealed once (includeCodes=true).
    recovery_codes_sealed   TEXT,
    recovery_generated_at   TIMESTAMPTZ,
    created_at              TIMESTAMPTZ NOT NULL
);

-- Recovery codes, stored as SHA-256; used_at set once, atomically.
CREATE TABLE recovery_codes (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- The second step of a login: single-use, short-lived, burned after five wrong codes.
CREATE TABLE mfa_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mfa_tokens_user_idx ON mfa_tokens (user_id);
CREATE INDEX mfa_tokens_expiry_idx ON mfa_tokens (expires_at);
