-- Settings per station, inherited down the tree (总部 → 中心 → 网点). Headquarters holds
-- the full set; a centre or an outlet keeps only the values it overrides, one row per
-- value. The nearest station up the tree that has a value wins; the service falls back
-- to the built-in defaults for a value headquarters has never stored.
CREATE TABLE station_settings (
    station_id bigint NOT NULL REFERENCES stations(id),
    key        text   NOT NULL CHECK (key IN ('sla_urgent_contact_minutes', 'sla_urgent_arrive_minutes',
                   'sla_normal_contact_workdays', 'sla_normal_arrive_workdays', 'sla_repair_minutes', 'repair_warranty_days',
                   'callback_after_guidance_minutes', 'callback_after_no_test_minutes', 'callback_after_unsure_minutes',
                   'callback_after_repair_workdays', 'callback_attempt_limit', 'work_hours', 'weekend')),
    -- whole numbers as digits; work_hours as 09:00-18:00; weekend as days of the week 0,6
    value      text   NOT NULL,
    updated_by bigint REFERENCES users(id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, key)
);

INSERT INTO station_settings (station_id, key, value, updated_by, updated_at)
SELECT h.id, kv.key, kv.value, s.updated_by, s.updated_at
FROM settings s
CROSS JOIN (SELECT id FROM stations WHERE parent_id IS NULL ORDER BY id LIMIT 1) h
CROSS JOIN LATERAL (VALUES
    ('sla_urgent_contact_minutes', s.sla_urgent_contact_minutes::text),
    ('sla_urgent_arrive_minutes', s.sla_urgent_arrive_minutes::text),
    ('sla_normal_contact_workdays', s.sla_normal_contact_workdays::text),
    ('sla_normal_arrive_workdays', s.sla_normal_arrive_workdays::text),
    ('sla_repair_minutes', s.sla_repair_minutes::text),
    ('repair_warranty_days', s.repair_warranty_days::text),
    ('callback_after_guidance_minutes', s.callback_after_guidance_minutes::text),
    ('callback_after_no_test_minutes', s.callback_after_no_test_minutes::text),
    ('callback_after_unsure_minutes', s.callback_after_unsure_minutes::text),
    ('callback_after_repair_workdays', s.callback_after_repair_workdays::text),
    ('callback_attempt_limit', s.callback_attempt_limit::text),
    ('work_hours', to_char(s.work_day_start, 'HH24:MI') || '-' || to_char(s.work_day_end, 'HH24:MI')),
    ('weekend', array_to_string(s.weekend, ','))) kv(key, value);

DROP TABLE settings;

-- A station's holidays and adjusted working days add to its ancestors'; for a day both
-- list, the nearest station's kind wins.
ALTER TABLE calendar_days ADD COLUMN station_id bigint REFERENCES stations(id);
UPDATE calendar_days SET station_id = (SELECT id FROM stations WHERE parent_id IS NULL ORDER BY id LIMIT 1);
DELETE FROM calendar_days WHERE station_id IS NULL;
ALTER TABLE calendar_days ALTER COLUMN station_id SET NOT NULL;
ALTER TABLE calendar_days DROP CONSTRAINT calendar_days_pkey;
ALTER TABLE calendar_days ADD PRIMARY KEY (station_id, day);

-- The fee schedule's items belong to headquarters; a centre or an outlet may set its own
-- price of an item or take it off its own schedule. Null: the value is inherited.
CREATE TABLE fee_item_overrides (
    station_id  bigint  NOT NULL REFERENCES stations(id),
    fee_item_id bigint  NOT NULL REFERENCES fee_items(id),
    price_fen   bigint  CHECK (price_fen >= 0),
    active      boolean,
    updated_by  bigint  NOT NULL REFERENCES users(id),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (station_id, fee_item_id),
    CHECK (price_fen IS NOT NULL OR active IS NOT NULL)
);

-- Who changed which setting of which station, when, from what to what (append-only).
-- key is a setting's key, 'calendar' for the business calendar, or 'fee:CODE' for an
-- item of the fee schedule; old_value and new_value are the values in effect at the
-- station before and after; reset says the station's own value was removed.
CREATE TABLE station_settings_events (
    id         bigserial PRIMARY KEY,
    station_id bigint NOT NULL REFERENCES stations(id),
    actor_id   bigint NOT NULL REFERENCES users(id),
    at         timestamptz NOT NULL,
    key        text   NOT NULL,
    old_value  text   NOT NULL DEFAULT '',
    new_value  text   NOT NULL DEFAULT '',
    reset      boolean NOT NULL DEFAULT false
);
CREATE INDEX station_settings_events_station_idx ON station_settings_events (station_id, id DESC);
CREATE TRIGGER station_settings_events_append_only BEFORE UPDATE OR DELETE ON station_settings_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER station_settings_events_no_truncate BEFORE TRUNCATE ON station_settings_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A station and the stations above it, nearest first (depth 0 is the station).
CREATE FUNCTION station_chain(start bigint) RETURNS TABLE (station_id bigint, depth integer)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM stations WHERE id = start
        UNION ALL SELECT s.id, s.parent_id, up.depth + 1 FROM stations s JOIN up ON s.id = up.parent_id)
    SELECT id, depth FROM up
$$;

-- The fee schedule as a station uses it: each item's price and active flag from the
-- nearest override, else headquarters' item. An item headquarters took off the schedule
-- is off everywhere. price_from and active_from name the overriding station (null:
-- headquarters' value).
CREATE FUNCTION station_fee_items(station bigint) RETURNS TABLE (id bigint, code text, name text, kind text,
    price_fen bigint, active boolean, base_price_fen bigint, price_from bigint, active_from bigint,
    updated_by bigint, updated_at timestamptz)
LANGUAGE sql STABLE AS $$
    WITH c AS MATERIALIZED (SELECT station_id, depth FROM station_chain(station))
    SELECT i.id, i.code, i.name, i.kind, coalesce(p.price_fen, i.price_fen), i.active AND coalesce(a.active, true),
        i.price_fen, p.station_id, a.station_id, coalesce(p.updated_by, a.updated_by, i.updated_by),
        greatest(i.updated_at, p.updated_at, a.updated_at)
    FROM fee_items i
    LEFT JOIN LATERAL (SELECT o.price_fen, o.station_id, o.updated_by, o.updated_at FROM fee_item_overrides o
        JOIN c ON c.station_id = o.station_id WHERE o.fee_item_id = i.id AND o.price_fen IS NOT NULL
        ORDER BY c.depth LIMIT 1) p ON true
    LEFT JOIN LATERAL (SELECT o.active, o.station_id, o.updated_by, o.updated_at FROM fee_item_overrides o
        JOIN c ON c.station_id = o.station_id WHERE o.fee_item_id = i.id AND o.active IS NOT NULL
        ORDER BY c.depth LIMIT 1) a ON true
$$;
