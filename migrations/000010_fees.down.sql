DROP TABLE settlements;
DROP TABLE quote_confirmations;
DROP TABLE order_fee_lines;
DROP TABLE fee_items;
