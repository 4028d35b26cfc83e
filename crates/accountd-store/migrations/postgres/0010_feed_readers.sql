-- Where each node reads the change feed, refreshed by a heartbeat: the feed is pruned only
-- behind every live node, so a row is never deleted before each of them has read it (a
-- transaction open longer than any age limit still has its rows read).
CREATE TABLE feed_readers (
    node_id  UUID PRIMARY KEY,
    position XID8 NOT NULL,
    seen_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
