-- Reverse of 0014_debit_job_writes.sql: the pattern index as Django made it.
CREATE INDEX IF NOT EXISTS certificates_ledgerentry_idempotency_key_412af0b3_like
    ON certificates_ledgerentry (idempotency_key varchar_pattern_ops);
