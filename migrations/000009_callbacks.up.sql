-- Callback attempts (回访记录): every call, reached or not; a reached one carries the
-- survey of 003 售后服务评价表 (1 = 非常不满意 … 5 = 非常满意).
CREATE TABLE callback_attempts (
    id         bigserial PRIMARY KEY,
    order_id   bigint NOT NULL REFERENCES work_orders(id),
    outcome    text NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'refused')),
    attitude   integer CHECK (attitude BETWEEN 1 AND 5),
    timeliness integer CHECK (timeliness BETWEEN 1 AND 5),
    quality    integer CHECK (quality BETWEEN 1 AND 5),
    overall    integer CHECK (overall BETWEEN 1 AND 5),
    satisfied  boolean,
    comments   text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT '',
    by_user    bigint NOT NULL REFERENCES users(id),
    at         timestamptz NOT NULL,
    CHECK (outcome <> 'reached' OR (attitude IS NOT NULL AND timeliness IS NOT NULL AND quality IS NOT NULL
        AND overall IS NOT NULL AND satisfied IS NOT NULL))
);
CREATE INDEX callback_attempts_order_idx ON callback_attempts (order_id, id);
CREATE INDEX callback_attempts_at_idx ON callback_attempts (at) WHERE outcome = 'reached';
CREATE TRIGGER callback_attempts_append_only BEFORE UPDATE OR DELETE ON callback_attempts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
