DROP TABLE outbox;
ALTER TABLE callback_attempts DROP COLUMN channel;
DROP TABLE self_reports;
DROP TABLE unit_labels;
DROP TABLE link_keys;
