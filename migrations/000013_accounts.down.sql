DROP INDEX IF EXISTS login_attempts_pair_idx;
ALTER TABLE users DROP COLUMN sessions_after;
