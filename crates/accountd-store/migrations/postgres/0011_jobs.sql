-- The one durable job queue: mail, export archives, webhook deliveries, media clean-up and
-- sweeps. A job is written in the transaction of the change that calls for it, so it
-- exists exactly when that change committed. A worker leases due jobs of its kind
-- (`FOR UPDATE SKIP LOCKED`: workers on other nodes pass over them), counts the attempt,
-- and records the outcome under that attempt's number, so a worker whose lease ran out
-- and was taken over records nothing. Failures wait with backoff; past `max_attempts` a
-- job is failed and kept for the operator.
CREATE TABLE jobs (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL,
    -- The job's value as JSON, cleared when it is done.
    payload      TEXT NOT NULL,
    -- What the job concerns, so that the work about one thing can be found and dropped
    -- (`mailto:` + address: the mail to an account being erased).
    about        TEXT,
    -- At most one job per key: recurring sweeps use `kind@slot`, so one node queues each run.
    dedupe_key   TEXT UNIQUE,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    leased_until TIMESTAMPTZ,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_due_idx ON jobs (kind, status, run_at);
CREATE INDEX jobs_about_idx ON jobs (about) WHERE about IS NOT NULL;
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Mail still waiting in the outbox becomes mail jobs; what was sent or failed is dropped.
INSERT INTO jobs (id, kind, payload, about, status, attempts, max_attempts, run_at, last_error, created_at)
SELECT id, 'mail.send',
       json_build_object('id', id, 'recipient', recipient, 'subject', subject,
                         'text_body', text_body, 'html_body', html_body)::text,
       'mailto:' || lower(recipient), 'pending', attempts, 10, next_attempt_at, last_error, created_at
FROM outbox WHERE status = 'pending';
DROP TABLE outbox;
