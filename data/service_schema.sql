-- mailsift serve / worker: the PostgreSQL schema. Created at start when missing (idempotent).
-- Every table is prefixed `mailsift_` so the schema can share a database.

CREATE TABLE IF NOT EXISTS mailsift_keys (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    hash        TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the key; the key is never stored
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS mailsift_jobs (
    id                 TEXT PRIMARY KEY,
    key_id             BIGINT NOT NULL REFERENCES mailsift_keys(id),
    idempotency_key    TEXT,
    status             TEXT NOT NULL,          -- queued | running | completed | failed | cancelled
    total              BIGINT NOT NULL,
    processed          BIGINT NOT NULL DEFAULT 0,
    deliverable        BIGINT NOT NULL DEFAULT 0,
    risky              BIGINT NOT NULL DEFAULT 0,
    undeliverable      BIGINT NOT NULL DEFAULT 0,
    unknown            BIGINT NOT NULL DEFAULT 0,
    open_units         BIGINT NOT NULL,
    options            JSONB NOT NULL,
    callback_url       TEXT,
    callback_key       BYTEA,
    callback_attempts  INT NOT NULL DEFAULT 0,
    callback_status    TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at        TIMESTAMPTZ,
    UNIQUE (key_id, idempotency_key)
);

-- Work units: one job's addresses at one domain, claimed with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE IF NOT EXISTS mailsift_units (
    id           BIGSERIAL PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES mailsift_jobs(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    domain       TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued', -- queued | running | done
    worker       TEXT,
    lease_until  TIMESTAMPTZ,
    attempts     INT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS mailsift_units_open ON mailsift_units (id) WHERE state <> 'done';
CREATE INDEX IF NOT EXISTS mailsift_units_domain ON mailsift_units (domain) WHERE state <> 'done';

-- One row per input address, in input order; the result columns are filled by the workers.
CREATE TABLE IF NOT EXISTS mailsift_results (
    job_id   TEXT NOT NULL REFERENCES mailsift_jobs(id) ON DELETE CASCADE,
    row_no   BIGINT NOT NULL,
    email    TEXT NOT NULL,
    unit_id  BIGINT,
    verdict  TEXT,
    reason   TEXT,
    worker   TEXT,
    source   TEXT,
    record   JSONB,
    PRIMARY KEY (job_id, row_no)
);
CREATE INDEX IF NOT EXISTS mailsift_results_unit ON mailsift_results (unit_id);

-- One worker at a time per domain (and one unit of a domain at a time): the per-domain RCPT
-- rate holds across workers. After a unit, the domain is nobody's ('') for one RCPT interval.
CREATE TABLE IF NOT EXISTS mailsift_domain_leases (
    domain  TEXT PRIMARY KEY,
    worker  TEXT NOT NULL,
    until   TIMESTAMPTZ NOT NULL
);

-- Connection slots per mail server address, shared by every worker (--smtp-per-host).
CREATE TABLE IF NOT EXISTS mailsift_host_slots (
    ip      TEXT NOT NULL,
    slot    INT NOT NULL,
    worker  TEXT NOT NULL DEFAULT '',
    until   TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
    PRIMARY KEY (ip, slot)
);

-- What one worker found about a domain that the others need not ask again (the catch-all
-- status: its random-address probe). Facts older than a day are not used.
CREATE TABLE IF NOT EXISTS mailsift_domain_facts (
    domain      TEXT PRIMARY KEY,
    catch_all   BOOLEAN NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
