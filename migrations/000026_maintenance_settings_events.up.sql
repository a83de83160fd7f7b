-- Who changed a station's maintenance days ahead, when, and from what to what. old_days
-- is null when the station had no setting of its own, new_days null when its own
-- setting was removed and it inherits again.
CREATE TABLE maintenance_settings_events (
    id          bigserial PRIMARY KEY,
    station_id  bigint NOT NULL REFERENCES stations(id),
    actor_id    bigint NOT NULL REFERENCES users(id),
    at          timestamptz NOT NULL,
    old_days    integer,
    new_days    integer
);
CREATE INDEX maintenance_settings_events_station_idx ON maintenance_settings_events (station_id, id);
