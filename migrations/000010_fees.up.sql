-- Fees (费用) and settlement (结算), 002 §五 and 001 §三.5. Money is integer fen (分).

-- The fee schedule (收费标准), kept by the manager: the visit fee and labour items.
CREATE TABLE fee_items (
    id         bigserial PRIMARY KEY,
    code       text    NOT NULL UNIQUE CHECK (code <> ''),
    name       text    NOT NULL CHECK (name <> ''),
    kind       text    NOT NULL CHECK (kind IN ('visit', 'labour')),
    price_fen  bigint  NOT NULL CHECK (price_fen >= 0),
    active     boolean NOT NULL DEFAULT true,
    updated_by bigint  REFERENCES users(id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO fee_items (code, name, kind, price_fen) VALUES
    ('VISIT',  '上门费',   'visit',  10000),
    ('MAINT',  '常规保养', 'labour', 30000),
    ('REPAIR', '故障检修', 'labour', 20000),
    ('MAJOR',  '主机维修', 'labour', 80000);

-- An order's quote lines. Part lines come from the parts used at completion, at the
-- catalogue price of the day they were added; the visit line is added for on-site
-- orders. A line that is not chargeable (in warranty, repeat repair) is listed at zero.
-- Deleting a line marks it deleted (who, when): the quote's history stays.
CREATE TABLE order_fee_lines (
    id             bigserial PRIMARY KEY,
    order_id       bigint  NOT NULL REFERENCES work_orders(id),
    kind           text    NOT NULL CHECK (kind IN ('visit', 'labour', 'part')),
    fee_item_id    bigint  REFERENCES fee_items(id),
    part_id        bigint  REFERENCES parts(id),
    description    text    NOT NULL CHECK (description <> ''),
    quantity       integer NOT NULL CHECK (quantity > 0 AND quantity <= 10000),
    unit_price_fen bigint  NOT NULL CHECK (unit_price_fen >= 0),
    amount_fen     bigint  NOT NULL,
    chargeable     boolean NOT NULL,
    created_by     bigint  NOT NULL REFERENCES users(id),
    created_at     timestamptz NOT NULL,
    deleted_by     bigint  REFERENCES users(id),
    deleted_at     timestamptz,
    CHECK (amount_fen = CASE WHEN chargeable THEN quantity * unit_price_fen ELSE 0 END),
    CHECK ((kind = 'part') = (part_id IS NOT NULL)),
    CHECK (kind = 'part' OR fee_item_id IS NOT NULL),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
CREATE INDEX order_fee_lines_order_idx ON order_fee_lines (order_id, id);
-- At most one live line per part used.
CREATE UNIQUE INDEX order_fee_lines_part_idx ON order_fee_lines (order_id, part_id)
    WHERE part_id IS NOT NULL AND deleted_at IS NULL;

-- The customer's confirmation of the quote (报价确认): on the technician's tablet or by
-- the hotline on the phone. A changed quote may be confirmed again; the latest counts.
CREATE TABLE quote_confirmations (
    id            bigserial PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES work_orders(id),
    total_fen     bigint NOT NULL CHECK (total_fen >= 0),
    customer_name text   NOT NULL CHECK (customer_name <> ''),
    via           text   NOT NULL CHECK (via IN ('tablet', 'phone')),
    confirmed_by  bigint NOT NULL REFERENCES users(id),
    confirmed_at  timestamptz NOT NULL
);
CREATE INDEX quote_confirmations_order_idx ON quote_confirmations (order_id, id);

-- The settlement (结算): once per order.
CREATE TABLE settlements (
    id         bigserial PRIMARY KEY,
    order_id   bigint NOT NULL UNIQUE REFERENCES work_orders(id),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    method     text   NOT NULL CHECK (method IN ('cash', 'transfer', 'wechat', 'alipay', 'invoice_later')),
    receipt_no text   NOT NULL DEFAULT '',
    settled_by bigint NOT NULL REFERENCES users(id),
    settled_at timestamptz NOT NULL,
    CHECK (method = 'invoice_later' OR receipt_no <> '')
);
