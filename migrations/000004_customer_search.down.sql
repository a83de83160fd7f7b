DROP TABLE customer_events;
ALTER TABLE customers DROP COLUMN search;
