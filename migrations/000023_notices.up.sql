-- Technical notices (技术通知): issued by headquarters for the units of a brand and model
-- in a serial range, a manufacture-date range or an explicit list of serials. Which units
-- a notice covers is computed when it is read, so units added to the archive later join.

CREATE TABLE notice_counters (
    year integer PRIMARY KEY,
    last integer NOT NULL
);

CREATE TABLE notices (
    id          bigserial PRIMARY KEY,
    number      text NOT NULL UNIQUE,
    station_id  bigint NOT NULL REFERENCES stations(id),
    state       text NOT NULL CHECK (state IN ('issued', 'closed')),
    version     integer NOT NULL DEFAULT 1,
    title       text NOT NULL CHECK (title <> ''),
    content     text NOT NULL DEFAULT '',
    parts       text NOT NULL DEFAULT '',
    brand       text NOT NULL DEFAULT '',
    model       text NOT NULL CHECK (model <> ''),
    serial_from text NOT NULL DEFAULT '',
    serial_to   text NOT NULL DEFAULT '',
    made_from   date,
    made_to     date,
    -- an explicit list replaces the ranges when it is not empty
    serials     text[] NOT NULL DEFAULT '{}',
    deadline    date NOT NULL,
    issued_by   bigint NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    closed_at   timestamptz,
    closed_by   bigint REFERENCES users(id),
    close_note  text NOT NULL DEFAULT '',
    CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX notices_model_idx ON notices (model);

-- The notice's documents (PDF or images), checked by their bytes.
CREATE TABLE notice_files (
    id           bigserial PRIMARY KEY,
    notice_id    bigint NOT NULL REFERENCES notices(id),
    name         text NOT NULL DEFAULT '',
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/webp')),
    size         integer NOT NULL CHECK (size > 0),
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    created_by   bigint NOT NULL REFERENCES users(id),
    created_at   timestamptz NOT NULL
);
CREATE INDEX notice_files_notice_idx ON notice_files (notice_id, id);

-- What a station did about one unit of a notice; a covered unit without a row is waiting
-- (待执行). An order's completion makes the unit executed (已执行); a cancelled order
-- leaves it waiting again.
CREATE TABLE notice_units (
    notice_id  bigint NOT NULL REFERENCES notices(id),
    unit_id    bigint NOT NULL REFERENCES units(id),
    state      text NOT NULL CHECK (state IN ('ordered', 'unable')),
    order_id   bigint REFERENCES work_orders(id),
    reason     text CHECK (reason IN ('man', 'machine', 'material', 'method', 'environment')),
    note       text NOT NULL DEFAULT '',
    version    integer NOT NULL DEFAULT 1,
    updated_by bigint NOT NULL REFERENCES users(id),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (notice_id, unit_id),
    CHECK ((state = 'ordered') = (order_id IS NOT NULL)),
    CHECK ((state = 'unable') = (reason IS NOT NULL))
);
CREATE INDEX notice_units_order_idx ON notice_units (order_id) WHERE order_id IS NOT NULL;

-- The notice's log: append-only.
CREATE TABLE notice_events (
    id        bigserial PRIMARY KEY,
    notice_id bigint NOT NULL REFERENCES notices(id),
    unit_id   bigint REFERENCES units(id),
    step      text NOT NULL,
    actor_id  bigint NOT NULL REFERENCES users(id),
    at        timestamptz NOT NULL,
    note      text NOT NULL DEFAULT '',
    data      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notice_events_notice_idx ON notice_events (notice_id, id);
CREATE TRIGGER notice_events_append_only BEFORE UPDATE OR DELETE ON notice_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER notice_events_no_truncate BEFORE TRUNCATE ON notice_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
