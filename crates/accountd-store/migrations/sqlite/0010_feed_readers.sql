-- Where each node reads the change feed, refreshed by a heartbeat: the feed is pruned only
-- behind every live node, so a row is never deleted before each of them has read it.
CREATE TABLE feed_readers (
    node_id  BLOB PRIMARY KEY,
    position INTEGER NOT NULL,
    seen_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
