-- One commit-ordered feed for every consumer (the account cache, activity streams with
-- `Last-Event-ID`, webhook delivery): each reads a topic from an integer cursor, the
-- position, in commit order, with no gap and no duplicate. It replaces `account_changes`;
-- the triggers that wrote there write topic 'account' here.
--
-- SQLite commits one writer at a time, so the insert order is the commit order: the
-- position is the row's AUTOINCREMENT id (never reused, even after pruning), set at insert.
CREATE TABLE feed_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    user_id    BLOB,
    payload    TEXT NOT NULL DEFAULT '{}',
    position   INTEGER GENERATED ALWAYS AS (id) VIRTUAL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX feed_events_topic_position_idx ON feed_events (topic, position);
CREATE INDEX feed_events_user_idx ON feed_events (user_id);

DROP TRIGGER users_updated_change;
DROP TRIGGER users_deleted_change;
DROP TRIGGER sessions_deleted_change;
DROP TRIGGER addresses_inserted_change;
DROP TRIGGER addresses_updated_change;
DROP TRIGGER addresses_deleted_change;
DROP TRIGGER linked_accounts_inserted_change;
DROP TRIGGER linked_accounts_updated_change;
DROP TRIGGER linked_accounts_deleted_change;
DROP TABLE account_changes;

CREATE TRIGGER users_updated_change AFTER UPDATE ON users
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', NEW.id); END;
CREATE TRIGGER users_deleted_change AFTER DELETE ON users
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', OLD.id); END;

CREATE TRIGGER sessions_deleted_change AFTER DELETE ON sessions
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', OLD.user_id); END;

CREATE TRIGGER addresses_inserted_change AFTER INSERT ON addresses
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', NEW.user_id); END;
CREATE TRIGGER addresses_updated_change AFTER UPDATE ON addresses
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', NEW.user_id); END;
CREATE TRIGGER addresses_deleted_change AFTER DELETE ON addresses
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', OLD.user_id); END;

CREATE TRIGGER linked_accounts_inserted_change AFTER INSERT ON linked_accounts
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', NEW.user_id); END;
CREATE TRIGGER linked_accounts_updated_change AFTER UPDATE ON linked_accounts
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', NEW.user_id); END;
CREATE TRIGGER linked_accounts_deleted_change AFTER DELETE ON linked_accounts
BEGIN INSERT INTO feed_events (topic, user_id) VALUES ('account', OLD.user_id); END;

-- A reader's position is now a feed position; every node places its cursor afresh.
DELETE FROM feed_readers;
