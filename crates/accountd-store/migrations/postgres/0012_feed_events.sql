-- One commit-ordered feed for every consumer (the account cache, activity streams with
-- `Last-Event-ID`, webhook delivery): each reads a topic from an integer cursor, the
-- position, in commit order, with no gap and no duplicate. It replaces `account_changes`;
-- the triggers that wrote there write topic 'account' here.
--
-- Transactions commit out of id order, so a row gets no position when it is written. The
-- sequencer (`feed_sequence()`) numbers the committed rows that have none, in one short
-- transaction that holds the row lock of `feed_sequencer`: rows of a transaction still
-- open are invisible to it and get later positions once they commit, so positions appear
-- in commit order and a reader of `position > cursor` never skips one. The counter row
-- (not max(position)) keeps positions rising after pruning and erasure delete rows.
CREATE TABLE feed_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic      TEXT NOT NULL,
    user_id    UUID,
    payload    TEXT NOT NULL DEFAULT '{}',
    position   BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX feed_events_position_key ON feed_events (position);
CREATE INDEX feed_events_topic_position_idx ON feed_events (topic, position);
CREATE INDEX feed_events_unsequenced_idx ON feed_events (id) WHERE position IS NULL;
CREATE INDEX feed_events_user_idx ON feed_events (user_id);

CREATE TABLE feed_sequencer (last_position BIGINT NOT NULL);
INSERT INTO feed_sequencer (last_position) VALUES (0);

-- Numbers every committed row without a position, from the counter on, and returns the
-- counter (the newest position). Call it outside a transaction: the counter's row lock
-- serialises sequencers until the call commits. VOLATILE, so each statement takes a fresh
-- snapshot: the one that numbers runs after the lock and sees every earlier sequencer's rows.
CREATE FUNCTION feed_sequence() RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    base BIGINT;
    top  BIGINT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM feed_events WHERE position IS NULL) THEN
        RETURN (SELECT last_position FROM feed_sequencer);
    END IF;
    SELECT last_position INTO base FROM feed_sequencer FOR UPDATE;
    WITH numbered AS (
        SELECT id, base + row_number() OVER (ORDER BY id) AS position
        FROM feed_events WHERE position IS NULL
    ), done AS (
        -- A row erased meanwhile is skipped; its number is never used.
        UPDATE feed_events SET position = numbered.position FROM numbered
        WHERE feed_events.id = numbered.id
        RETURNING feed_events.position
    )
    SELECT max(done.position) INTO top FROM done;
    IF top IS NULL THEN
        RETURN base;
    END IF;
    UPDATE feed_sequencer SET last_position = top;
    RETURN top;
END $$;

-- Wakes every node's listener once the appending transaction commits (NOTIFY is delivered
-- only then, once per transaction). The payload names the schema, so the nodes of another
-- schema on the same database ignore it.
CREATE FUNCTION feed_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('accountd_feed', TG_TABLE_SCHEMA);
    RETURN NULL;
END $$;
CREATE TRIGGER feed_events_appended AFTER INSERT ON feed_events
    FOR EACH STATEMENT EXECUTE FUNCTION feed_appended();

-- The account triggers of 0006 now write into the feed.
CREATE OR REPLACE FUNCTION account_changed_by_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_events (topic, user_id) VALUES ('account', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION account_changed_by_user_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_events (topic, user_id)
    VALUES ('account', CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END);
    RETURN NULL;
END $$;

DROP TABLE account_changes;

-- A reader's position is now a feed position; every node places its cursor afresh.
DELETE FROM feed_readers;
ALTER TABLE feed_readers ALTER COLUMN position TYPE BIGINT USING 0;
