DROP TABLE work_order_events;
DROP FUNCTION refuse_change();
DROP TABLE work_orders;
DROP TABLE order_counters;
DROP TABLE calendar_days;
DROP TABLE settings;
