DROP TABLE parts;
DROP TABLE units;
DROP TABLE customer_addresses;
DROP TABLE customer_phones;
DROP TABLE customers;
