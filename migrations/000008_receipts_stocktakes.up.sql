-- Receipts (入库验收): a supplier's delivery, inspected line by line. The accepted quantity
-- goes into the station's warehouse, the rejected quantity into its quarantine, from where
-- it is later returned to the supplier. The stock itself moves only in stock_movements.
CREATE TABLE receipts (
    id            bigserial PRIMARY KEY,
    station_id    bigint NOT NULL REFERENCES stations(id),
    supplier      text NOT NULL CHECK (supplier <> ''),
    delivery_note text NOT NULL CHECK (delivery_note <> ''),
    note          text NOT NULL DEFAULT '',
    created_by    bigint NOT NULL REFERENCES users(id),
    created_at    timestamptz NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    -- a delivery note is received once: a resubmitted form cannot post the stock twice
    CONSTRAINT receipts_delivery_note_once UNIQUE (station_id, supplier, delivery_note)
);
CREATE INDEX receipts_station_idx ON receipts (station_id, id DESC);

CREATE TABLE receipt_lines (
    id         bigserial PRIMARY KEY,
    receipt_id bigint NOT NULL REFERENCES receipts(id),
    part_id    bigint NOT NULL REFERENCES parts(id),
    delivered  integer NOT NULL CHECK (delivered > 0),
    accepted   integer NOT NULL CHECK (accepted >= 0),
    rejected   integer NOT NULL CHECK (rejected >= 0),
    -- how much of the rejected quantity has gone back to the supplier
    returned   integer NOT NULL DEFAULT 0 CHECK (returned BETWEEN 0 AND rejected),
    CHECK (delivered = accepted + rejected)
);
CREATE INDEX receipt_lines_receipt_idx ON receipt_lines (receipt_id, id);

-- A received line is never edited: only its returned quantity grows.
CREATE FUNCTION receipt_lines_only_returns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.receipt_id <> OLD.receipt_id OR NEW.part_id <> OLD.part_id OR NEW.delivered <> OLD.delivered
        OR NEW.accepted <> OLD.accepted OR NEW.rejected <> OLD.rejected OR NEW.returned < OLD.returned THEN
        RAISE EXCEPTION 'receipt_lines: only the returned quantity may grow' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER receipt_lines_append_only BEFORE UPDATE OR DELETE ON receipt_lines
    FOR EACH ROW EXECUTE FUNCTION receipt_lines_only_returns();

-- Stocktakes (盘点): a count of one location. While open the counts may change; posting
-- writes the variances as adjustment movements and freezes the stocktake.
CREATE TABLE stocktakes (
    id          bigserial PRIMARY KEY,
    location_id bigint NOT NULL REFERENCES locations(id),
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'posted', 'cancelled')),
    opened_by   bigint NOT NULL REFERENCES users(id),
    opened_at   timestamptz NOT NULL,
    posted_by   bigint REFERENCES users(id),
    posted_at   timestamptz,
    version     integer NOT NULL DEFAULT 1,
    CHECK ((state = 'posted') = (posted_by IS NOT NULL AND posted_at IS NOT NULL))
);
-- At most one open count per location.
CREATE UNIQUE INDEX stocktakes_one_open ON stocktakes (location_id) WHERE state = 'open';
CREATE INDEX stocktakes_location_idx ON stocktakes (location_id, id DESC);

CREATE TABLE stocktake_lines (
    stocktake_id bigint NOT NULL REFERENCES stocktakes(id),
    part_id      bigint NOT NULL REFERENCES parts(id),
    -- the ledger balance the variance was posted against (at posting); null while open
    expected     integer CHECK (expected >= 0),
    counted      integer CHECK (counted >= 0),
    reason       text NOT NULL DEFAULT '',
    -- the adjustment movement posted for a non-zero variance
    movement_id  bigint REFERENCES stock_movements(id),
    PRIMARY KEY (stocktake_id, part_id)
);

-- A posted or cancelled stocktake and its lines are never changed again.
CREATE FUNCTION stocktakes_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    IF TG_TABLE_NAME = 'stocktakes' THEN
        st := OLD.state;
    ELSE
        SELECT state INTO st FROM stocktakes WHERE id = OLD.stocktake_id;
    END IF;
    IF st <> 'open' THEN
        RAISE EXCEPTION '% of a % stocktake: % refused', TG_TABLE_NAME, st, TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stocktakes_frozen BEFORE UPDATE OR DELETE ON stocktakes
    FOR EACH ROW EXECUTE FUNCTION stocktakes_frozen();
CREATE TRIGGER stocktake_lines_frozen BEFORE UPDATE OR DELETE ON stocktake_lines
    FOR EACH ROW EXECUTE FUNCTION stocktakes_frozen();
