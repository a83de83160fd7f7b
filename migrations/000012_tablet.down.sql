DROP INDEX work_orders_assignee_completed_idx;
DROP TABLE staged_uploads;
