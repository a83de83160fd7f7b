DROP INDEX IF EXISTS work_order_events_callback_due_idx;
DROP INDEX IF EXISTS work_orders_receivable_idx;
UPDATE work_orders SET fees_state = 'pending' WHERE fees_state IN ('receivable', 'written_off');
ALTER TABLE work_orders DROP CONSTRAINT work_orders_fees_state_check;
ALTER TABLE work_orders ADD CONSTRAINT work_orders_fees_state_check CHECK (fees_state IN ('none', 'pending', 'settled'));
ALTER TABLE work_orders DROP COLUMN agreed_completion_at;
ALTER TABLE work_orders DROP COLUMN complexity;
ALTER TABLE settings DROP COLUMN callback_after_no_test_minutes;
