-- Next week's plans (下周工作计划): each technician, or their supervisor for them, drafts
-- the week (Monday to Sunday, local days) and submits it; a manager of the station or
-- above approves it or returns it with a comment; a returned plan is edited and
-- submitted again. The approved plan's items show on the work board beside the day's
-- appointments.
CREATE TABLE week_plans (
    id             bigserial PRIMARY KEY,
    station_id     bigint  NOT NULL REFERENCES stations(id),
    technician_id  bigint  NOT NULL REFERENCES users(id),
    week_start     date    NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    state          text    NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
    version        integer NOT NULL DEFAULT 1,
    created_by     bigint  NOT NULL REFERENCES users(id),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    submitted_by   bigint  REFERENCES users(id),
    submitted_at   timestamptz,
    decided_by     bigint  REFERENCES users(id),
    decided_at     timestamptz,
    -- Why the manager returned the plan; kept until it is submitted again.
    return_comment text,
    UNIQUE (technician_id, week_start),
    CHECK (state = 'draft' OR submitted_at IS NOT NULL),
    CHECK (state NOT IN ('approved', 'returned') OR decided_at IS NOT NULL),
    CHECK (state <> 'returned' OR return_comment <> '')
);
CREATE INDEX week_plans_station_week_idx ON week_plans (station_id, week_start);

-- A plan's items. kind: visit (an appointment already made, linked to its order),
-- training, leave, other (free text, for work that has no record of its own yet).
-- part: the whole day, the morning, the afternoon, or a time range.
CREATE TABLE week_plan_items (
    id         bigserial PRIMARY KEY,
    plan_id    bigint  NOT NULL REFERENCES week_plans(id) ON DELETE CASCADE,
    position   integer NOT NULL,
    day        date    NOT NULL,
    kind       text    NOT NULL CHECK (kind IN ('visit', 'training', 'leave', 'other')),
    part       text    NOT NULL CHECK (part IN ('day', 'am', 'pm', 'time')),
    start_time time,
    end_time   time,
    order_id   bigint  REFERENCES work_orders(id),
    note       text    NOT NULL DEFAULT '',
    CHECK ((part = 'time') = (start_time IS NOT NULL)),
    CHECK (end_time IS NULL OR (start_time IS NOT NULL AND end_time > start_time)),
    CHECK ((kind = 'visit') = (order_id IS NOT NULL)),
    CHECK (kind <> 'other' OR note <> '')
);
CREATE INDEX week_plan_items_plan_idx ON week_plan_items (plan_id, day, position);

-- What happened to each plan, append-only: saved, submitted, approved, returned.
CREATE TABLE week_plan_events (
    id         bigserial PRIMARY KEY,
    plan_id    bigint NOT NULL REFERENCES week_plans(id),
    at         timestamptz NOT NULL,
    actor_id   bigint NOT NULL REFERENCES users(id),
    kind       text   NOT NULL CHECK (kind IN ('save', 'submit', 'approve', 'return')),
    from_state text,
    to_state   text   NOT NULL,
    data       jsonb  NOT NULL DEFAULT '{}'
);
CREATE INDEX week_plan_events_plan_idx ON week_plan_events (plan_id, id);

CREATE TRIGGER week_plan_events_append_only BEFORE UPDATE OR DELETE ON week_plan_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER week_plan_events_no_truncate BEFORE TRUNCATE ON week_plan_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
