DROP INDEX work_order_events_actor_at_idx;
DROP TABLE daily_report_events;
DROP TABLE daily_report_leads;
DROP TABLE daily_report_revisions;
DROP TABLE daily_reports;
DROP TABLE daily_report_rules;
