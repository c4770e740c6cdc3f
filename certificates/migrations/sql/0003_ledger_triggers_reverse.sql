DROP TRIGGER IF EXISTS certificates_account_starts_empty ON certificates_certificateaccount;
DROP TRIGGER IF EXISTS certificates_account_totals_guard ON certificates_certificateaccount;
DROP TRIGGER IF EXISTS certificates_ledger_append_only ON certificates_ledgerentry;
DROP TRIGGER IF EXISTS certificates_ledger_apply ON certificates_ledgerentry;
DROP FUNCTION IF EXISTS certificates_account_starts_empty();
DROP FUNCTION IF EXISTS certificates_account_totals_guard();
DROP FUNCTION IF EXISTS certificates_ledger_append_only();
DROP FUNCTION IF EXISTS certificates_ledger_apply();
