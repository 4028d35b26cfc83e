-- Referrals, the credit ledger, the last known state of perk checks, and the upload
-- domain an account selected.

-- NULL: the instance's default domain. A users column, so the account cache sees a
-- change through the users trigger of the change feed.
ALTER TABLE users ADD COLUMN upload_domain TEXT;

-- One code per account; codes are stored lower-cased and unique case-insensitively.
CREATE TABLE referral_codes (
    user_id    UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX referral_codes_code_key ON referral_codes (lower(code));

-- Who brought whom. A referred account that is deleted leaves the row (its referrer
-- keeps the count and the reward) without naming it.
CREATE TABLE referrals (
    id          UUID PRIMARY KEY,
    referrer_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    referee_id  UUID UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    reward      BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_referrer_idx ON referrals (referrer_id, created_at);

-- The credit ledger: append-only. The balance is the sum of an account's entries. Rows
-- are never updated, and deleted only with their account (the cascade runs after the
-- account's row is gone, which is what the trigger lets through).
CREATE TABLE credit_entries (
    id      UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount  BIGINT NOT NULL CHECK (amount <> 0),
    reason  TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX credit_entries_user_idx ON credit_entries (user_id, at);

CREATE FUNCTION credit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the credit ledger is append-only';
END $$;
CREATE TRIGGER credit_entries_append_only BEFORE UPDATE OR DELETE ON credit_entries
    FOR EACH ROW EXECUTE FUNCTION credit_entries_append_only();
CREATE TRIGGER credit_entries_no_truncate BEFORE TRUNCATE ON credit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION credit_entries_append_only();

-- The last value a perk's provider check gave, so a provider that does not answer in
-- time leaves the last known state.
CREATE TABLE perk_checks (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    perk_id    TEXT NOT NULL,
    current    BIGINT NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, perk_id)
);
