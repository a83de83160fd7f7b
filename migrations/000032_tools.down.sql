DROP TABLE tool_stocktake_lines;
DROP TABLE tool_stocktakes;
DROP TABLE order_tools;
DROP TABLE tool_settings;
DROP TABLE tool_certificates;
DROP TABLE tool_movements;
DROP TABLE tools;
