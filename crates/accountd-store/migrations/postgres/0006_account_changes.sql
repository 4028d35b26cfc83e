-- Every change to what authenticates a session or fills a profile (the account's row,
-- its sessions going away, its addresses and linked accounts) leaves a row here, written
-- by the database itself so that no writer can forget it: any node, `accountd user
-- promote`, or an operator's SQL. A node's account cache reads the rows past its cursor
-- before it trusts a cached entry. Transactions commit out of id order here, so the
-- cursor is a transaction horizon: rows are read by the id of the transaction that wrote
-- them, from the oldest transaction still running at the previous read. Old rows are pruned.
CREATE TABLE account_changes (
    user_id    UUID NOT NULL,
    xact       XID8 NOT NULL DEFAULT pg_current_xact_id(),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX account_changes_xact_idx ON account_changes (xact);
CREATE INDEX account_changes_age_idx ON account_changes (changed_at);

CREATE FUNCTION account_changed_by_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_changes (user_id) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END $$;

CREATE FUNCTION account_changed_by_user_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_changes (user_id) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END);
    RETURN NULL;
END $$;

CREATE TRIGGER users_change AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION account_changed_by_id();
CREATE TRIGGER sessions_change AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION account_changed_by_user_id();
CREATE TRIGGER addresses_change AFTER INSERT OR UPDATE OR DELETE ON addresses
    FOR EACH ROW EXECUTE FUNCTION account_changed_by_user_id();
CREATE TRIGGER linked_accounts_change AFTER INSERT OR UPDATE OR DELETE ON linked_accounts
    FOR EACH ROW EXECUTE FUNCTION account_changed_by_user_id();
