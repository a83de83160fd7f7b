-- Each station's profile: where it is, the phone customers call, its time zone, and
-- whether it still takes work. Deactivated stations keep their history.
ALTER TABLE stations
    ADD COLUMN address       text    NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    ADD COLUMN service_phone text    NOT NULL DEFAULT '' CHECK (length(service_phone) <= 40),
    ADD COLUMN time_zone     text    NOT NULL DEFAULT 'Asia/Shanghai' CHECK (time_zone <> '' AND length(time_zone) <= 64),
    ADD COLUMN active        boolean NOT NULL DEFAULT true;
