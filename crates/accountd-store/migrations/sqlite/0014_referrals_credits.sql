-- Referrals, the credit ledger, the last known state of perk checks, and the upload
-- domain an account selected.

-- NULL: the instance's default domain. A users column, so the account cache sees a
-- change through the users trigger of the change feed.
ALTER TABLE users ADD COLUMN upload_domain TEXT;

-- One code per account; codes are stored lower-cased and unique case-insensitively.
CREATE TABLE referral_codes (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX referral_codes_code_key ON referral_codes (lower(code));

-- Who brought whom. A referred account that is deleted leaves the row (its referrer
-- keeps the count and the reward) without naming it.
CREATE TABLE referrals (
    id          BLOB PRIMARY KEY NOT NULL,
    referrer_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    referee_id  BLOB UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    reward      INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX referrals_referrer_idx ON referrals (referrer_id, created_at);

-- The credit ledger: append-only. The balance is the sum of an account's entries. Rows
-- are never updated, and deleted only with their account (the cascade runs after the
-- account's row is gone, which is what the delete trigger lets through).
CREATE TABLE credit_entries (
    id      BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount  INTEGER NOT NULL CHECK (amount <> 0),
    reason  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX credit_entries_user_idx ON credit_entries (user_id, at);
CREATE TRIGGER credit_entries_no_update BEFORE UPDATE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE TRIGGER credit_entries_no_delete BEFORE DELETE ON credit_entries
WHEN EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;

-- The last value a perk's provider check gave, so a provider that does not answer in
-- time leaves the last known state.
CREATE TABLE perk_checks (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    perk_id    TEXT NOT NULL,
    current    INTEGER NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (user_id, perk_id)
);
