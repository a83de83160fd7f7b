-- Who changed the station tree, when, and from what to what: a station created, its
-- profile edited, an outlet moved to another centre, a station deactivated or
-- reactivated. old and new hold the changed values (empty for a new station's old).
CREATE TABLE station_events (
    id          bigserial PRIMARY KEY,
    station_id  bigint NOT NULL REFERENCES stations(id),
    actor_id    bigint NOT NULL REFERENCES users(id),
    at          timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('created', 'edited', 'moved', 'deactivated', 'reactivated')),
    old         jsonb NOT NULL DEFAULT '{}',
    new         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX station_events_station_idx ON station_events (station_id, id);
CREATE TRIGGER station_events_append_only BEFORE UPDATE OR DELETE ON station_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER station_events_no_truncate BEFORE TRUNCATE ON station_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
