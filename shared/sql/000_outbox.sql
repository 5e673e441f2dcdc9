-- Every service schema gets these tables before its own migrations.
--
-- outbox: events written in the same transaction as the change they
-- describe; the relay publishes unsent rows and stamps sent_at. Rows are
-- kept: hash-chained (hash = sha256 of the previous hash and the row), they
-- are the service's tamper-evident audit log of state changes.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,           -- per-source sequence
    event_id     uuid NOT NULL UNIQUE,
    type         text NOT NULL,                   -- "user.created"
    subject      text NOT NULL,                   -- aggregate id
    topic        text,                            -- NULL: the node's events topic
    msg_key      text NOT NULL,                   -- Kafka key
    schema_name  text,                            -- payload message type
    payload      bytea,                           -- NULL: tombstone
    actor_id     text,
    target_nodes text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- inbox: ids of events already applied by this service's consumers, written
-- in the same transaction as their effect, so redelivery changes nothing.
CREATE TABLE inbox (
    event_id    text PRIMARY KEY,
    topic       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
