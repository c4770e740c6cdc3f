-- Rule 1 of 0003_ledger_triggers.sql, applied once per INSERT statement instead of once per row: the
-- deltas of all rows the statement inserted are added to their accounts, one UPDATE per account, in
-- the same statement (the debit job inserts thousands of entries at once). The account's CHECK
-- constraints still refuse an overdraft, which rolls the whole insert back with it; what they check
-- is each account's totals after the statement.
CREATE OR REPLACE FUNCTION certificates_ledger_apply() RETURNS trigger AS $$
BEGIN
    PERFORM set_config('certificates.ledger_apply', 'on', true);
    UPDATE certificates_certificateaccount a
       SET nominal = a.nominal + d.nominal_delta,
           reserved = a.reserved + d.reserved_delta,
           spent = a.spent + d.spent_delta
      FROM (SELECT account_id, sum(nominal_delta) AS nominal_delta, sum(reserved_delta) AS reserved_delta,
                   sum(spent_delta) AS spent_delta
              FROM new_entries
             GROUP BY account_id) d
     WHERE a.id = d.account_id;
    PERFORM set_config('certificates.ledger_apply', 'off', true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER certificates_ledger_apply ON certificates_ledgerentry;
CREATE TRIGGER certificates_ledger_apply
    AFTER INSERT ON certificates_ledgerentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION certificates_ledger_apply();
