DROP TABLE station_events;
