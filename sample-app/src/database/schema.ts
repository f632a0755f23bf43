import type Database from 'better-sqlite3';

/**
 * The schema, created on start (idempotent). Two sides:
 * - the write model (`users`, `orders`, `order_items`), changed only by command handlers;
 * - the read model (`user_summaries`, `order_summaries`), kept up to date by event handlers
 *   (`read-model/`) in the same transaction as the command that published the events, and the
 *   only thing query handlers read;
 * - `order_audit_log`, appended to by another handler of the same order events.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  user_id    TEXT PRIMARY KEY,
  email      TEXT NOT NULL,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
  order_id    TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (user_id),
  status      TEXT NOT NULL CHECK (status IN ('placed', 'cancelled')),
  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
  created_at  TEXT NOT NULL
);

-- One line per SKU: an order listing a SKU twice violates the primary key.
CREATE TABLE IF NOT EXISTS order_items (
  order_id    TEXT NOT NULL REFERENCES orders (order_id),
  sku         TEXT NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (order_id, sku)
);

CREATE TABLE IF NOT EXISTS user_summaries (
  user_id     TEXT PRIMARY KEY,
  email       TEXT NOT NULL,
  name        TEXT NOT NULL,
  order_count INTEGER NOT NULL DEFAULT 0,
  total_cents INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS order_summaries (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id    TEXT NOT NULL UNIQUE,
  user_id     TEXT NOT NULL,
  total_cents INTEGER NOT NULL,
  status      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_summaries_by_user ON order_summaries (user_id, seq);

CREATE TABLE IF NOT EXISTS order_audit_log (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id       TEXT NOT NULL,
  user_id        TEXT NOT NULL,
  event          TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id   TEXT,
  recorded_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_audit_log_by_order ON order_audit_log (order_id, seq);
`;

/** Creates the tables that do not exist yet. */
export function createSchema(db: Database.Database): void {
  db.exec(SCHEMA);
}
