-- What the intake's lookup and the archive's search box match: name, contact, phones
-- (digits as typed and as E.164), addresses, unit serials and models. Kept by the service.
ALTER TABLE customers ADD COLUMN search text NOT NULL DEFAULT '';
-- fastupdate off: no pending list to scan between autovacuum runs (intake writes are few,
-- lookups are many and must stay fast).
CREATE INDEX customers_search_idx ON customers USING gin (search gin_trgm_ops) WITH (fastupdate = off);

-- History of edits to a customer (who changed what, when).
CREATE TABLE customer_events (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id),
    actor_id    bigint NOT NULL REFERENCES users(id),
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX customer_events_customer_idx ON customer_events (customer_id, id);
CREATE TRIGGER customer_events_append_only BEFORE UPDATE OR DELETE ON customer_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

UPDATE customers c SET search = concat_ws(' ', c.name, c.contact_person,
    (SELECT string_agg(regexp_replace(p.raw, '\D', '', 'g') || ' ' || substr(p.e164, 2), ' ') FROM customer_phones p WHERE p.customer_id = c.id),
    (SELECT string_agg(a.address, ' ') FROM customer_addresses a WHERE a.customer_id = c.id),
    (SELECT string_agg(u.serial || ' ' || u.model, ' ') FROM units u WHERE u.customer_id = c.id));
