-- Technicians' daily reports (日报): one per technician and local day, corrected only by
-- a new revision (every revision kept), read, commented and marked reviewed by the
-- supervisor.

-- When a day's report counts as missing, per station: minutes after the local midnight.
-- A station without a row uses its nearest ancestor's, and with none above it the
-- default of internal/dailyreport/rules.go (20:00).
CREATE TABLE daily_report_rules (
    station_id          bigint PRIMARY KEY REFERENCES stations(id),
    missing_after_min   integer NOT NULL CHECK (missing_after_min BETWEEN 0 AND 1439),
    updated_by          bigint REFERENCES users(id),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO daily_report_rules (station_id, missing_after_min)
SELECT id, 1200 FROM stations WHERE parent_id IS NULL;

CREATE TABLE daily_reports (
    id             bigserial PRIMARY KEY,
    station_id     bigint NOT NULL REFERENCES stations(id),
    technician_id  bigint NOT NULL REFERENCES users(id),
    day            date NOT NULL,
    -- the row's version: every change adds one (a stale form is refused)
    version        integer NOT NULL DEFAULT 1,
    -- the newest revision of the technician's text (daily_report_revisions)
    revision       integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    submitted_at   timestamptz NOT NULL,
    comment        text NOT NULL DEFAULT '',
    commented_by   bigint REFERENCES users(id),
    commented_at   timestamptz,
    reviewed_by    bigint REFERENCES users(id),
    reviewed_at    timestamptz,
    UNIQUE (technician_id, day),
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL))
);
CREATE INDEX daily_reports_station_day_idx ON daily_reports (station_id, day);

-- What the technician submitted, one row per revision: append-only. facts is what the
-- system knew of the day when it was submitted.
CREATE TABLE daily_report_revisions (
    report_id     bigint NOT NULL REFERENCES daily_reports(id),
    revision      integer NOT NULL,
    difficulties  text NOT NULL DEFAULT '',
    feedback      text NOT NULL DEFAULT '',
    remarks       text NOT NULL DEFAULT '',
    facts         jsonb NOT NULL DEFAULT '{}',
    submitted_by  bigint NOT NULL REFERENCES users(id),
    submitted_at  timestamptz NOT NULL,
    PRIMARY KEY (report_id, revision)
);
CREATE TRIGGER daily_report_revisions_append_only BEFORE UPDATE OR DELETE ON daily_report_revisions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Business leads for sales (商机) of a revision.
CREATE TABLE daily_report_leads (
    report_id  bigint NOT NULL,
    revision   integer NOT NULL,
    position   integer NOT NULL,
    customer   text NOT NULL CHECK (customer <> ''),
    what       text NOT NULL CHECK (what <> ''),
    contact    text NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, revision, position),
    FOREIGN KEY (report_id, revision) REFERENCES daily_report_revisions (report_id, revision)
);
CREATE TRIGGER daily_report_leads_append_only BEFORE UPDATE OR DELETE ON daily_report_leads
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The report's log: append-only.
CREATE TABLE daily_report_events (
    id         bigserial PRIMARY KEY,
    report_id  bigint NOT NULL REFERENCES daily_reports(id),
    step       text NOT NULL CHECK (step IN ('submit', 'comment', 'review')),
    actor_id   bigint NOT NULL REFERENCES users(id),
    version    integer NOT NULL,
    at         timestamptz NOT NULL,
    note       text NOT NULL DEFAULT '',
    data       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX daily_report_events_report_idx ON daily_report_events (report_id, id);
CREATE TRIGGER daily_report_events_append_only BEFORE UPDATE OR DELETE ON daily_report_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER daily_report_events_no_truncate BEFORE TRUNCATE ON daily_report_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The technicians' events of a day, for the prefill and the missing list.
CREATE INDEX work_order_events_actor_at_idx ON work_order_events (actor_id, at);
