-- Customer imports from spreadsheets: a workbook is staged (its cells kept here, keyed)
-- until the user confirms the preview; the confirmed import keeps who, when, which file
-- and the counts, and drops the staged cells.
CREATE TABLE customer_imports (
    id                bigserial PRIMARY KEY,
    key               text NOT NULL UNIQUE CHECK (length(key) BETWEEN 16 AND 64),
    station_id        bigint NOT NULL REFERENCES stations(id),
    actor_id          bigint NOT NULL REFERENCES users(id),
    file_name         text NOT NULL,
    staged_at         timestamptz NOT NULL,
    cells             jsonb NOT NULL DEFAULT '[]',
    imported_at       timestamptz,
    customers_created integer NOT NULL DEFAULT 0,
    customers_merged  integer NOT NULL DEFAULT 0,
    units_created     integer NOT NULL DEFAULT 0,
    orders_created    integer NOT NULL DEFAULT 0,
    rows_skipped      integer NOT NULL DEFAULT 0
);
CREATE INDEX customer_imports_station_idx ON customer_imports (station_id, id);
CREATE INDEX customer_imports_staged_idx ON customer_imports (staged_at) WHERE imported_at IS NULL;
