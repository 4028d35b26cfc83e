-- Per-client request limits shared by every node (the per-IP limits of the auth routes).
-- One row per limited key (a route and a client prefix) holds the key's GCRA state: `tat`,
-- the theoretical arrival time in milliseconds since the epoch, and whether the last
-- request was allowed. A request is taken by one atomic upsert; a row whose `tat` has
-- passed is a full allowance again, the same as no row, and the rate_limits.prune sweep
-- deletes it.
CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY NOT NULL,
    tat     BIGINT NOT NULL,
    allowed BOOLEAN NOT NULL
);
CREATE INDEX rate_limits_tat_idx ON rate_limits (tat);
