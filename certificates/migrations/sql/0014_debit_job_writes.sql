-- The ledger's idempotency keys are looked up by equality only (the unique index serves that); the
-- pattern index Django adds to a unique CharField for LIKE 'prefix%' is never used, and every ledger
-- row the debit job writes paid for it.
DROP INDEX IF EXISTS certificates_ledgerentry_idempotency_key_412af0b3_like;
