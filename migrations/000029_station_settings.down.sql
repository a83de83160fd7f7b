DROP FUNCTION station_fee_items(bigint);
DROP FUNCTION station_chain(bigint);
DROP TABLE station_settings_events;
DROP TABLE fee_item_overrides;

DELETE FROM calendar_days WHERE station_id <> (SELECT id FROM stations WHERE parent_id IS NULL ORDER BY id LIMIT 1);
ALTER TABLE calendar_days DROP CONSTRAINT calendar_days_pkey;
ALTER TABLE calendar_days DROP COLUMN station_id;
ALTER TABLE calendar_days ADD PRIMARY KEY (day);

CREATE TABLE settings (
    id                              integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    sla_urgent_contact_minutes      integer NOT NULL DEFAULT 60  CHECK (sla_urgent_contact_minutes > 0),
    sla_urgent_arrive_minutes       integer NOT NULL DEFAULT 240 CHECK (sla_urgent_arrive_minutes > 0),
    sla_normal_contact_workdays     integer NOT NULL DEFAULT 1   CHECK (sla_normal_contact_workdays > 0),
    sla_normal_arrive_workdays      integer NOT NULL DEFAULT 3   CHECK (sla_normal_arrive_workdays > 0),
    sla_repair_minutes              integer NOT NULL DEFAULT 120 CHECK (sla_repair_minutes > 0),
    repair_warranty_days            integer NOT NULL DEFAULT 90  CHECK (repair_warranty_days >= 0),
    callback_after_guidance_minutes integer NOT NULL DEFAULT 120 CHECK (callback_after_guidance_minutes > 0),
    callback_after_unsure_minutes   integer NOT NULL DEFAULT 180 CHECK (callback_after_unsure_minutes > 0),
    callback_after_repair_workdays  integer NOT NULL DEFAULT 3   CHECK (callback_after_repair_workdays > 0),
    callback_attempt_limit          integer NOT NULL DEFAULT 3   CHECK (callback_attempt_limit > 0),
    work_day_start                  time    NOT NULL DEFAULT '09:00',
    work_day_end                    time    NOT NULL DEFAULT '18:00',
    weekend                         integer[] NOT NULL DEFAULT '{0,6}',
    updated_at                      timestamptz NOT NULL DEFAULT now(),
    updated_by                      bigint REFERENCES users(id),
    callback_after_no_test_minutes  integer NOT NULL DEFAULT 120 CHECK (callback_after_no_test_minutes > 0),
    CHECK (work_day_start < work_day_end)
);
INSERT INTO settings DEFAULT VALUES;
UPDATE settings s SET
    sla_urgent_contact_minutes = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'sla_urgent_contact_minutes' AND v.station_id = h.id), s.sla_urgent_contact_minutes),
    sla_urgent_arrive_minutes = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'sla_urgent_arrive_minutes' AND v.station_id = h.id), s.sla_urgent_arrive_minutes),
    sla_normal_contact_workdays = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'sla_normal_contact_workdays' AND v.station_id = h.id), s.sla_normal_contact_workdays),
    sla_normal_arrive_workdays = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'sla_normal_arrive_workdays' AND v.station_id = h.id), s.sla_normal_arrive_workdays),
    sla_repair_minutes = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'sla_repair_minutes' AND v.station_id = h.id), s.sla_repair_minutes),
    repair_warranty_days = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'repair_warranty_days' AND v.station_id = h.id), s.repair_warranty_days),
    callback_after_guidance_minutes = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'callback_after_guidance_minutes' AND v.station_id = h.id), s.callback_after_guidance_minutes),
    callback_after_unsure_minutes = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'callback_after_unsure_minutes' AND v.station_id = h.id), s.callback_after_unsure_minutes),
    callback_after_repair_workdays = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'callback_after_repair_workdays' AND v.station_id = h.id), s.callback_after_repair_workdays),
    callback_attempt_limit = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'callback_attempt_limit' AND v.station_id = h.id), s.callback_attempt_limit),
    callback_after_no_test_minutes = coalesce((SELECT v.value::integer FROM station_settings v WHERE v.key = 'callback_after_no_test_minutes' AND v.station_id = h.id), s.callback_after_no_test_minutes),
    work_day_start = coalesce((SELECT split_part(v.value, '-', 1)::time FROM station_settings v WHERE v.key = 'work_hours' AND v.station_id = h.id), s.work_day_start),
    work_day_end = coalesce((SELECT split_part(v.value, '-', 2)::time FROM station_settings v WHERE v.key = 'work_hours' AND v.station_id = h.id), s.work_day_end),
    weekend = coalesce((SELECT string_to_array(v.value, ',')::integer[] FROM station_settings v WHERE v.key = 'weekend' AND v.station_id = h.id), s.weekend)
FROM (SELECT id FROM stations WHERE parent_id IS NULL ORDER BY id LIMIT 1) h;
DROP TABLE station_settings;
