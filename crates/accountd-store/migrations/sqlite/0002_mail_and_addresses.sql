-- Mail waiting for delivery. Written in the same transaction as the change that caused it.
CREATE TABLE outbox (
    id              BLOB PRIMARY KEY NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- A worker that claimed the message owns it until then; after that another may retry it.
    claimed_until   TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);

-- Single-use tokens sent by email; only their SHA-256 is stored.
CREATE TABLE email_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email', 'verify_address')),
    -- The address the token was sent to (the new address for an email change).
    email       TEXT NOT NULL,
    address_id  BLOB,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_email_idx ON email_tokens (email, purpose, created_at);

-- Earlier password hashes, for the rule against reusing one of the last five.
CREATE TABLE password_history (
    id            BLOB PRIMARY KEY NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX password_history_user_idx ON password_history (user_id, created_at);

CREATE TABLE addresses (
    id                 BLOB PRIMARY KEY NOT NULL,
    user_id            BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address            TEXT NOT NULL,
    address_normalized TEXT NOT NULL,
    is_verified        INTEGER NOT NULL DEFAULT 0,
    added_at           TEXT NOT NULL,
    verified_at        TEXT
);
CREATE UNIQUE INDEX addresses_address_key ON addresses (address_normalized);
CREATE INDEX addresses_user_idx ON addresses (user_id, added_at);
