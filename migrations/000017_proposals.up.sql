-- Customer proposals (客户提案), 售后服务管理 客户提案处理制度: logged from a phone call,
-- email, letter or visit; decided by a supervisor or manager (采用 / 不予采用 / 保留, a
-- kept proposal decided within two months); every decision told to the customer.

-- Award levels (奖励等级) for adopted proposals, kept by the manager. Amounts are fen;
-- the rule's range is 1 000–50 000 元.
CREATE TABLE proposal_award_levels (
    id         bigserial PRIMARY KEY,
    name       text    NOT NULL UNIQUE CHECK (name <> ''),
    amount_fen bigint  NOT NULL CHECK (amount_fen BETWEEN 100000 AND 5000000),
    active     boolean NOT NULL DEFAULT true,
    updated_by bigint  REFERENCES users(id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO proposal_award_levels (name, amount_fen) VALUES
    ('三等奖', 100000),
    ('二等奖', 500000),
    ('一等奖', 2000000),
    ('特等奖', 5000000);

-- Per day, the last proposal number handed out (TA20261123-0001): taking a number locks
-- the row in the logging transaction, so numbers are unique in the installation.
CREATE TABLE proposal_counters (
    day  date    PRIMARY KEY,
    last integer NOT NULL
);

CREATE TABLE proposals (
    id            bigserial PRIMARY KEY,
    number        text   NOT NULL UNIQUE,
    station_id    bigint NOT NULL REFERENCES stations(id),
    customer_id   bigint NOT NULL REFERENCES customers(id),
    channel       text   NOT NULL CHECK (channel IN ('phone', 'email', 'letter', 'visit', 'other')),
    category      text   NOT NULL CHECK (category IN ('shopping_environment', 'product_quality', 'product_design',
                      'new_technology', 'new_materials', 'logistics_sales', 'after_sales', 'other')),
    content       text   NOT NULL CHECK (content <> ''),
    state         text   NOT NULL CHECK (state IN ('logged', 'adopted', 'rejected', 'kept')),
    version       integer NOT NULL DEFAULT 1,
    logged_by     bigint NOT NULL REFERENCES users(id),
    logged_at     timestamptz NOT NULL,
    -- the latest decision
    decided_by    bigint REFERENCES users(id),
    decided_at    timestamptz,
    -- 采用: the department it is handed to, the measures, the day they take effect and
    -- the award as it stood on the day (name and amount copied from the level).
    department    text,
    measures      text,
    effective_on  date,
    award_level_id bigint REFERENCES proposal_award_levels(id),
    award_name    text,
    award_fen     bigint CHECK (award_fen IS NULL OR award_fen BETWEEN 100000 AND 5000000),
    -- 保留: why, and the day it comes back (at most two months after the decision).
    keep_reason   text,
    review_on     date,
    -- 不予采用: why (optional; the customer is thanked either way).
    reject_reason text,
    -- The customer told of the latest decision: when, how, by whom. Cleared by the next
    -- decision, which must be told again.
    told_at       timestamptz,
    told_via      text CHECK (told_via IN ('phone', 'sms', 'email', 'letter', 'visit')),
    told_by       bigint REFERENCES users(id),
    told_note     text,
    CHECK ((state = 'logged') = (decided_at IS NULL)),
    CHECK ((decided_at IS NULL) = (decided_by IS NULL)),
    CHECK (state <> 'adopted' OR (department <> '' AND measures <> '' AND effective_on IS NOT NULL)),
    CHECK (state <> 'kept' OR (keep_reason <> '' AND review_on IS NOT NULL)),
    CHECK ((award_level_id IS NULL) = (award_fen IS NULL) AND (award_fen IS NULL) = (award_name IS NULL)),
    CHECK ((told_at IS NULL) = (told_by IS NULL) AND (told_at IS NULL) = (told_via IS NULL)),
    CHECK (told_at IS NULL OR state <> 'logged')
);
CREATE INDEX proposals_station_idx ON proposals (station_id, logged_at DESC, id DESC);
CREATE INDEX proposals_customer_idx ON proposals (customer_id, logged_at);
-- The to-do lists: undecided, kept, and decided but not told.
CREATE INDEX proposals_open_idx ON proposals (station_id, review_on) WHERE state IN ('logged', 'kept') OR told_at IS NULL;
CREATE INDEX proposals_content_trgm_idx ON proposals USING gin (content gin_trgm_ops);

-- What happened to each proposal, append-only: logged, each decision, each telling.
CREATE TABLE proposal_events (
    id          bigserial PRIMARY KEY,
    proposal_id bigint NOT NULL REFERENCES proposals(id),
    at          timestamptz NOT NULL,
    actor_id    bigint NOT NULL REFERENCES users(id),
    kind        text   NOT NULL CHECK (kind IN ('log', 'adopt', 'reject', 'keep', 'tell')),
    from_state  text,
    to_state    text   NOT NULL,
    data        jsonb  NOT NULL DEFAULT '{}'
);
CREATE INDEX proposal_events_proposal_idx ON proposal_events (proposal_id, id);

CREATE TRIGGER proposal_events_append_only BEFORE UPDATE OR DELETE ON proposal_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER proposal_events_no_truncate BEFORE TRUNCATE ON proposal_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
