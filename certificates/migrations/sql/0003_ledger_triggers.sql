-- The ledger is append-only, and it is the only writer of a certificate account's totals.
--
-- 1. Every inserted ledger row adds its deltas to its account in the same statement; the account's
--    CHECK constraints (totals >= 0, reserved + spent <= nominal) then refuse an overdraft, which
--    rolls the insert back with it.
-- 2. UPDATE and DELETE of ledger rows are refused: a correction is a new row.
-- 3. An account's totals cannot be changed except by (1): a direct UPDATE is refused.

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

CREATE OR REPLACE FUNCTION certificates_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'certificate ledger is append-only: % refused on entry %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER certificates_ledger_append_only
    BEFORE UPDATE OR DELETE ON certificates_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION certificates_ledger_append_only();

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

CREATE TRIGGER certificates_account_totals_guard
    BEFORE UPDATE ON certificates_certificateaccount
    FOR EACH ROW EXECUTE FUNCTION certificates_account_totals_guard();

-- A new account starts empty: its nominal arrives as an OPEN ledger entry.
CREATE OR REPLACE FUNCTION certificates_account_starts_empty() RETURNS trigger AS $$
BEGIN
    IF NEW.nominal <> 0 OR NEW.reserved <> 0 OR NEW.spent <> 0 THEN
        RAISE EXCEPTION 'a certificate account starts at zero; credit it with an OPEN ledger entry'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER certificates_account_starts_empty
    BEFORE INSERT ON certificates_certificateaccount
    FOR EACH ROW EXECUTE FUNCTION certificates_account_starts_empty();
