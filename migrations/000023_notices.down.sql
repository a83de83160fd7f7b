DROP TABLE notice_events;
DROP TABLE notice_units;
DROP TABLE notice_files;
DROP TABLE notices;
DROP TABLE notice_counters;
