-- Reverse of 0009_ledger_apply_per_statement.sql: the row trigger as 0003_ledger_triggers.sql made it.
DROP TRIGGER certificates_ledger_apply ON certificates_ledgerentry;

CREATE OR REPLACE FUNCTION certificates_ledger_apply() RETURNS trigger AS $$
BEGIN
    PERFORM set_config('certificates.ledger_apply', 'on', true);
    UPDATE certificates_certificateaccount
       SET nominal = nominal + NEW.nominal_delta,
           reserved = reserved + NEW.reserved_delta,
           spent = spent + NEW.spent_delta
     WHERE id = NEW.account_id;
    PERFORM set_config('certificates.ledger_apply', 'off', true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER certificates_ledger_apply
    AFTER INSERT ON certificates_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION certificates_ledger_apply();
