-- Reverse of 0014_debit_job_indexes.sql: the indexes as Django made them.
CREATE INDEX IF NOT EXISTS certificates_ledgerentry_account_id_2f49c5e1 ON certificates_ledgerentry (account_id);
CREATE INDEX IF NOT EXISTS certificates_ledgerentry_idempotency_key_412af0b3_like
    ON certificates_ledgerentry (idempotency_key varchar_pattern_ops);
