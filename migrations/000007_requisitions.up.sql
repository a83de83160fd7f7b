-- Requisitions (领料申请) for a work order: requested → approved or rejected → issued.
CREATE TABLE requisitions (
    id            bigserial PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES work_orders(id),
    station_id    bigint NOT NULL REFERENCES stations(id),
    state         text NOT NULL CHECK (state IN ('requested', 'approved', 'rejected', 'issued')),
    version       integer NOT NULL DEFAULT 1,
    requested_by  bigint NOT NULL REFERENCES users(id),
    requested_at  timestamptz NOT NULL,
    note          text NOT NULL DEFAULT '',
    decided_by    bigint REFERENCES users(id),
    decided_at    timestamptz,
    reject_reason text NOT NULL DEFAULT '',
    issued_by     bigint REFERENCES users(id),
    issued_at     timestamptz,
    CHECK (state <> 'rejected' OR reject_reason <> ''),
    CHECK (state <> 'issued' OR issued_at IS NOT NULL)
);
CREATE INDEX requisitions_queue_idx ON requisitions (station_id, state, id);
CREATE INDEX requisitions_order_idx ON requisitions (order_id);

CREATE TABLE requisition_lines (
    id             bigserial PRIMARY KEY,
    requisition_id bigint NOT NULL REFERENCES requisitions(id),
    part_id        bigint NOT NULL REFERENCES parts(id),
    quantity       integer NOT NULL CHECK (quantity > 0),
    issued         integer NOT NULL DEFAULT 0 CHECK (issued >= 0),
    returned       integer NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= issued),
    UNIQUE (requisition_id, part_id)
);

-- Parts the technician recorded as used on completion: only parts issued to the order.
CREATE TABLE order_parts_used (
    order_id bigint NOT NULL REFERENCES work_orders(id),
    part_id  bigint NOT NULL REFERENCES parts(id),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, part_id)
);
