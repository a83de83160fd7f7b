-- Product faults fed back to quality (故障反馈): reported from a job with photos taken at
-- discovery, then analysed (cause), given a measure and closed. A major fault not fixed
-- on site is escalated: it is on headquarters' quality list from the moment it is
-- reported.
CREATE TABLE faults (
    id            bigserial PRIMARY KEY,
    order_id      bigint  NOT NULL REFERENCES work_orders(id),
    station_id    bigint  NOT NULL REFERENCES stations(id),
    unit_id       bigint  REFERENCES units(id),
    model         text    NOT NULL CHECK (model <> ''),
    assembly      text    NOT NULL CHECK (assembly <> ''),
    symptom       text    NOT NULL CHECK (symptom <> ''),
    severity      text    NOT NULL CHECK (severity IN ('minor', 'major')),
    fixed_on_site boolean NOT NULL,
    escalated     boolean GENERATED ALWAYS AS (severity = 'major' AND NOT fixed_on_site) STORED,
    state         text    NOT NULL CHECK (state IN ('reported', 'analysed', 'measured', 'closed')),
    version       integer NOT NULL DEFAULT 1,
    reported_by   bigint  NOT NULL REFERENCES users(id),
    reported_at   timestamptz NOT NULL,
    cause         text,
    analysed_by   bigint  REFERENCES users(id),
    analysed_at   timestamptz,
    measure       text,
    measured_by   bigint  REFERENCES users(id),
    measured_at   timestamptz,
    close_note    text,
    closed_by     bigint  REFERENCES users(id),
    closed_at     timestamptz,
    CHECK (state = 'reported' OR (cause <> '' AND analysed_at IS NOT NULL)),
    CHECK (state NOT IN ('measured', 'closed') OR (measure <> '' AND measured_at IS NOT NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX faults_station_reported_idx ON faults (station_id, reported_at DESC);
CREATE INDEX faults_order_idx ON faults (order_id);
CREATE INDEX faults_escalated_idx ON faults (reported_at DESC) WHERE escalated AND state <> 'closed';

-- Photos of a fault, checked like those of field reports, with a small JPEG for lists.
CREATE TABLE fault_photos (
    id           bigserial PRIMARY KEY,
    fault_id     bigint  NOT NULL REFERENCES faults(id),
    content_type text    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size         integer NOT NULL CHECK (size > 0),
    sha256       text    NOT NULL,
    data         bytea   NOT NULL,
    thumb        bytea,
    created_by   bigint  NOT NULL REFERENCES users(id),
    created_at   timestamptz NOT NULL
);
CREATE INDEX fault_photos_fault_idx ON fault_photos (fault_id, id);

-- What happened to each fault, append-only.
CREATE TABLE fault_events (
    id         bigserial PRIMARY KEY,
    fault_id   bigint NOT NULL REFERENCES faults(id),
    at         timestamptz NOT NULL,
    actor_id   bigint NOT NULL REFERENCES users(id),
    kind       text   NOT NULL CHECK (kind IN ('report', 'analyse', 'measure', 'close')),
    from_state text,
    to_state   text   NOT NULL,
    data       jsonb  NOT NULL DEFAULT '{}'
);
CREATE INDEX fault_events_fault_idx ON fault_events (fault_id, id);
