DROP TABLE maintenance_settings;
DROP TABLE maintenance_orders;
DROP TABLE maintenance_events;
DROP TABLE maintenance_plans;
