-- The classification of a completed job's field work, after the air-compressor service
-- department's yearly breakdown: 安装后改造 (retrofit), 一年内换件 (part replaced within a
-- year), 有偿服务 (paid), 外厂免费维修 (free repair of another maker's unit), 用户使用不当
-- (misuse) and 售后服务 (ordinary after-sales service). The technician picks it when
-- completing; a supervisor or manager may correct it. Orders completed before have none.
ALTER TABLE work_orders
    ADD COLUMN field_class text
        CHECK (field_class IN ('retrofit', 'part_within_year', 'paid', 'other_make_free', 'misuse', 'after_sales'));

-- The breakdown counts orders by when they were completed, per station.
CREATE INDEX work_orders_completed_idx ON work_orders (station_id, completed_at) WHERE completed_at IS NOT NULL;
