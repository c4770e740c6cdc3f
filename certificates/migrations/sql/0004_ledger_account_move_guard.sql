-- Rule 3 of 0003_ledger_triggers.sql, extended: an account's totals cannot be changed except through
-- the ledger, and an account never moves to another certificate or period (that would move money
-- between children or years). This guards against application mistakes; a session with raw SQL
-- access could still set the flag itself, which only database role permissions can prevent.
-- The trigger of 0003 calls this function by name, so replacing the function is enough.

CREATE OR REPLACE FUNCTION certificates_account_totals_guard() RETURNS trigger AS $$
BEGIN
    IF (NEW.certificate_id, NEW.period_id) IS DISTINCT FROM (OLD.certificate_id, OLD.period_id) THEN
        RAISE EXCEPTION 'certificate account % cannot move to another certificate or period', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.nominal, NEW.reserved, NEW.spent) IS DISTINCT FROM (OLD.nominal, OLD.reserved, OLD.spent)
       AND coalesce(current_setting('certificates.ledger_apply', true), 'off') <> 'on' THEN
        RAISE EXCEPTION 'certificate account % totals change only through the ledger', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
