-- Maintenance plans (保养计划): a unit's cycle, its next due date, what the maintenance
-- includes and the parts it usually needs. A unit has at most one active plan; an ended
-- plan is kept with its history.
CREATE TABLE maintenance_plans (
    id            bigserial PRIMARY KEY,
    unit_id       bigint NOT NULL REFERENCES units(id),
    cycle_months  integer NOT NULL CHECK (cycle_months BETWEEN 1 AND 60),
    next_due      date NOT NULL,
    checklist     text[] NOT NULL DEFAULT '{}',
    parts         text NOT NULL DEFAULT '',
    ended_at      timestamptz,
    ended_by      bigint REFERENCES users(id),
    end_reason    text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 1,
    created_by    bigint NOT NULL REFERENCES users(id),
    updated_by    bigint NOT NULL REFERENCES users(id),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CHECK (cardinality(checklist) BETWEEN 1 AND 20),
    CHECK (ended_at IS NULL OR ended_by IS NOT NULL)
);
CREATE UNIQUE INDEX maintenance_plans_active_unit_idx ON maintenance_plans (unit_id) WHERE ended_at IS NULL;
CREATE INDEX maintenance_plans_due_idx ON maintenance_plans (next_due) WHERE ended_at IS NULL;

-- What happened to a plan: set, edit, end, an order created, a due date moved.
CREATE TABLE maintenance_events (
    id       bigserial PRIMARY KEY,
    plan_id  bigint NOT NULL REFERENCES maintenance_plans(id),
    kind     text NOT NULL CHECK (kind IN ('set', 'edit', 'end', 'order', 'advance')),
    actor_id bigint REFERENCES users(id),
    at       timestamptz NOT NULL,
    data     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX maintenance_events_plan_idx ON maintenance_events (plan_id, id);

-- The orders the maintenance job made: one per unit and due date, whichever process
-- and however often the job runs.
CREATE TABLE maintenance_orders (
    plan_id   bigint NOT NULL REFERENCES maintenance_plans(id),
    unit_id   bigint NOT NULL REFERENCES units(id),
    due_date  date NOT NULL,
    order_id  bigint NOT NULL UNIQUE REFERENCES work_orders(id),
    -- the plan's checklist as it was when the order was made, for the technician
    checklist text[] NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (unit_id, due_date)
);
CREATE INDEX maintenance_orders_plan_idx ON maintenance_orders (plan_id, due_date DESC);

-- How many days before the due date the job creates the order, per station; a station
-- without a row uses its nearest ancestor's, and with none above it 14.
CREATE TABLE maintenance_settings (
    station_id  bigint PRIMARY KEY REFERENCES stations(id),
    days_ahead  integer NOT NULL CHECK (days_ahead BETWEEN 0 AND 90),
    updated_by  bigint REFERENCES users(id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
