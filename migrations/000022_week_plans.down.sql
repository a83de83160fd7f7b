DROP TABLE IF EXISTS week_plan_events;
DROP TABLE IF EXISTS week_plan_items;
DROP TABLE IF EXISTS week_plans;
