-- Customers online: signed links on QR labels and progress pages, reports sent from a
-- label, surveys filled online, and the outbox of messages to customers.

-- The secret that signs links (labels, progress pages), made once and shared by every
-- process.
CREATE TABLE link_keys (
    purpose    text PRIMARY KEY CHECK (purpose IN ('links')),
    secret     bytea NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL
);

-- A unit's QR label: the generation its link is signed with, for units whose label was
-- revoked (a unit without a row has generation 1). A label of an older generation no
-- longer works; revoking issues the next generation.
CREATE TABLE unit_labels (
    unit_id    bigint PRIMARY KEY REFERENCES units(id),
    generation integer NOT NULL CHECK (generation >= 2),
    revoked_at timestamptz NOT NULL,
    revoked_by bigint NOT NULL REFERENCES users(id)
);

-- Reports and notes sent from a label (扫码报修), counted for the hourly limits per unit
-- and per network address.
CREATE TABLE self_reports (
    id       bigserial PRIMARY KEY,
    unit_id  bigint NOT NULL REFERENCES units(id),
    addr     text NOT NULL CHECK (length(addr) <= 64),
    order_id bigint NOT NULL REFERENCES work_orders(id),
    kind     text NOT NULL CHECK (kind IN ('report', 'note')),
    -- form_key is the sending form's one-time key: a form sent twice counts once.
    form_key text NOT NULL UNIQUE CHECK (length(form_key) <= 80),
    at       timestamptz NOT NULL
);
CREATE INDEX self_reports_unit_idx ON self_reports (unit_id, at);
CREATE INDEX self_reports_addr_idx ON self_reports (addr, at);

-- A callback's channel: a call by the hotline, or the survey filled online (在线).
ALTER TABLE callback_attempts ADD COLUMN channel text NOT NULL DEFAULT 'phone' CHECK (channel IN ('phone', 'online'));

-- Messages to customers, written in the transaction of the order event they tell of and
-- delivered by the sender loop: each claimed by one sender (FOR UPDATE SKIP LOCKED),
-- retried with back-off, failed after the last attempt.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES work_orders(id),
    kind          text NOT NULL CHECK (kind IN ('received', 'appointment', 'on_site', 'completed', 'survey', 'progress_link')),
    recipient     text NOT NULL CHECK (recipient <> ''),
    params        jsonb NOT NULL DEFAULT '{}',
    state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    next_at       timestamptz NOT NULL,
    claimed_until timestamptz,
    sent_at       timestamptz,
    last_error    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
CREATE INDEX outbox_due_idx ON outbox (next_at, id) WHERE state = 'pending';
CREATE INDEX outbox_order_idx ON outbox (order_id, id);
CREATE INDEX outbox_state_idx ON outbox (state, id) WHERE state <> 'sent';
