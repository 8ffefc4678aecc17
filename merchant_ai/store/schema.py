"""The store's schema as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations have run. A migration is appended, never edited
once released: a shop created by an older version is brought forward step by step (a backup is
taken first, by `Store.migrate`). Money columns are INTEGER fixed-point (see `merchant_ai.money`);
timestamps are ISO 8601 text: `created_at` as the export wrote it (offset kept when known),
`created_utc` normalised for sorting, `order_date` the shop-local calendar day used for buckets.
"""

from __future__ import annotations

MIGRATION_1 = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    counts TEXT NOT NULL DEFAULT '{}',        -- JSON: orders, order_lines, products, ...
    warnings TEXT NOT NULL DEFAULT '[]',      -- JSON list of strings
    status TEXT NOT NULL DEFAULT 'done'       -- done | undone
);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,                -- e.g. 'shopify', 'etsy', 'amazon', 'ebay', 'woocommerce', 'generic'
    platform TEXT NOT NULL,
    currency TEXT
);

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    lead_time_days REAL,                      -- NULL: use the shop default from settings
    order_cycle_days REAL,
    moq REAL,
    case_pack REAL
);

-- One row per master SKU (a variant is its own SKU; parent_sku groups variants of one product).
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    parent_sku TEXT,
    title TEXT,
    variant TEXT,
    vendor TEXT,
    supplier_id INTEGER REFERENCES suppliers(id),
    category TEXT,
    unit_cost INTEGER,                        -- NULL = unknown, never taken as zero
    list_price INTEGER,
    currency TEXT,
    status TEXT NOT NULL DEFAULT 'active',    -- active | draft | archived
    lead_time_days REAL,                      -- per-SKU overrides of the supplier's values
    moq REAL,
    case_pack REAL,
    import_id INTEGER REFERENCES imports(id)
);

-- A channel's own SKU (or listing id / title key) mapped to a master SKU.
CREATE TABLE sku_aliases (
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    channel_sku TEXT NOT NULL,
    sku TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, channel_sku)
);

CREATE TABLE inventory_levels (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    quantity REAL,                            -- on hand; may be negative (oversold)
    available REAL,
    incoming REAL,
    as_of TEXT NOT NULL,
    import_id INTEGER REFERENCES imports(id),
    UNIQUE (sku, location, as_of)
);

CREATE TABLE purchase_orders (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    quantity REAL NOT NULL,
    expected_at TEXT,
    supplier_id INTEGER REFERENCES suppliers(id),
    status TEXT NOT NULL DEFAULT 'open'       -- open | received | cancelled
);

-- Customers carry only a stable key; identities live in customer_contacts so they can be erased.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,                 -- external id ('17850') or pseudonymous keyed hash
    pseudonymous INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT,
    country TEXT,
    import_id INTEGER REFERENCES imports(id)
);

CREATE TABLE customer_contacts (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    phone TEXT,
    address TEXT,                             -- JSON
    accepts_marketing INTEGER
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    external_id TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers(id),
    created_at TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    order_date TEXT NOT NULL,
    currency TEXT,
    subtotal INTEGER,
    shipping INTEGER,
    tax INTEGER,
    discount INTEGER,
    total INTEGER,
    refunded INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'paid',      -- paid | pending | refunded | partially_refunded | cancelled
    import_id INTEGER REFERENCES imports(id),
    UNIQUE (channel_id, external_id)
);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_key TEXT NOT NULL,                   -- external line/transaction id, or position in the order
    sku TEXT,                                 -- master SKU
    channel_sku TEXT,
    title TEXT,
    quantity REAL NOT NULL,
    unit_price INTEGER,
    discount INTEGER NOT NULL DEFAULT 0,
    line_total INTEGER,                       -- quantity * unit_price - discount
    refunded_qty REAL NOT NULL DEFAULT 0,
    import_id INTEGER REFERENCES imports(id),
    UNIQUE (order_id, line_key)
);

-- Real fees and payouts carried by exports (Amazon settlements, eBay transactions, Etsy orders).
CREATE TABLE fees (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    order_external_id TEXT,
    sku TEXT,
    kind TEXT NOT NULL,                       -- 'Commission', 'FBAPerUnitFulfillmentFee', 'Final Value Fee', ...
    amount INTEGER NOT NULL,                  -- signed: a fee charged is negative, a reversal positive
    currency TEXT,
    posted_at TEXT,
    source_key TEXT NOT NULL,                 -- stable id of the source row, for idempotent re-import
    import_id INTEGER REFERENCES imports(id),
    UNIQUE (channel_id, source_key)
);

CREATE TABLE mapping_profiles (
    name TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,                    -- JSON {field: column}
    created_at TEXT NOT NULL
);

CREATE TABLE model_cache (
    key TEXT PRIMARY KEY,
    data_version INTEGER NOT NULL,
    payload BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX idx_orders_date ON orders(order_date);
CREATE INDEX idx_orders_customer ON orders(customer_id);
CREATE INDEX idx_lines_order ON order_lines(order_id);
CREATE INDEX idx_lines_sku ON order_lines(sku);
CREATE INDEX idx_inventory_sku ON inventory_levels(sku, as_of);
CREATE INDEX idx_fees_order ON fees(channel_id, order_external_id);
"""

# Undo of imports: every row an import changed or deleted keeps its before-image here (JSON of the
# whole row); rows it inserted are found by their import_id. sku_aliases gain an import_id so that
# aliases an import guessed can go with it (confirmed ones never do).
MIGRATION_2 = """
CREATE TABLE import_undo (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    table_name TEXT NOT NULL,                 -- orders | order_lines | products | customers | ...
    row_key TEXT NOT NULL,                    -- JSON of the row's key columns
    kind TEXT NOT NULL,                       -- 'updated' (restore) | 'deleted' (re-insert)
    before TEXT NOT NULL                      -- JSON {column: value} of the row before the import
);
CREATE INDEX idx_import_undo ON import_undo(import_id);
ALTER TABLE sku_aliases ADD COLUMN import_id INTEGER REFERENCES imports(id);
ALTER TABLE imports ADD COLUMN channel TEXT;
"""

# Order lines: the table's `UNIQUE (order_id, line_key)` constraint becomes a named unique index.
# An index behind a UNIQUE constraint cannot be dropped, so the importer had to maintain it row by
# row during a bulk insert; a named one is dropped and rebuilt once like the others (the rebuild
# checks uniqueness, inside the same transaction, so a duplicate still rolls the import back).
# `idx_lines_order` stays although the unique index starts with the same column: its entries run
# in (order_id, id) order, which the sales read (`ORDER BY o.order_date, o.id, l.id`) takes as
# is; with only (order_id, line_key) SQLite sorts every order's lines again (~15-25% slower on
# UCI). The table is rebuilt with the same columns in the same order, and its rows keep their ids.
MIGRATION_3 = """
CREATE TABLE order_lines_v3 (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_key TEXT NOT NULL,                   -- external line/transaction id, or position in the order
    sku TEXT,                                 -- master SKU
    channel_sku TEXT,
    title TEXT,
    quantity REAL NOT NULL,
    unit_price INTEGER,
    discount INTEGER NOT NULL DEFAULT 0,
    line_total INTEGER,                       -- quantity * unit_price - discount
    refunded_qty REAL NOT NULL DEFAULT 0,
    import_id INTEGER REFERENCES imports(id)
);
INSERT INTO order_lines_v3(id, order_id, line_key, sku, channel_sku, title, quantity, unit_price, discount,
                           line_total, refunded_qty, import_id)
    SELECT id, order_id, line_key, sku, channel_sku, title, quantity, unit_price, discount,
           line_total, refunded_qty, import_id FROM order_lines ORDER BY id;
DROP TABLE order_lines;
ALTER TABLE order_lines_v3 RENAME TO order_lines;
CREATE UNIQUE INDEX idx_lines_order_key ON order_lines(order_id, line_key);
CREATE INDEX idx_lines_order ON order_lines(order_id);
CREATE INDEX idx_lines_sku ON order_lines(sku);
"""

# Order lines lose their SKU index. No query looks lines up by SKU (the sales read scans them in
# order order; SKU matching goes by channel_sku), so the index only cost every import: a bulk
# import rebuilds it by sorting every line's text SKU (0.30-0.36 s CPU of a ~2 s UCI import, plus
# its pages in the encrypted commit and in every backup). What it served, the Data view's "Order
# lines" sorted by SKU, now sorts in memory: 0.13 -> 0.38 s on UCI's 530k lines, in the background.
MIGRATION_4 = """
DROP INDEX IF EXISTS idx_lines_sku;
"""

# Promotions and one-off events the owner flags (issue 4: "flagged by the user"). The forecast
# treats their periods like detected spikes: the baseline sees the usual level, and the backtest's
# recent errors leave them out. `sku` NULL flags the whole shop (a sitewide sale), which every
# series at every level sees; a SKU's flag applies to that SKU's series.
MIGRATION_5 = """
CREATE TABLE IF NOT EXISTS promotions (
    id INTEGER PRIMARY KEY,
    sku TEXT,                                 -- master SKU; NULL = the whole shop
    start_day TEXT NOT NULL,                  -- ISO dates, both included
    end_day TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (start_day <= end_day)
);
CREATE INDEX IF NOT EXISTS idx_promotions_sku ON promotions(sku);
"""

# A SKU's own order cycle (issue 4: "lead time and order cycle per supplier and per SKU"); NULL
# takes its supplier's, then the shop default, as lead time, MOQ and case pack already did.
MIGRATION_6 = """
ALTER TABLE products ADD COLUMN order_cycle_days REAL;
"""

# Order lines lose `idx_lines_order`: the unique (order_id, line_key) index finds an order's lines
# as well, and the sales read now puts each order's lines in id order itself (a stable sort of
# nearly sorted integers, ~0.02 s on UCI) instead of asking SQLite for `ORDER BY ..., l.id`. A bulk
# import then builds one index instead of two: ~0.1 s of a ~1.5 s UCI import, and the index's
# pages in every commit and backup.
MIGRATION_7 = """
DROP INDEX IF EXISTS idx_lines_order;
"""

# Each entry upgrades the schema by one version; index 0 brings an empty file to version 1.
MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5, MIGRATION_6, MIGRATION_7]

SCHEMA_VERSION = len(MIGRATIONS)
