#!/usr/bin/env bash
# The quick start: on a fresh machine, install and start two local PostgreSQL clusters, fill the
# source with a sample shop database, then run validate, init --enable-sync, status and verify
# against it while the source keeps taking writes. Safe to run again: it starts from scratch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "install and build"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent

step "start PostgreSQL source (:55432) and target (:55433)"
bash test/services/run up postgres
eval "$(bash test/services/run env postgres)"

db=demo_shop
state_dir=.work/demo-state
export PGPASSWORD=postgres # local test clusters only; the CLI itself takes URLs from DR_* variables
src=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55432 -U postgres)
tgt=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55433 -U postgres)

step "reset the demo databases"
"${tgt[@]}" -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 &&
  "${tgt[@]}" -d "$db" -c "
    DO \$\$ DECLARE s record; BEGIN
      FOR s IN SELECT subname FROM pg_subscription LOOP
        EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', s.subname);
        EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', s.subname);
        EXECUTE format('DROP SUBSCRIPTION %I', s.subname);
      END LOOP; END \$\$;"
"${src[@]}" -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$db' AND NOT active"
"${src[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
"${tgt[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
rm -rf "$state_dir"

step "fill the source with a sample shop (100,000 orders)"
"${src[@]}" -d "$db" <<'SQL'
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, status text NOT NULL,
  total numeric(12,2) NOT NULL, attributes jsonb, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE order_items (order_id bigint REFERENCES orders ON DELETE CASCADE, line int, sku varchar(16), qty int,
  PRIMARY KEY (order_id, line));
CREATE INDEX ON orders (customer_id);
INSERT INTO customers (email, name, created_at)
  SELECT 'user' || g || '@example.com', 'Customer ' || g, now() - g * interval '1 minute' FROM generate_series(1, 10000) g;
INSERT INTO orders (customer_id, status, total, attributes, created_at)
  SELECT 1 + g % 10000, (ARRAY['new','paid','shipped'])[1 + g % 3], (g % 100000) / 100.0,
         jsonb_build_object('gift', g % 7 = 0, 'tags', jsonb_build_array('t' || g % 5)), now() - g * interval '1 second'
    FROM generate_series(1, 100000) g;
INSERT INTO order_items SELECT o, l, 'SKU-' || (o * l) % 5000, 1 + l FROM generate_series(1, 100000) o, generate_series(1, 2) l;
ANALYZE;
SQL

export DR_SOURCE_URL="postgresql://postgres:postgres@127.0.0.1:55432/$db"
export DR_TARGET_URL="postgresql://postgres:postgres@127.0.0.1:55433/$db"
cli=(node services/cli/bin/database-replicator.js)

step "validate"
"${cli[@]}" validate

step "init --enable-sync (the source keeps taking writes meanwhile)"
"${src[@]}" -d "$db" -c "
  DO \$\$ BEGIN FOR i IN 1..200 LOOP
    INSERT INTO orders (customer_id, status, total) VALUES (1 + i, 'new', i);
    UPDATE orders SET status = 'paid' WHERE id = i * 3;
    DELETE FROM order_items WHERE order_id = i * 5;
    PERFORM pg_sleep(0.01); COMMIT;
  END LOOP; END \$\$;" &
writer=$!
"${cli[@]}" init --enable-sync -y --jobs 2 --state-dir "$state_dir"
wait "$writer"

step "a change after init, then status"
"${src[@]}" -d "$db" -c "UPDATE customers SET name = 'Renamed after init' WHERE id = 1"
sleep 2
"${cli[@]}" status

step "verify"
"${cli[@]}" verify

printf '\nDone. Source and target are in sync and stay in sync; try:\n'
printf '  DR_SOURCE_URL=%s DR_TARGET_URL=%s npx database-replicator status --watch\n' \
  "postgresql://postgres:***@127.0.0.1:55432/$db" "postgresql://postgres:***@127.0.0.1:55433/$db"
