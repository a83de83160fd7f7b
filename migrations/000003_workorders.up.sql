CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Settings the workflow rules need (one row). Editable by the manager.
CREATE TABLE settings (
    id                              integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    sla_urgent_contact_minutes      integer NOT NULL DEFAULT 60  CHECK (sla_urgent_contact_minutes > 0),
    sla_urgent_arrive_minutes       integer NOT NULL DEFAULT 240 CHECK (sla_urgent_arrive_minutes > 0),
    sla_normal_contact_workdays     integer NOT NULL DEFAULT 1   CHECK (sla_normal_contact_workdays > 0),
    sla_normal_arrive_workdays      integer NOT NULL DEFAULT 3   CHECK (sla_normal_arrive_workdays > 0),
    sla_repair_minutes              integer NOT NULL DEFAULT 120 CHECK (sla_repair_minutes > 0),
    repair_warranty_days            integer NOT NULL DEFAULT 90  CHECK (repair_warranty_days >= 0),
    callback_after_guidance_minutes integer NOT NULL DEFAULT 120 CHECK (callback_after_guidance_minutes > 0),
    callback_after_unsure_minutes   integer NOT NULL DEFAULT 180 CHECK (callback_after_unsure_minutes > 0),
    callback_after_repair_workdays  integer NOT NULL DEFAULT 3   CHECK (callback_after_repair_workdays > 0),
    callback_attempt_limit          integer NOT NULL DEFAULT 3   CHECK (callback_attempt_limit > 0),
    work_day_start                  time    NOT NULL DEFAULT '09:00',
    work_day_end                    time    NOT NULL DEFAULT '18:00',
    weekend                         integer[] NOT NULL DEFAULT '{0,6}',
    updated_at                      timestamptz NOT NULL DEFAULT now(),
    updated_by                      bigint REFERENCES users(id),
    CHECK (work_day_start < work_day_end)
);
INSERT INTO settings DEFAULT VALUES;

-- The business calendar's exceptions: holidays (休息) and adjusted working days (调休上班).
CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    note text NOT NULL DEFAULT ''
);

-- Per station and day, the last order number handed out. Taking a number locks the row
-- in the intake's own transaction, so numbers are unique and gap-free.
CREATE TABLE order_counters (
    station_id bigint NOT NULL REFERENCES stations(id),
    day        date   NOT NULL,
    last       integer NOT NULL,
    PRIMARY KEY (station_id, day)
);

-- Work orders (工单). Required columns per state are enforced by the service; the simple
-- ones also here.
CREATE TABLE work_orders (
    id                 bigserial PRIMARY KEY,
    number             text   NOT NULL,
    station_id         bigint NOT NULL REFERENCES stations(id),
    state              text   NOT NULL CHECK (state IN ('received', 'assessing', 'awaiting_dispatch', 'dispatched', 'scheduled',
                           'in_progress', 'awaiting_parts', 'in_workshop', 'awaiting_callback', 'closed', 'cancelled')),
    version            integer NOT NULL DEFAULT 1,
    channel            text   NOT NULL CHECK (channel IN ('phone', 'email', 'online', 'visit', 'qr')),
    customer_id        bigint NOT NULL REFERENCES customers(id),
    contact_name       text   NOT NULL DEFAULT '',
    contact_phone      text   NOT NULL DEFAULT '',
    contact_e164       text   NOT NULL DEFAULT '',
    address            text   NOT NULL DEFAULT '',
    unit_id            bigint REFERENCES units(id),
    symptom            text   NOT NULL CHECK (symptom <> ''),
    request            text   NOT NULL DEFAULT '',
    urgency            text   NOT NULL CHECK (urgency IN ('urgent', 'normal')),
    service_type       text   NOT NULL CHECK (service_type IN ('repair', 'install', 'maintenance', 'consult', 'notice')),
    warranty           text   NOT NULL CHECK (warranty IN ('in', 'out', 'repair', 'unknown')),
    repeat_of          bigint REFERENCES work_orders(id),
    preliminary        text   NOT NULL DEFAULT '',
    -- assessment (技术评估)
    assessed_at        timestamptz,
    assessed_by        bigint REFERENCES users(id),
    cause_analysis     text   NOT NULL DEFAULT '',
    repair_plan        text   NOT NULL DEFAULT '',
    service_mode       text   CHECK (service_mode IN ('onsite', 'workshop', 'remote')),
    parts_needed       text   NOT NULL DEFAULT '',
    tools_needed       text   NOT NULL DEFAULT '',
    loaner_needed      boolean NOT NULL DEFAULT false,
    guidance           text   NOT NULL DEFAULT '',
    -- dispatch and appointment
    assignee_id        bigint REFERENCES users(id),
    assigned_at        timestamptz,
    first_contact_at   timestamptz,
    appointment_start  timestamptz,
    appointment_end    timestamptz,
    reschedule_count   integer NOT NULL DEFAULT 0,
    -- on site
    arrived_at         timestamptz,
    missing_parts      text   NOT NULL DEFAULT '',
    unit_in_workshop   boolean NOT NULL DEFAULT false,
    loaner_issued      boolean NOT NULL DEFAULT false,
    -- field report (维修报告)
    completed_at       timestamptz,
    diagnosis          text   NOT NULL DEFAULT '',
    fault_cause        text   NOT NULL DEFAULT '',
    actions_taken      text   NOT NULL DEFAULT '',
    test_run           text   CHECK (test_run IN ('done', 'not_done', 'unsure')),
    usage_guidance     boolean NOT NULL DEFAULT false,
    signed             boolean NOT NULL DEFAULT false,
    no_signature_reason text  NOT NULL DEFAULT '',
    rating             integer CHECK (rating BETWEEN 1 AND 5),
    -- callback and closure
    callback_due_at    timestamptz,
    callback_attempts  integer NOT NULL DEFAULT 0,
    revisit_count      integer NOT NULL DEFAULT 0,
    fees_state         text   NOT NULL DEFAULT 'none' CHECK (fees_state IN ('none', 'pending', 'settled')),
    closed_at          timestamptz,
    cancelled_at       timestamptz,
    cancel_reason      text   NOT NULL DEFAULT '',
    -- SLA due times, computed at intake and check-in
    contact_due_at     timestamptz NOT NULL,
    arrive_due_at      timestamptz NOT NULL,
    repair_due_at      timestamptz,
    -- search: number, customer, phones, serial (kept by the service)
    search             text   NOT NULL DEFAULT '',
    -- the intake form's one-time key: a double submit finds the order it already made
    intake_key         text   UNIQUE,
    created_by         bigint NOT NULL REFERENCES users(id),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    UNIQUE (station_id, number),
    CHECK (state NOT IN ('dispatched', 'scheduled', 'in_progress', 'awaiting_parts', 'in_workshop') OR assignee_id IS NOT NULL),
    CHECK (state <> 'scheduled' OR appointment_start IS NOT NULL),
    CHECK (state NOT IN ('in_progress', 'awaiting_parts') OR arrived_at IS NOT NULL OR unit_in_workshop),
    CHECK (state <> 'cancelled' OR (cancel_reason <> '' AND cancelled_at IS NOT NULL)),
    CHECK (state <> 'closed' OR closed_at IS NOT NULL),
    CHECK (appointment_end IS NULL OR appointment_end > appointment_start)
);
CREATE INDEX work_orders_list_idx ON work_orders (station_id, created_at DESC, id DESC);
-- For users who see several stations: PostgreSQL cannot read the index above in order
-- under station_id = ANY(…), so newest-first lists walk this one and filter.
CREATE INDEX work_orders_created_idx ON work_orders (created_at DESC, id DESC);
CREATE INDEX work_orders_open_idx ON work_orders (station_id, state, created_at DESC, id DESC)
    WHERE state NOT IN ('closed', 'cancelled');
CREATE INDEX work_orders_assignee_idx ON work_orders (assignee_id, state) WHERE assignee_id IS NOT NULL;
CREATE INDEX work_orders_unit_idx ON work_orders (unit_id, completed_at DESC) WHERE unit_id IS NOT NULL;
CREATE INDEX work_orders_customer_idx ON work_orders (customer_id, created_at DESC);
CREATE INDEX work_orders_callback_idx ON work_orders (station_id, callback_due_at) WHERE state = 'awaiting_callback';
CREATE INDEX work_orders_search_idx ON work_orders USING gin (search gin_trgm_ops) WITH (fastupdate = off);

-- The work-order log (工单日志): append-only.
CREATE TABLE work_order_events (
    id         bigserial PRIMARY KEY,
    order_id   bigint NOT NULL REFERENCES work_orders(id),
    from_state text,
    to_state   text NOT NULL,
    transition text NOT NULL,
    actor_id   bigint NOT NULL REFERENCES users(id),
    -- the order's version after this event: a retried form finds its own earlier success
    version    integer NOT NULL,
    -- a fingerprint of the form's input: only the same input counts as a retry
    input_hash text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    note       text NOT NULL DEFAULT '',
    data       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX work_order_events_order_idx ON work_order_events (order_id, id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER work_order_events_append_only BEFORE UPDATE OR DELETE ON work_order_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER work_order_events_no_truncate BEFORE TRUNCATE ON work_order_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
