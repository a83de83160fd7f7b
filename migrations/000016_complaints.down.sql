DROP TABLE complaint_events;
DROP TABLE complaint_orders;
DROP TABLE complaints;
DROP TABLE complaint_counters;
DROP TABLE complaint_rules;
