-- Reverse of 0005_reserve_debits.sql: the function as 0003_contracts.sql installed it.
CREATE OR REPLACE FUNCTION enrollments_reserve_apply() RETURNS trigger AS $$
DECLARE
    entry record;
BEGIN
    SELECT l.kind, l.reserved_delta, a.certificate_id INTO entry
      FROM certificates_ledgerentry l JOIN certificates_certificateaccount a ON a.id = l.account_id
     WHERE l.id = NEW.ledger_entry_id;
    IF entry.certificate_id IS DISTINCT FROM (SELECT certificate_id FROM enrollments_enrollment WHERE id = NEW.enrollment_id) THEN
        RAISE EXCEPTION 'reserve row for enrollment % is on another certificate''s account', NEW.enrollment_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF entry.kind NOT IN ('RESERVE', 'RELEASE') OR entry.reserved_delta <> NEW.amount THEN
        RAISE EXCEPTION 'reserve row for enrollment % does not match its ledger entry', NEW.enrollment_id
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('enrollments.reserve_apply', 'on', true);
    UPDATE enrollments_enrollment SET reserve_remaining = reserve_remaining + NEW.amount WHERE id = NEW.enrollment_id;
    PERFORM set_config('enrollments.reserve_apply', 'off', true);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
