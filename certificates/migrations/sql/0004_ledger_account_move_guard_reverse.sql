-- Reverse of 0004_ledger_account_move_guard.sql: the guard as 0003_ledger_triggers.sql installed it.

CREATE OR REPLACE FUNCTION certificates_account_totals_guard() RETURNS trigger AS $$
BEGIN
    IF (NEW.nominal, NEW.reserved, NEW.spent) IS DISTINCT FROM (OLD.nominal, OLD.reserved, OLD.spent)
       AND coalesce(current_setting('certificates.ledger_apply', true), 'off') <> 'on' THEN
        RAISE EXCEPTION 'certificate account % totals change only through the ledger', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
