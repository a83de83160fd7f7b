-- The tools ledger (工具台账): tools, fixtures, equipment and measuring instruments of a
-- station; lending and returning are append-only movements. A measuring instrument
-- carries its calibration cycle and next due day.
CREATE TABLE tools (
    id               bigserial PRIMARY KEY,
    station_id       bigint NOT NULL REFERENCES stations(id),
    number           text NOT NULL,
    name             text NOT NULL,
    spec             text NOT NULL DEFAULT '',
    kind             text NOT NULL CHECK (kind IN ('tool', 'fixture', 'equipment', 'instrument')),
    location         text NOT NULL DEFAULT '',
    state            text NOT NULL DEFAULT 'store' CHECK (state IN ('store', 'lent', 'calibration', 'retired')),
    holder_id        bigint REFERENCES users(id),
    order_id         bigint REFERENCES work_orders(id),
    calibration_days integer CHECK (calibration_days BETWEEN 1 AND 3650),
    calibrated_on    date,
    calibration_due  date,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    UNIQUE (station_id, number),
    CHECK ((state = 'lent') = (holder_id IS NOT NULL)),
    CHECK (kind = 'instrument' OR calibration_days IS NULL)
);
CREATE INDEX tools_holder_idx ON tools (holder_id) WHERE holder_id IS NOT NULL;

-- Every change of a tool, who and when: append-only.
CREATE TABLE tool_movements (
    id        bigserial PRIMARY KEY,
    tool_id   bigint NOT NULL REFERENCES tools(id),
    kind      text NOT NULL CHECK (kind IN ('add', 'lend', 'return', 'send_calibration', 'calibrate', 'retire')),
    holder_id bigint REFERENCES users(id),
    order_id  bigint REFERENCES work_orders(id),
    actor_id  bigint NOT NULL REFERENCES users(id),
    at        timestamptz NOT NULL,
    note      text NOT NULL DEFAULT '',
    data      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX tool_movements_tool_idx ON tool_movements (tool_id, id);
CREATE TRIGGER tool_movements_append_only BEFORE UPDATE OR DELETE ON tool_movements
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Calibration certificates (校准证书): a PDF or an image per calibration.
CREATE TABLE tool_certificates (
    id           bigserial PRIMARY KEY,
    tool_id      bigint NOT NULL REFERENCES tools(id),
    movement_id  bigint NOT NULL REFERENCES tool_movements(id),
    name         text NOT NULL,
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/webp')),
    size         integer NOT NULL CHECK (size > 0),
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX tool_certificates_tool_idx ON tool_certificates (tool_id, id);

-- How many days ahead a station's calibration-due list looks (the default when absent).
CREATE TABLE tool_settings (
    station_id            bigint PRIMARY KEY REFERENCES stations(id),
    calibration_lead_days integer NOT NULL CHECK (calibration_lead_days BETWEEN 1 AND 365)
);

-- The ledger tools an order's assessment names.
CREATE TABLE order_tools (
    order_id bigint NOT NULL REFERENCES work_orders(id),
    tool_id  bigint NOT NULL REFERENCES tools(id),
    PRIMARY KEY (order_id, tool_id)
);

-- Tool stocktakes (工具盘点): each tool not retired, found or not, with the reason for a
-- variance.
CREATE TABLE tool_stocktakes (
    id         bigserial PRIMARY KEY,
    station_id bigint NOT NULL REFERENCES stations(id),
    counted_by bigint NOT NULL REFERENCES users(id),
    counted_at timestamptz NOT NULL,
    note       text NOT NULL DEFAULT ''
);
CREATE TABLE tool_stocktake_lines (
    stocktake_id bigint NOT NULL REFERENCES tool_stocktakes(id),
    tool_id      bigint NOT NULL REFERENCES tools(id),
    expected     text NOT NULL,
    found        boolean NOT NULL,
    reason       text NOT NULL DEFAULT '',
    PRIMARY KEY (stocktake_id, tool_id),
    CHECK (found OR reason <> '')
);
