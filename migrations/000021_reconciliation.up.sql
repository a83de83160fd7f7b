-- The manager's daily reconciliation (对账, 002 §六): for each technician and local day,
-- the jobs they completed are checked against what came back to the office; every
-- mismatch is a line the manager resolves, and the day is closed when all are.

-- One technician's day. Created by the first change made to it; closed days are frozen.
CREATE TABLE reconciliations (
    id            bigserial PRIMARY KEY,
    technician_id bigint NOT NULL REFERENCES users(id),
    station_id    bigint NOT NULL REFERENCES stations(id),
    day           date   NOT NULL,
    state         text   NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    version       integer NOT NULL DEFAULT 1,
    closed_by     bigint REFERENCES users(id),
    closed_at     timestamptz,
    created_at    timestamptz NOT NULL,
    UNIQUE (technician_id, day),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL))
);
CREATE INDEX reconciliations_station_day_idx ON reconciliations (station_id, day);

-- A mismatch of the day: one per kind and order. Unresolved lines whose mismatch went
-- away before the day closed are removed; resolved ones stay with who, when and how.
CREATE TABLE reconciliation_lines (
    id                bigserial PRIMARY KEY,
    reconciliation_id bigint NOT NULL REFERENCES reconciliations(id),
    order_id          bigint NOT NULL REFERENCES work_orders(id),
    kind              text   NOT NULL CHECK (kind IN ('no_signature', 'report_incomplete', 'not_returned',
                          'cash_unsettled', 'cash_not_handed', 'callback_contradicts')),
    detail            text   NOT NULL DEFAULT '',
    resolution        text   CHECK (resolution IN ('accept', 'require_order', 'remedial_callback')),
    note              text   NOT NULL DEFAULT '',
    resolved_by       bigint REFERENCES users(id),
    resolved_at       timestamptz,
    UNIQUE (reconciliation_id, order_id, kind),
    CHECK ((resolution IS NULL) = (resolved_at IS NULL)),
    CHECK ((resolution IS NULL) = (resolved_by IS NULL)),
    CHECK (resolution IS DISTINCT FROM 'accept' OR note <> '')
);

-- 回单已交: the printed work order came back to the office (one tick per order).
CREATE TABLE order_returns (
    order_id    bigint PRIMARY KEY REFERENCES work_orders(id),
    returned_by bigint NOT NULL REFERENCES users(id),
    returned_at timestamptz NOT NULL
);

-- Cash collected on site and handed over to the office, confirmed by the manager.
CREATE TABLE cash_handovers (
    id                bigserial PRIMARY KEY,
    order_id          bigint NOT NULL UNIQUE REFERENCES work_orders(id),
    reconciliation_id bigint NOT NULL REFERENCES reconciliations(id),
    amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
    confirmed_by      bigint NOT NULL REFERENCES users(id),
    confirmed_at      timestamptz NOT NULL
);

-- The reconciliation log: append-only.
CREATE TABLE reconciliation_events (
    id                bigserial PRIMARY KEY,
    reconciliation_id bigint NOT NULL REFERENCES reconciliations(id),
    step              text   NOT NULL,
    order_id          bigint REFERENCES work_orders(id),
    actor_id          bigint NOT NULL REFERENCES users(id),
    at                timestamptz NOT NULL,
    note              text   NOT NULL DEFAULT '',
    data              jsonb  NOT NULL DEFAULT '{}'
);
CREATE INDEX reconciliation_events_recon_idx ON reconciliation_events (reconciliation_id, id);
CREATE TRIGGER reconciliation_events_append_only BEFORE UPDATE OR DELETE ON reconciliation_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER reconciliation_events_no_truncate BEFORE TRUNCATE ON reconciliation_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The completions of a technician's day are read from the log.
CREATE INDEX work_order_events_complete_idx ON work_order_events (actor_id, at) WHERE transition = 'complete';
