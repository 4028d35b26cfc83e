-- The bytes of an account's media, kept beside the account so that reading a user (every
-- login, every authenticated request) does not sum the media table. The media queries
-- update it in the transaction that changes the account's media rows; the conformance
-- suite checks it stays equal to the sum.
ALTER TABLE users ADD COLUMN media_bytes BIGINT NOT NULL DEFAULT 0 CHECK (media_bytes >= 0);
UPDATE users SET media_bytes = (SELECT COALESCE(SUM(media.bytes), 0) FROM media WHERE media.user_id = users.id);
