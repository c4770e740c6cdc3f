-- A contract's reserve is spent by the debit job: a DEBIT ledger entry that takes part of the
-- certificate amount from the reserve (reserved_delta < 0) has a reserve row of the contract, as
-- RESERVE and RELEASE entries do. Rule 1 of 0003_contracts.sql, extended to DEBIT entries (which must
-- be on the account of the contract's own period, where its reserve is); the trigger of 0003 calls
-- this function by name, so replacing the function is enough. The CHECK reserve_remaining >= 0 still
-- refuses spending more than the contract has.
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
