-- A station's kit list for the pre-departure check (出发前自检); absent: the manual's list.
CREATE TABLE kit_lists (
    station_id bigint PRIMARY KEY REFERENCES stations(id),
    items      text[] NOT NULL
);

-- A technician's pre-departure check of a job: the items missing, with a note.
CREATE TABLE departure_checks (
    order_id      bigint PRIMARY KEY REFERENCES work_orders(id),
    technician_id bigint NOT NULL REFERENCES users(id),
    checked_at    timestamptz NOT NULL,
    items         text[] NOT NULL,
    missing       text[] NOT NULL,
    note          text NOT NULL DEFAULT ''
);
CREATE INDEX departure_checks_missing_idx ON departure_checks (checked_at) WHERE cardinality(missing) > 0;

-- A station's daily safety meeting (安全会) and the technicians who confirmed attending.
CREATE TABLE safety_meetings (
    id          bigserial PRIMARY KEY,
    station_id  bigint NOT NULL REFERENCES stations(id),
    day         date NOT NULL,
    held_at     timestamptz NOT NULL,
    topic       text NOT NULL,
    hazards     text NOT NULL DEFAULT '',
    measures    text NOT NULL DEFAULT '',
    recorded_by bigint NOT NULL REFERENCES users(id),
    recorded_at timestamptz NOT NULL,
    UNIQUE (station_id, day)
);
CREATE TABLE safety_attendance (
    meeting_id   bigint NOT NULL REFERENCES safety_meetings(id),
    user_id      bigint NOT NULL REFERENCES users(id),
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
