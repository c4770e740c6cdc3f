-- Contracts and their money, made right by the database.
--
-- Existing rows first: a reserve row's amount is its ledger entry's reserved_delta, a contract's
-- remaining reserve the sum of its rows, and a contract in force was accepted by its applicant.
UPDATE enrollments_reserveentry r
   SET amount = l.reserved_delta
  FROM certificates_ledgerentry l
 WHERE l.id = r.ledger_entry_id;
UPDATE enrollments_enrollment e
   SET reserve_remaining = coalesce((SELECT sum(amount) FROM enrollments_reserveentry r WHERE r.enrollment_id = e.id), 0);
UPDATE enrollments_enrollment
   SET accepted_by_id = applicant_id, accepted_at = coalesce(accepted_at, status_changed_at)
 WHERE status IN ('ACTIVE', 'TERMINATED') AND accepted_by_id IS NULL;

-- 1. A reserve row belongs to one contract: its ledger entry is a RESERVE or RELEASE on an account of
--    that contract's certificate, for the row's amount. Inserting it moves the contract's
--    reserve_remaining in the same statement; the CHECK reserve_remaining >= 0 then refuses releasing
--    (or, later, spending) more than the contract has, which rolls the row and its ledger entry back.
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

CREATE TRIGGER enrollments_reserve_apply
    BEFORE INSERT ON enrollments_reserveentry
    FOR EACH ROW EXECUTE FUNCTION enrollments_reserve_apply();

-- 2. Reserve rows are append-only, like the ledger.
CREATE OR REPLACE FUNCTION enrollments_reserve_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'contract reserve rows are append-only: % refused on row %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER enrollments_reserve_append_only
    BEFORE UPDATE OR DELETE ON enrollments_reserveentry
    FOR EACH ROW EXECUTE FUNCTION enrollments_reserve_append_only();

-- 3. A contract's remaining reserve changes only through (1), and only a confirmed parent of the child
--    (a link confirmed by Gosuslugi or municipal staff) can be the one who accepted a contract.
CREATE OR REPLACE FUNCTION enrollments_contract_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.reserve_remaining IS DISTINCT FROM OLD.reserve_remaining
       AND coalesce(current_setting('enrollments.reserve_apply', true), 'off') <> 'on' THEN
        RAISE EXCEPTION 'enrollment % reserve changes only through its reserve rows', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.reserve_remaining <> 0 THEN
        RAISE EXCEPTION 'an enrollment starts with no reserve' USING ERRCODE = 'check_violation';
    END IF;
    -- (Without accepted_by at all, the CHECK enrollment_contract_was_accepted refuses the row.)
    IF NEW.status IN ('ACTIVE', 'TERMINATED') AND NEW.accepted_by_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.accepted_by_id IS DISTINCT FROM OLD.accepted_by_id
            OR OLD.status NOT IN ('ACTIVE', 'TERMINATED'))
       AND NOT EXISTS (SELECT 1 FROM certificates_parentlink
                        WHERE child_id = NEW.child_id AND user_id = NEW.accepted_by_id AND confirmation <> '') THEN
        RAISE EXCEPTION 'enrollment %: only a confirmed parent of the child accepts a contract', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER enrollments_contract_guard
    BEFORE INSERT OR UPDATE ON enrollments_enrollment
    FOR EACH ROW EXECUTE FUNCTION enrollments_contract_guard();
