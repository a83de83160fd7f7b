ALTER TABLE stations
    DROP COLUMN address,
    DROP COLUMN service_phone,
    DROP COLUMN time_zone,
    DROP COLUMN active;
