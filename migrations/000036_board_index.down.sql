DROP INDEX IF EXISTS work_orders_board_idx;
