-- The money model of billing, made right by the database.
--
-- 1. A mark is of a lesson of its enrollment's group, and never moves to another lesson or pupil; a
--    lesson with marks never moves to another group or date.
-- 2. A lesson cancelled or restored sends its marks back to the debit job (billed_version 0) and its
--    month to the MONTHLY re-check queue.
-- 3. Charges (checked per statement, so the debit job's batch inserts are checked as a set):
--    - the contract is one that was accepted, of the charge's provider, and the date lies within it;
--    - a LESSON charge is for its own enrollment's mark, at the mark's current version, PRESENT, of a
--      lesson not cancelled, dated the lesson's date;
--    - the account is of the contract's certificate, in a period containing the service date, and the
--      paying municipality is that period's (else the certificate's, else the provider's);
--    - the ledger entry is a DEBIT of that account for the certificate amount; a part taken from the
--      reserve (reserved_delta < 0) has the contract's reserve row on the same entry;
--    - generation: a charge of generation g follows exactly g earlier charges of the same mark (or
--      contract month), all of them reversed. With UNIQUE(mark, generation) this leaves at most one
--      live charge per mark: two writers of one generation meet on the unique key.
-- 4. Reversals: of the charge's provider and municipality, at most the charge's amounts, and their
--    ledger entry is a REFUND of the charge's account for the certificate amount.
-- 5. Charges and reversals are append-only, like the ledger.
-- 6. A statement's status only moves DRAFT -> ISSUED -> PAID.
-- Errors name the rule in their message (tests match it) with SQLSTATE check_violation, or
-- restrict_violation for a refused UPDATE or DELETE.

CREATE OR REPLACE FUNCTION billing_mark_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.lesson_id, NEW.enrollment_id) IS DISTINCT FROM (OLD.lesson_id, OLD.enrollment_id) THEN
        RAISE EXCEPTION 'mark_moved: mark % cannot move to another lesson or pupil', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1
                     FROM billing_lesson l JOIN enrollments_enrollment e ON e.group_id = l.group_id
                    WHERE l.id = NEW.lesson_id AND e.id = NEW.enrollment_id) THEN
        RAISE EXCEPTION 'mark_lesson_of_group: the lesson of a mark belongs to its enrollment''s group'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_mark_guard
    BEFORE INSERT OR UPDATE OF lesson_id, enrollment_id ON billing_attendancemark
    FOR EACH ROW EXECUTE FUNCTION billing_mark_guard();

CREATE OR REPLACE FUNCTION billing_lesson_guard() RETURNS trigger AS $$
BEGIN
    IF (NEW.group_id, NEW.date) IS DISTINCT FROM (OLD.group_id, OLD.date)
       AND EXISTS (SELECT 1 FROM billing_attendancemark WHERE lesson_id = OLD.id) THEN
        RAISE EXCEPTION 'lesson_moved: lesson % has marks and cannot move to another group or date', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_lesson_guard
    BEFORE UPDATE OF group_id, date ON billing_lesson
    FOR EACH ROW EXECUTE FUNCTION billing_lesson_guard();

CREATE OR REPLACE FUNCTION billing_lesson_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NOT NEW.cancelled THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.cancelled IS NOT DISTINCT FROM OLD.cancelled THEN
        RETURN NULL;
    END IF;
    UPDATE billing_attendancemark SET billed_version = 0 WHERE lesson_id = NEW.id AND billed_version <> 0;
    INSERT INTO billing_monthrecheck (group_id, month)
    VALUES (NEW.group_id, date_trunc('month', NEW.date)::date)
    ON CONFLICT (group_id, month) DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_lesson_changed
    AFTER INSERT OR UPDATE OF cancelled ON billing_lesson
    FOR EACH ROW EXECUTE FUNCTION billing_lesson_changed();

CREATE OR REPLACE FUNCTION billing_charge_check() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT id, reason INTO bad FROM (
        SELECT n.id,
               CASE
                   WHEN e.status NOT IN ('ACTIVE', 'TERMINATED') OR e.starts_on IS NULL THEN 'charge_contract'
                   WHEN n.provider_id <> p.provider_id THEN 'charge_provider'
                   WHEN n.kind = 'LESSON' AND (m.enrollment_id IS DISTINCT FROM n.enrollment_id)
                       THEN 'charge_enrollment_is_marks'
                   WHEN n.kind = 'LESSON' AND n.mark_version <> m.version THEN 'charge_mark_version'
                   WHEN n.kind = 'LESSON' AND (m.status <> 'PRESENT' OR l.cancelled) THEN 'charge_mark_present'
                   WHEN n.kind = 'LESSON' AND n.service_date <> l.date THEN 'charge_service_date'
                   WHEN n.kind = 'LESSON'
                        AND (n.service_date < e.starts_on OR n.service_date > coalesce(e.ends_on, n.service_date))
                       THEN 'charge_within_contract'
                   WHEN n.kind = 'MONTH'
                        AND ((n.month + interval '1 month' - interval '1 day')::date < e.starts_on
                             OR n.month > coalesce(e.ends_on, n.month))
                       THEN 'charge_within_contract'
                   WHEN n.account_id IS NOT NULL AND a.certificate_id IS DISTINCT FROM e.certificate_id
                       THEN 'charge_account_certificate'
                   WHEN n.account_id IS NOT NULL
                        AND NOT (n.service_date BETWEEN fp.start_date AND fp.end_date)
                       THEN 'charge_account_period'
                   WHEN n.municipality_id <> coalesce(fp.municipality_id, cert.municipality_id, pr.municipality_id)
                       THEN 'charge_municipality'
                   WHEN n.ledger_entry_id IS NOT NULL
                        AND (le.kind <> 'DEBIT' OR le.account_id IS DISTINCT FROM n.account_id)
                       THEN 'charge_ledger_entry'
                   WHEN n.ledger_entry_id IS NOT NULL AND le.spent_delta <> n.certificate_amount
                       THEN 'charge_ledger_amount'
                   WHEN le.reserved_delta < 0
                        AND NOT EXISTS (SELECT 1 FROM enrollments_reserveentry r
                                         WHERE r.ledger_entry_id = le.id AND r.enrollment_id = n.enrollment_id)
                       THEN 'charge_reserve_row'
               END AS reason
          FROM new_charges n
          JOIN enrollments_enrollment e ON e.id = n.enrollment_id
          JOIN catalog_group g ON g.id = e.group_id
          JOIN catalog_program p ON p.id = g.program_id
          JOIN catalog_provider pr ON pr.id = p.provider_id
          LEFT JOIN certificates_certificate cert ON cert.id = e.certificate_id
          LEFT JOIN billing_attendancemark m ON m.id = n.mark_id
          LEFT JOIN billing_lesson l ON l.id = m.lesson_id
          LEFT JOIN certificates_certificateaccount a ON a.id = n.account_id
          LEFT JOIN certificates_fundingperiod fp ON fp.id = a.period_id
          LEFT JOIN certificates_ledgerentry le ON le.id = n.ledger_entry_id
    ) checked
     WHERE reason IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%: charge % refused', bad.reason, bad.id USING ERRCODE = 'check_violation';
    END IF;

    -- Generations (the first charge, generation 0, has nothing before it).
    SELECT n.id INTO bad
      FROM new_charges n
     WHERE n.generation > 0 AND n.kind = 'LESSON'
       AND ((SELECT count(*) FROM billing_charge c
              WHERE c.kind = 'LESSON' AND c.mark_id = n.mark_id AND c.generation < n.generation) <> n.generation
            OR EXISTS (SELECT 1 FROM billing_charge c
                        WHERE c.kind = 'LESSON' AND c.mark_id = n.mark_id AND c.generation < n.generation
                          AND NOT EXISTS (SELECT 1 FROM billing_chargereversal r WHERE r.charge_id = c.id)))
     LIMIT 1;
    IF NOT FOUND THEN
        SELECT n.id INTO bad
          FROM new_charges n
         WHERE n.generation > 0 AND n.kind = 'MONTH'
           AND ((SELECT count(*) FROM billing_charge c
                  WHERE c.kind = 'MONTH' AND c.enrollment_id = n.enrollment_id AND c.month = n.month
                    AND c.generation < n.generation) <> n.generation
                OR EXISTS (SELECT 1 FROM billing_charge c
                            WHERE c.kind = 'MONTH' AND c.enrollment_id = n.enrollment_id AND c.month = n.month
                              AND c.generation < n.generation
                              AND NOT EXISTS (SELECT 1 FROM billing_chargereversal r WHERE r.charge_id = c.id)))
         LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION 'charge_one_live: charge % follows a live charge or skips a generation', bad.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_charge_check
    AFTER INSERT ON billing_charge
    REFERENCING NEW TABLE AS new_charges
    FOR EACH STATEMENT EXECUTE FUNCTION billing_charge_check();

CREATE OR REPLACE FUNCTION billing_reversal_check() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT id, reason INTO bad FROM (
        SELECT n.id,
               CASE
                   WHEN n.provider_id <> c.provider_id OR n.municipality_id <> c.municipality_id
                       THEN 'reversal_provider'
                   WHEN n.certificate_amount > c.certificate_amount OR n.copayment > c.copayment
                       THEN 'reversal_exceeds_charge'
                   WHEN n.ledger_entry_id IS NOT NULL
                        AND (le.kind <> 'REFUND' OR le.account_id IS DISTINCT FROM c.account_id)
                       THEN 'reversal_ledger_entry'
                   WHEN n.ledger_entry_id IS NOT NULL AND le.spent_delta <> -n.certificate_amount
                       THEN 'reversal_ledger_amount'
               END AS reason
          FROM new_reversals n
          JOIN billing_charge c ON c.id = n.charge_id
          LEFT JOIN certificates_ledgerentry le ON le.id = n.ledger_entry_id
    ) checked
     WHERE reason IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%: reversal % refused', bad.reason, bad.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_reversal_check
    AFTER INSERT ON billing_chargereversal
    REFERENCING NEW TABLE AS new_reversals
    FOR EACH STATEMENT EXECUTE FUNCTION billing_reversal_check();

CREATE OR REPLACE FUNCTION billing_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused on row %', TG_TABLE_NAME, TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_charge_append_only
    BEFORE UPDATE OR DELETE ON billing_charge
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();

CREATE TRIGGER billing_reversal_append_only
    BEFORE UPDATE OR DELETE ON billing_chargereversal
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();

CREATE OR REPLACE FUNCTION billing_statement_status() RETURNS trigger AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT ((OLD.status = 'DRAFT' AND NEW.status = 'ISSUED') OR (OLD.status = 'ISSUED' AND NEW.status = 'PAID')) THEN
        RAISE EXCEPTION 'statement_status_order: statement % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_statement_status
    BEFORE UPDATE OF status ON billing_statement
    FOR EACH ROW EXECUTE FUNCTION billing_statement_status();
