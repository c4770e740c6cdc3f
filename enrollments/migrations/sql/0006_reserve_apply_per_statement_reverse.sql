-- Reverse of 0006_reserve_apply_per_statement.sql: the row trigger with the function as 0005_reserve_debits.sql made it.
DROP TRIGGER enrollments_reserve_apply ON enrollments_reserveentry;

CREATE OR REPLACE FUNCTION enrollments_reserve_apply() RETURNS trigger AS $$
DECLARE
    entry record;
    contract record;
BEGIN
    SELECT l.kind, l.reserved_delta, a.certificate_id, a.period_id INTO entry
      FROM certificates_ledgerentry l JOIN certificates_certificateaccount a ON a.id = l.account_id
     WHERE l.id = NEW.ledger_entry_id;
    SELECT certificate_id, period_id INTO contract FROM enrollments_enrollment WHERE id = NEW.enrollment_id;
    IF entry.certificate_id IS DISTINCT FROM contract.certificate_id THEN
        RAISE EXCEPTION 'reserve row for enrollment % is on another certificate''s account', NEW.enrollment_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF entry.kind NOT IN ('RESERVE', 'RELEASE', 'DEBIT') OR entry.reserved_delta <> NEW.amount THEN
        RAISE EXCEPTION 'reserve row for enrollment % does not match its ledger entry', NEW.enrollment_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF entry.kind = 'DEBIT' AND entry.period_id IS DISTINCT FROM contract.period_id THEN
        RAISE EXCEPTION 'reserve row for enrollment % spends from another period''s account', NEW.enrollment_id
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('enrollments.reserve_apply', 'on', true);
    UPDATE enrollments_enrollment SET reserve_remaining = reserve_remaining + NEW.amount WHERE id = NEW.enrollment_id;
    PERFORM set_config('enrollments.reserve_apply', 'off', true);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER enrollments_reserve_apply
    BEFORE INSERT ON enrollments_reserveentry
    FOR EACH ROW EXECUTE FUNCTION enrollments_reserve_apply();
