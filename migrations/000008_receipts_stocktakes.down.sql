DROP TABLE stocktake_lines;
DROP TABLE stocktakes;
DROP FUNCTION stocktakes_frozen();
DROP TABLE receipt_lines;
DROP FUNCTION receipt_lines_only_returns();
DROP TABLE receipts;
