-- Failed authentications in the throttling window, shared by every node, replacing
-- login_failures. A row is counted per subject (an account, or the hash of an identifier
-- no account has: never the identifier itself), per client prefix (an IPv4 address or an
-- IPv6 network) and per kind (password or second_factor). Rows past the window are
-- deleted as new ones are written; a success deletes the rows of its subject and prefix,
-- a password reset every row of the account.
DROP TABLE login_failures;
CREATE TABLE auth_failures (
    id            UUID PRIMARY KEY,
    subject       TEXT NOT NULL,
    client_prefix TEXT NOT NULL,
    kind          TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_failures_subject_idx ON auth_failures (subject, kind, at);
CREATE INDEX auth_failures_at_idx ON auth_failures (at);
