-- The ledger is read by account through (account_id, created_at); the index on the account alone only
-- cost every ledger row the debit job writes one more index entry.
DROP INDEX IF EXISTS certificates_ledgerentry_account_id_2f49c5e1;
-- Idempotency keys are looked up by equality only (the unique index serves that); the pattern index
-- Django adds to a unique CharField for LIKE 'prefix%' is never used.
DROP INDEX IF EXISTS certificates_ledgerentry_idempotency_key_412af0b3_like;
