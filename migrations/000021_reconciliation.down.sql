DROP INDEX work_order_events_complete_idx;
DROP TABLE reconciliation_events;
DROP TABLE cash_handovers;
DROP TABLE order_returns;
DROP TABLE reconciliation_lines;
DROP TABLE reconciliations;
