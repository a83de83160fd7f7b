-- Loaner units (备用机): units the station owns and lends to a customer while theirs is
-- repaired, each loan tied to an order.
CREATE TABLE loaners (
    id         bigserial PRIMARY KEY,
    station_id bigint NOT NULL REFERENCES stations(id),
    model      text NOT NULL,
    serial     text NOT NULL,
    condition  text NOT NULL DEFAULT '',
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    UNIQUE (station_id, serial)
);

CREATE TABLE loaner_loans (
    id               bigserial PRIMARY KEY,
    loaner_id        bigint NOT NULL REFERENCES loaners(id),
    order_id         bigint NOT NULL REFERENCES work_orders(id),
    lent_on          date NOT NULL,
    expected_return  date NOT NULL,
    lent_condition   text NOT NULL DEFAULT '',
    lent_by          bigint NOT NULL REFERENCES users(id),
    lent_at          timestamptz NOT NULL,
    returned_on      date,
    return_condition text NOT NULL DEFAULT '',
    returned_by      bigint REFERENCES users(id),
    returned_at      timestamptz,
    CHECK (expected_return >= lent_on),
    CHECK ((returned_at IS NULL) = (returned_by IS NULL))
);
-- A loaner is out on at most one loan.
CREATE UNIQUE INDEX loaner_loans_open_idx ON loaner_loans (loaner_id) WHERE returned_at IS NULL;
CREATE INDEX loaner_loans_order_idx ON loaner_loans (order_id);

-- Who added, lent or took back a loaner, and when: append-only.
CREATE TABLE loaner_events (
    id        bigserial PRIMARY KEY,
    loaner_id bigint NOT NULL REFERENCES loaners(id),
    loan_id   bigint REFERENCES loaner_loans(id),
    step      text NOT NULL CHECK (step IN ('add', 'lend', 'return')),
    actor_id  bigint NOT NULL REFERENCES users(id),
    at        timestamptz NOT NULL,
    note      text NOT NULL DEFAULT ''
);
CREATE TRIGGER loaner_events_append_only BEFORE UPDATE OR DELETE ON loaner_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
