-- The board ranks each column's open orders by urgency and due time and counts them: this
-- index holds every column it reads, so the ranking is an index-only scan instead of a
-- visit to each open order's row.
CREATE INDEX work_orders_board_idx ON work_orders (station_id, state, urgency, contact_due_at, arrive_due_at, created_at, id)
    WHERE state NOT IN ('closed', 'cancelled');
