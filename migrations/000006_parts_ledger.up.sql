-- Stock locations per station: every station has a warehouse (仓库) and a quarantine
-- (不合格品区), made by a trigger for stations added later.
CREATE TABLE locations (
    id              bigserial PRIMARY KEY,
    station_id      bigint NOT NULL REFERENCES stations(id),
    kind            text NOT NULL CHECK (kind IN ('warehouse', 'quarantine', 'other')),
    name            text NOT NULL CHECK (name <> ''),
    last_counted_at timestamptz,
    UNIQUE (station_id, name)
);
CREATE UNIQUE INDEX locations_one_of_each ON locations (station_id, kind) WHERE kind IN ('warehouse', 'quarantine');
INSERT INTO locations (station_id, kind, name) SELECT id, 'warehouse', '仓库' FROM stations;
INSERT INTO locations (station_id, kind, name) SELECT id, 'quarantine', '不合格品区' FROM stations;

CREATE FUNCTION station_locations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO locations (station_id, kind, name) VALUES (NEW.id, 'warehouse', '仓库'), (NEW.id, 'quarantine', '不合格品区');
    RETURN NEW;
END $$;
CREATE TRIGGER stations_have_locations AFTER INSERT ON stations FOR EACH ROW EXECUTE FUNCTION station_locations();

-- One balance per part and location, changed only together with a movement row.
CREATE TABLE stock_balances (
    part_id     bigint NOT NULL REFERENCES parts(id),
    location_id bigint NOT NULL REFERENCES locations(id),
    quantity    integer NOT NULL CHECK (quantity >= 0),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (part_id, location_id)
);

-- The ledger (出入库台账): append-only; a mistake is corrected by a reversing row.
CREATE TABLE stock_movements (
    id            bigserial PRIMARY KEY,
    part_id       bigint NOT NULL REFERENCES parts(id),
    location_id   bigint NOT NULL REFERENCES locations(id),
    quantity      integer NOT NULL CHECK (quantity <> 0),
    kind          text NOT NULL CHECK (kind IN ('receipt', 'issue', 'return', 'adjustment', 'scrap', 'return_to_supplier', 'transfer')),
    ref_type      text CHECK (ref_type IN ('receipt', 'requisition', 'order', 'stocktake', 'movement')),
    ref_id        bigint,
    order_id      bigint REFERENCES work_orders(id),
    actor_id      bigint NOT NULL REFERENCES users(id),
    at            timestamptz NOT NULL,
    note          text NOT NULL DEFAULT '',
    balance_after integer NOT NULL CHECK (balance_after >= 0),
    reverses      bigint UNIQUE REFERENCES stock_movements(id),
    CHECK ((kind IN ('receipt', 'return') AND quantity > 0)
        OR (kind IN ('issue', 'scrap', 'return_to_supplier') AND quantity < 0)
        OR kind IN ('adjustment', 'transfer')
        OR reverses IS NOT NULL)
);
CREATE INDEX stock_movements_ledger_idx ON stock_movements (part_id, location_id, id);
CREATE INDEX stock_movements_order_idx ON stock_movements (order_id) WHERE order_id IS NOT NULL;
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
