DROP TABLE customer_imports;
