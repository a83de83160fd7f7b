-- Complaints and claims (投诉 · 索赔): logged by the hotline, assigned to a responsible
-- person with a deadline, handled, answered to the customer, closed.

-- The numbers the complaint rules use, per station; a station without a row uses its
-- nearest ancestor's, and with none above it the defaults of internal/complaint/rules.go.
CREATE TABLE complaint_rules (
    station_id             bigint PRIMARY KEY REFERENCES stations(id),
    due_general_workdays   integer NOT NULL CHECK (due_general_workdays BETWEEN 1 AND 60),
    due_important_workdays integer NOT NULL CHECK (due_important_workdays BETWEEN 1 AND 60),
    due_major_workdays     integer NOT NULL CHECK (due_major_workdays BETWEEN 1 AND 60),
    -- approving a claim above this needs a manager of a centre or headquarters
    claim_limit_fen        bigint NOT NULL CHECK (claim_limit_fen >= 0),
    updated_by             bigint REFERENCES users(id),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO complaint_rules (station_id, due_general_workdays, due_important_workdays, due_major_workdays, claim_limit_fen)
SELECT id, 5, 3, 1, 500000 FROM stations WHERE parent_id IS NULL;

CREATE TABLE complaint_counters (
    day  date PRIMARY KEY,
    last integer NOT NULL
);

CREATE TABLE complaints (
    id               bigserial PRIMARY KEY,
    number           text NOT NULL UNIQUE,
    station_id       bigint NOT NULL REFERENCES stations(id),
    state            text NOT NULL CHECK (state IN ('logged', 'assigned', 'handling', 'proposed', 'accepted', 'closed', 'withdrawn')),
    version          integer NOT NULL DEFAULT 1,
    channel          text NOT NULL CHECK (channel IN ('phone', 'visit', 'email', 'letter', 'online', 'other')),
    customer_id      bigint NOT NULL REFERENCES customers(id),
    contact_phone    text NOT NULL DEFAULT '',
    unit_id          bigint REFERENCES units(id),
    technician_id    bigint REFERENCES users(id),
    category         text NOT NULL CHECK (category IN ('attitude', 'quality', 'timeliness', 'fees', 'parts', 'product', 'other')),
    severity         text NOT NULL CHECK (severity IN ('general', 'important', 'major')),
    what_happened    text NOT NULL CHECK (what_happened <> ''),
    customer_asks    text NOT NULL DEFAULT '',
    -- an earlier complaint of the same customer within the repeat window
    repeat_of        bigint REFERENCES complaints(id),
    responsible_id   bigint REFERENCES users(id),
    due_at           timestamptz,
    investigation    text NOT NULL DEFAULT '',
    cause            text NOT NULL DEFAULT '',
    responsibility   text NOT NULL DEFAULT '',
    result           text NOT NULL DEFAULT '',
    -- how many times the customer did not accept the proposed result
    rejections       integer NOT NULL DEFAULT 0,
    withdraw_reason  text NOT NULL DEFAULT '',
    -- a claim (索赔) asks for money; amounts are exact fen
    is_claim         boolean NOT NULL DEFAULT false,
    claim_fen        bigint CHECK (claim_fen > 0),
    appraisal        text CHECK (appraisal IN ('valid', 'partly', 'invalid')),
    appraisal_reason text NOT NULL DEFAULT '',
    approved_fen     bigint CHECK (approved_fen >= 0),
    approved_by      bigint REFERENCES users(id),
    approved_at      timestamptz,
    paid_at          timestamptz,
    paid_how         text NOT NULL DEFAULT '',
    created_by       bigint NOT NULL REFERENCES users(id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    closed_at        timestamptz,
    CHECK (is_claim = (claim_fen IS NOT NULL)),
    CHECK (approved_fen IS NULL OR approved_fen <= claim_fen)
);
CREATE INDEX complaints_station_idx ON complaints (station_id, created_at DESC, id DESC);
CREATE INDEX complaints_customer_idx ON complaints (customer_id, created_at DESC);
CREATE INDEX complaints_unit_idx ON complaints (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX complaints_technician_idx ON complaints (technician_id) WHERE technician_id IS NOT NULL;
CREATE INDEX complaints_responsible_idx ON complaints (responsible_id) WHERE responsible_id IS NOT NULL;
CREATE INDEX complaints_due_idx ON complaints (station_id, due_at) WHERE state IN ('assigned', 'handling');

-- The work orders a complaint concerns.
CREATE TABLE complaint_orders (
    complaint_id bigint NOT NULL REFERENCES complaints(id),
    order_id     bigint NOT NULL REFERENCES work_orders(id),
    PRIMARY KEY (complaint_id, order_id)
);
CREATE INDEX complaint_orders_order_idx ON complaint_orders (order_id);

-- The complaint's log: append-only.
CREATE TABLE complaint_events (
    id           bigserial PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaints(id),
    step         text NOT NULL,
    from_state   text,
    to_state     text NOT NULL,
    actor_id     bigint NOT NULL REFERENCES users(id),
    version      integer NOT NULL,
    at           timestamptz NOT NULL,
    note         text NOT NULL DEFAULT '',
    data         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX complaint_events_complaint_idx ON complaint_events (complaint_id, id);
CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER complaint_events_no_truncate BEFORE TRUNCATE ON complaint_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
