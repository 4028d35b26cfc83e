-- Login CSRF: a state is accepted only from the client that started it. binding_hash is
-- the SHA-256 of that client's proof: the login's `flow` value (also sent as the
-- accountd_oauth cookie), or the credential that asked to link. The empty default never
-- matches a hash, so sign-ins started before this migration are refused and start over.
ALTER TABLE oauth_states ADD COLUMN binding_hash TEXT NOT NULL DEFAULT '';
