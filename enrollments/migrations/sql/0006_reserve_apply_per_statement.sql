-- Rule 1 of 0003_contracts.sql (as 0005_reserve_debits.sql extended it), checked and applied once per
-- INSERT statement instead of once per row: every inserted reserve row must match its ledger entry
-- (a RESERVE, RELEASE or DEBIT of the row's amount, on an account of the contract's certificate; a
-- DEBIT on the account of the contract's own period), and the rows' amounts are added to their
-- contracts' reserve_remaining, one UPDATE per contract, in the same statement (the debit job inserts
-- thousands of rows at once). The CHECK reserve_remaining >= 0 still refuses spending or releasing more
-- than a contract has, and rolls the whole insert back.
CREATE OR REPLACE FUNCTION enrollments_reserve_apply() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT enrollment_id, reason INTO bad FROM (
        SELECT n.enrollment_id,
               CASE
                   WHEN a.certificate_id IS DISTINCT FROM e.certificate_id THEN 'certificate'
                   WHEN l.kind NOT IN ('RESERVE', 'RELEASE', 'DEBIT') OR l.reserved_delta <> n.amount THEN 'entry'
                   WHEN l.kind = 'DEBIT' AND a.period_id IS DISTINCT FROM e.period_id THEN 'period'
               END AS reason
          FROM new_reserve_rows n
          JOIN enrollments_enrollment e ON e.id = n.enrollment_id
          LEFT JOIN certificates_ledgerentry l ON l.id = n.ledger_entry_id
          LEFT JOIN certificates_certificateaccount a ON a.id = l.account_id
    ) checked
     WHERE reason IS NOT NULL
     LIMIT 1;
    IF bad.reason = 'certificate' THEN
        RAISE EXCEPTION 'reserve row for enrollment % is on another certificate''s account', bad.enrollment_id
            USING ERRCODE = 'check_violation';
    ELSIF bad.reason = 'entry' THEN
        RAISE EXCEPTION 'reserve row for enrollment % does not match its ledger entry', bad.enrollment_id
            USING ERRCODE = 'check_violation';
    ELSIF bad.reason = 'period' THEN
        RAISE EXCEPTION 'reserve row for enrollment % spends from another period''s account', bad.enrollment_id
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('enrollments.reserve_apply', 'on', true);
    UPDATE enrollments_enrollment e
       SET reserve_remaining = e.reserve_remaining + d.amount
      FROM (SELECT enrollment_id, sum(amount) AS amount FROM new_reserve_rows GROUP BY enrollment_id) d
     WHERE e.id = d.enrollment_id;
    PERFORM set_config('enrollments.reserve_apply', 'off', true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER enrollments_reserve_apply ON enrollments_reserveentry;
CREATE TRIGGER enrollments_reserve_apply
    AFTER INSERT ON enrollments_reserveentry
    REFERENCING NEW TABLE AS new_reserve_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrollments_reserve_apply();
