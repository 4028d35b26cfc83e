-- The retention sweep deletes by age alone.
CREATE INDEX activities_at_idx ON activities (at);
CREATE INDEX login_attempts_at_idx ON login_attempts (at);

-- Data exports: one archive per request, built by a job. At most one export of an account
-- is pending or running at a time, which the database enforces.
CREATE TABLE exports (
    id          BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    progress    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    finished_at TEXT,
    archive_key TEXT,
    size_bytes  INTEGER,
    error       TEXT
);
CREATE INDEX exports_user_idx ON exports (user_id, created_at);
CREATE INDEX exports_expiry_idx ON exports (expires_at);
CREATE UNIQUE INDEX exports_one_active_key ON exports (user_id) WHERE status IN ('pending', 'running');
