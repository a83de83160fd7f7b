DROP INDEX IF EXISTS work_orders_completed_idx;
ALTER TABLE work_orders DROP COLUMN IF EXISTS field_class;
