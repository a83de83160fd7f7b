-- The callback after a job whose test run could not be done (002 §四.6: two hours) has
-- its own setting, apart from the one for a fix the technician is not sure of (002 §六).
ALTER TABLE settings ADD COLUMN callback_after_no_test_minutes integer NOT NULL DEFAULT 120
    CHECK (callback_after_no_test_minutes > 0);

-- The assessment says whether the fault is simple (the two-hour repair clock runs from
-- check-in) or complex (a plan and an agreed completion time instead; 弱电售后部管理制度 §四.2).
ALTER TABLE work_orders ADD COLUMN complexity text CHECK (complexity IN ('simple', 'complex'));
ALTER TABLE work_orders ADD COLUMN agreed_completion_at timestamptz;

-- Fees of an order closed as unreachable stay owed: receivable until settled, or written
-- off by a manager.
ALTER TABLE work_orders DROP CONSTRAINT work_orders_fees_state_check;
ALTER TABLE work_orders ADD CONSTRAINT work_orders_fees_state_check
    CHECK (fees_state IN ('none', 'pending', 'settled', 'receivable', 'written_off'));
CREATE INDEX work_orders_receivable_idx ON work_orders (station_id, closed_at) WHERE fees_state = 'receivable';

-- The callback rate counts the callbacks that fell due in a period: entries into
-- awaiting_callback, found by time.
CREATE INDEX work_order_events_callback_due_idx ON work_order_events (at) WHERE to_state = 'awaiting_callback' AND transition <> 'callback_attempt';
