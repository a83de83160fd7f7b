-- Customers (客户档案) belong to the station that serves them.
CREATE TABLE customers (
    id             bigserial PRIMARY KEY,
    station_id     bigint NOT NULL REFERENCES stations(id),
    name           text NOT NULL CHECK (name <> ''),
    contact_person text NOT NULL DEFAULT '',
    notes          text NOT NULL DEFAULT '',
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_station_idx ON customers (station_id);

-- Phones: shown as typed, searched by E.164.
CREATE TABLE customer_phones (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    raw         text NOT NULL CHECK (raw <> ''),
    e164        text NOT NULL CHECK (e164 ~ '^\+[0-9]{6,15}$'),
    label       text NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0,
    UNIQUE (customer_id, e164)
);
CREATE INDEX customer_phones_e164_idx ON customer_phones (e164);

CREATE TABLE customer_addresses (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    address     text NOT NULL CHECK (address <> ''),
    label       text NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0
);
CREATE INDEX customer_addresses_customer_idx ON customer_addresses (customer_id);

-- Units (设备): warranty end is computed from purchase date + warranty months.
CREATE TABLE units (
    id               bigserial PRIMARY KEY,
    customer_id      bigint NOT NULL REFERENCES customers(id),
    brand            text NOT NULL DEFAULT '',
    model            text NOT NULL CHECK (model <> ''),
    serial           text NOT NULL DEFAULT '',
    purchase_date    date,
    manufacture_date date,
    warranty_months  integer NOT NULL DEFAULT 12 CHECK (warranty_months BETWEEN 0 AND 240),
    install_address  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (manufacture_date IS NULL OR purchase_date IS NULL OR manufacture_date <= purchase_date)
);
CREATE INDEX units_customer_idx ON units (customer_id);
CREATE INDEX units_serial_idx ON units (serial) WHERE serial <> '';

-- Parts catalogue (配件).
CREATE TABLE parts (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL UNIQUE CHECK (code <> ''),
    name          text NOT NULL CHECK (name <> ''),
    spec          text NOT NULL DEFAULT '',
    uom           text NOT NULL DEFAULT '个',
    unit_price    numeric(12,2) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    reorder_point integer NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    valuable      boolean NOT NULL DEFAULT false,
    wear          boolean NOT NULL DEFAULT false,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
