ALTER TABLE customers DROP COLUMN anonymised_at;
DROP TABLE access_log;
