DROP TABLE order_parts_used;
DROP TABLE requisition_lines;
DROP TABLE requisitions;
