-- Photos and signatures of field reports. Stored in PostgreSQL so a report's files are
-- written in the same transaction as the report (a retry cannot half-save them) and
-- backed up with everything else; the attach.Store interface lets an S3-compatible
-- store replace this table later.
CREATE TABLE attachments (
    id           bigserial PRIMARY KEY,
    order_id     bigint NOT NULL REFERENCES work_orders(id),
    kind         text NOT NULL CHECK (kind IN ('photo', 'signature')),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size         integer NOT NULL CHECK (size > 0),
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    -- a small JPEG for lists and the report, made at upload
    thumb        bytea,
    created_by   bigint NOT NULL REFERENCES users(id),
    created_at   timestamptz NOT NULL
);
CREATE INDEX attachments_order_idx ON attachments (order_id, kind, id);
