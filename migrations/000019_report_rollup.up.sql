-- The report's daily roll-up: each station's figures per local day, kept by
-- internal/report (rollup.go). Every change to an order, its events, callbacks and
-- settlements marks the (station, moment) it touches in report_dirty, in the same
-- transaction; the report recomputes those days before it reads.

CREATE TABLE report_dirty (
    station_id bigint      NOT NULL,
    at         timestamptz NOT NULL
);

-- One row per station and day: the orders created that day (received, the SLA shares,
-- the medians' minutes, repeat repairs), completed that day (first-time fix, free work,
-- field classes), the callbacks due that day, the surveys and settlements of that day.
CREATE TABLE report_days (
    station_id      bigint  NOT NULL REFERENCES stations(id),
    day             date    NOT NULL,
    received        bigint  NOT NULL DEFAULT 0,
    contact_known   bigint  NOT NULL DEFAULT 0,
    contact_in_time bigint  NOT NULL DEFAULT 0,
    arrive_known    bigint  NOT NULL DEFAULT 0,
    arrive_in_time  bigint  NOT NULL DEFAULT 0,
    repair_known    bigint  NOT NULL DEFAULT 0,
    repair_in_time  bigint  NOT NULL DEFAULT 0,
    repair_orders   bigint  NOT NULL DEFAULT 0,
    repeat_repairs  bigint  NOT NULL DEFAULT 0,
    contact_minutes float8[] NOT NULL DEFAULT '{}',
    arrive_minutes  float8[] NOT NULL DEFAULT '{}',
    repair_minutes  float8[] NOT NULL DEFAULT '{}',
    done            bigint  NOT NULL DEFAULT 0,
    first_fix       bigint  NOT NULL DEFAULT 0,
    free_warranty   bigint  NOT NULL DEFAULT 0,
    free_repeat     bigint  NOT NULL DEFAULT 0,
    classes         jsonb   NOT NULL DEFAULT '{}',
    callbacks_due   bigint  NOT NULL DEFAULT 0,
    callbacks_reached bigint NOT NULL DEFAULT 0,
    surveys         bigint  NOT NULL DEFAULT 0,
    attitude        bigint  NOT NULL DEFAULT 0,
    timeliness      bigint  NOT NULL DEFAULT 0,
    quality         bigint  NOT NULL DEFAULT 0,
    overall         bigint  NOT NULL DEFAULT 0,
    settled         jsonb   NOT NULL DEFAULT '{}',
    -- settles_at is when a figure of the day next changes with time alone (a due time
    -- running out); the day is recomputed then.
    settles_at      timestamptz,
    PRIMARY KEY (station_id, day)
);
CREATE INDEX report_days_settles_idx ON report_days (settles_at) WHERE settles_at IS NOT NULL;

-- One row per station, day and technician: the jobs completed (first-time fixes,
-- on-site time), surveys of their jobs, repeats of their repairs logged, reschedules.
CREATE TABLE report_tech_days (
    station_id     bigint NOT NULL REFERENCES stations(id),
    day            date   NOT NULL,
    user_id        bigint NOT NULL REFERENCES users(id),
    done           bigint NOT NULL DEFAULT 0,
    first_fix      bigint NOT NULL DEFAULT 0,
    overall_sum    bigint NOT NULL DEFAULT 0,
    overall_n      bigint NOT NULL DEFAULT 0,
    repeats        bigint NOT NULL DEFAULT 0,
    reschedules    bigint NOT NULL DEFAULT 0,
    onsite_minutes float8 NOT NULL DEFAULT 0,
    onsite_n       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, day, user_id)
);

-- The roll-up's zone (its days are local days there), when it was last built whole, and
-- its version: one more each time anything a report reads has changed since. A whole
-- build's version is built_version; changes up to pruned_through are forgotten.
CREATE TABLE report_rollup (
    id             int    PRIMARY KEY CHECK (id = 1),
    zone           text   NOT NULL,
    built_at       timestamptz NOT NULL,
    version        bigint NOT NULL DEFAULT 0,
    built_version  bigint NOT NULL DEFAULT 0,
    pruned_through bigint NOT NULL DEFAULT 0
);

-- The station days each version recomputed (station 0: every station), so a page kept
-- from an earlier version knows whether anything it shows has changed since.
CREATE TABLE report_changes (
    version    bigint NOT NULL,
    station_id bigint NOT NULL,
    day        date   NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_changes_version_idx ON report_changes (version);

CREATE FUNCTION report_mark_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (station_id, at)
    SELECT DISTINCT s, t FROM (VALUES
        (NEW.station_id, NEW.created_at), (NEW.station_id, NEW.completed_at),
        (NEW.station_id, NEW.callback_due_at), (NEW.station_id, NEW.updated_at)) v(s, t)
    WHERE t IS NOT NULL;
    IF TG_OP = 'UPDATE' AND (OLD.station_id <> NEW.station_id OR OLD.completed_at IS DISTINCT FROM NEW.completed_at
        OR OLD.callback_due_at IS DISTINCT FROM NEW.callback_due_at OR OLD.created_at <> NEW.created_at) THEN
        INSERT INTO report_dirty (station_id, at)
        SELECT OLD.station_id, t FROM (VALUES (OLD.created_at), (OLD.completed_at), (OLD.callback_due_at)) v(t)
        WHERE t IS NOT NULL;
    END IF;
    -- A repeat repair changes the first-time fix of the order it repeats, and counts
    -- against that order's station and technician on the day it is logged.
    IF NEW.repeat_of IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.repeat_of IS DISTINCT FROM NEW.repeat_of) THEN
        INSERT INTO report_dirty (station_id, at)
        SELECT r.station_id, t FROM work_orders r, LATERAL (VALUES (r.completed_at), (NEW.created_at)) v(t)
        WHERE r.id = NEW.repeat_of AND t IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER work_orders_report_mark AFTER INSERT OR UPDATE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION report_mark_order();

-- Events, callbacks and settlements: the order's station at the moment they record.
-- The trigger's argument names the row's time column.
CREATE FUNCTION report_mark_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (station_id, at)
    SELECT o.station_id, (to_jsonb(NEW) ->> TG_ARGV[0])::timestamptz FROM work_orders o WHERE o.id = NEW.order_id;
    RETURN NULL;
END $$;
CREATE TRIGGER work_order_events_report_mark AFTER INSERT ON work_order_events
    FOR EACH ROW EXECUTE FUNCTION report_mark_at('at');
CREATE TRIGGER callback_attempts_report_mark AFTER INSERT ON callback_attempts
    FOR EACH ROW EXECUTE FUNCTION report_mark_at('at');
CREATE TRIGGER settlements_report_mark AFTER INSERT ON settlements
    FOR EACH ROW EXECUTE FUNCTION report_mark_at('settled_at');

-- What else a report reads marks the station it concerns: complaints, stock movements;
-- the parts catalogue and the technicians concern every station (station 0).
CREATE FUNCTION report_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'complaints' THEN
        -- The days a complaint counts on: logged, due, paid; and the day of the change.
        INSERT INTO report_dirty (station_id, at)
        SELECT DISTINCT (to_jsonb(NEW) ->> 'station_id')::bigint, t FROM (VALUES ((to_jsonb(NEW) ->> 'created_at')::timestamptz),
            ((to_jsonb(NEW) ->> 'due_at')::timestamptz), ((to_jsonb(NEW) ->> 'paid_at')::timestamptz),
            ((to_jsonb(NEW) ->> 'updated_at')::timestamptz)) v(t) WHERE t IS NOT NULL;
    ELSIF TG_TABLE_NAME = 'stock_movements' THEN
        INSERT INTO report_dirty (station_id, at)
        SELECT l.station_id, (to_jsonb(NEW) ->> 'at')::timestamptz FROM locations l WHERE l.id = (to_jsonb(NEW) ->> 'location_id')::bigint;
    ELSE
        INSERT INTO report_dirty (station_id, at) VALUES (0, now());
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER complaints_report_mark AFTER INSERT OR UPDATE ON complaints
    FOR EACH ROW EXECUTE FUNCTION report_mark_row();
CREATE TRIGGER stock_movements_report_mark AFTER INSERT ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION report_mark_row();
CREATE TRIGGER parts_report_mark AFTER INSERT OR UPDATE ON parts
    FOR EACH ROW EXECUTE FUNCTION report_mark_row();
CREATE TRIGGER users_report_mark AFTER INSERT OR UPDATE OF role, station_id, display_name ON users
    FOR EACH ROW EXECUTE FUNCTION report_mark_row();
CREATE TRIGGER stations_report_mark AFTER INSERT OR UPDATE ON stations
    FOR EACH ROW EXECUTE FUNCTION report_mark_row();

-- What the report still reads live, indexed: the repeats of an order (first-time fix),
-- the parts consumed per warehouse and time, settlements by time, open receivables.
CREATE INDEX work_orders_repeat_of_idx ON work_orders (repeat_of) WHERE repeat_of IS NOT NULL;
CREATE INDEX stock_movements_consumed_idx ON stock_movements (location_id, at) INCLUDE (part_id, quantity)
    WHERE kind IN ('issue', 'return');
CREATE INDEX work_orders_fees_open_idx ON work_orders (station_id) WHERE fees_state IN ('pending', 'receivable');
-- And what the roll-up reads by time: settlements, reschedules.
CREATE INDEX settlements_at_idx ON settlements (settled_at);
CREATE INDEX work_order_events_reschedule_idx ON work_order_events (at) WHERE transition = 'reschedule';
