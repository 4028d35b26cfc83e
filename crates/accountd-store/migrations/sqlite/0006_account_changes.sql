-- Every change to what authenticates a session or fills a profile (the account's row,
-- its sessions going away, its addresses and linked accounts) leaves a row here, written
-- by the database itself so that no writer can forget it: this process, another process
-- (`accountd user promote`), or an operator's SQL. A node's account cache reads the rows
-- past its cursor before it trusts a cached entry. The sequence follows commit order
-- because SQLite commits one writer at a time. Old rows are pruned.
CREATE TABLE account_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BLOB NOT NULL,
    changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX account_changes_age_idx ON account_changes (changed_at);

CREATE TRIGGER users_updated_change AFTER UPDATE ON users
BEGIN INSERT INTO account_changes (user_id) VALUES (NEW.id); END;
CREATE TRIGGER users_deleted_change AFTER DELETE ON users
BEGIN INSERT INTO account_changes (user_id) VALUES (OLD.id); END;

CREATE TRIGGER sessions_deleted_change AFTER DELETE ON sessions
BEGIN INSERT INTO account_changes (user_id) VALUES (OLD.user_id); END;

CREATE TRIGGER addresses_inserted_change AFTER INSERT ON addresses
BEGIN INSERT INTO account_changes (user_id) VALUES (NEW.user_id); END;
CREATE TRIGGER addresses_updated_change AFTER UPDATE ON addresses
BEGIN INSERT INTO account_changes (user_id) VALUES (NEW.user_id); END;
CREATE TRIGGER addresses_deleted_change AFTER DELETE ON addresses
BEGIN INSERT INTO account_changes (user_id) VALUES (OLD.user_id); END;

CREATE TRIGGER linked_accounts_inserted_change AFTER INSERT ON linked_accounts
BEGIN INSERT INTO account_changes (user_id) VALUES (NEW.user_id); END;
CREATE TRIGGER linked_accounts_updated_change AFTER UPDATE ON linked_accounts
BEGIN INSERT INTO account_changes (user_id) VALUES (NEW.user_id); END;
CREATE TRIGGER linked_accounts_deleted_change AFTER DELETE ON linked_accounts
BEGIN INSERT INTO account_changes (user_id) VALUES (OLD.user_id); END;
