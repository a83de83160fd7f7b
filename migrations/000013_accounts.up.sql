-- Sessions signed in before this moment are ended (set when an admin resets the
-- password), so a reset locks out whoever knew the old one.
ALTER TABLE users ADD COLUMN sessions_after timestamptz;

-- Sign-in failures are throttled per account and address pair.
CREATE INDEX login_attempts_pair_idx ON login_attempts (lower(username), ip, at) WHERE NOT ok;
