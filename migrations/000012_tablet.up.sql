-- Photos and signatures of a completion form that was refused, kept for the form's retry
-- so the technician does not pick them again. Each row belongs to one order, one user and
-- one form (the form's one-time key); only that user sees it, and only for that order. A
-- successful completion turns the kept rows into attachments and deletes the order's
-- staged rows in the same transaction; rows older than a day are purged (created_at).
CREATE TABLE staged_uploads (
    id           bigserial PRIMARY KEY,
    order_id     bigint NOT NULL REFERENCES work_orders(id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users(id),
    form_key     text NOT NULL CHECK (length(form_key) BETWEEN 1 AND 64),
    kind         text NOT NULL CHECK (kind IN ('photo', 'signature')),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    -- the same limits as uploads: 8 MB a photo, 1 MB a signature
    size         integer NOT NULL CHECK (size > 0 AND size <= CASE kind WHEN 'signature' THEN 1048576 ELSE 8388608 END),
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    thumb        bytea,
    created_at   timestamptz NOT NULL
);
-- The same file staged twice for one form (a double submit) is one row.
CREATE UNIQUE INDEX staged_uploads_form_idx ON staged_uploads (order_id, user_id, form_key, kind, sha256);
CREATE INDEX staged_uploads_created_idx ON staged_uploads (created_at);

-- 我的工单's 已完成 tab: a technician's completions, newest first.
CREATE INDEX work_orders_assignee_completed_idx ON work_orders (assignee_id, completed_at DESC)
    WHERE assignee_id IS NOT NULL AND completed_at IS NOT NULL;
