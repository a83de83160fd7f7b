-- Who opened which customer record, order, attachment or export, and when (访问记录).
-- Append-only: written by the page's own read, never changed or deleted.
CREATE TABLE access_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_id   bigint NOT NULL REFERENCES users(id),
    -- the station of the record opened; for an export of a list, the exporter's station
    station_id bigint NOT NULL REFERENCES stations(id),
    kind       text NOT NULL CHECK (kind IN ('customer', 'order', 'attachment', 'export')),
    -- the customer, order or attachment opened; an export of one customer's data names
    -- the customer; an export of a list names none
    record_id  bigint,
    route      text NOT NULL CHECK (length(route) <= 500),
    remote     text NOT NULL DEFAULT '' CHECK (length(remote) <= 100)
);
CREATE INDEX access_log_station_idx ON access_log (station_id, id DESC);
CREATE INDEX access_log_actor_idx ON access_log (actor_id, id DESC);
CREATE INDEX access_log_record_idx ON access_log (kind, record_id, id DESC);
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A customer whose personal data was replaced on request (匿名化); their orders and
-- figures stay.
ALTER TABLE customers ADD COLUMN anonymised_at timestamptz;
