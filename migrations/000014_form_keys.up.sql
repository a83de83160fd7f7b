-- One-time form keys: a form posted twice (a double click, a retried request) takes
-- effect once; the second post finds its key here and gets the first result back.
CREATE TABLE form_keys (
    user_id bigint NOT NULL REFERENCES users(id),
    key     text   NOT NULL CHECK (length(key) BETWEEN 8 AND 64),
    at      timestamptz NOT NULL,
    -- what the first post made (a requisition, a receipt…), when it made one
    ref     bigint,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX form_keys_at_idx ON form_keys (at);
