DROP TABLE stock_movements;
DROP TABLE stock_balances;
DROP TRIGGER stations_have_locations ON stations;
DROP FUNCTION station_locations();
DROP TABLE locations;
