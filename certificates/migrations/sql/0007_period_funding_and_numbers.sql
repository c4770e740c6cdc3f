-- Certificate numbers come from one PostgreSQL sequence per municipality: issuing a certificate locks
-- no shared row, and a number taken by a transaction that rolls back is skipped (gaps are allowed).
-- The sequence is made on the municipality's first certificate, under an advisory lock so that two
-- first certificates at once make it once; it starts after the highest number already issued there.
CREATE OR REPLACE FUNCTION certificates_next_number(municipality bigint) RETURNS bigint AS $$
DECLARE
    sequence_name text := 'certificates_number_' || municipality;
    first_value bigint;
BEGIN
    BEGIN
        RETURN nextval(sequence_name);
    EXCEPTION WHEN undefined_table THEN
        PERFORM pg_advisory_xact_lock(hashtext(sequence_name));
        SELECT coalesce(max(substr(number, 5)::bigint), 0) + 1 INTO first_value
          FROM certificates_certificate WHERE municipality_id = municipality;
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I MINVALUE 1 MAXVALUE 999999 START %s', sequence_name,
                       first_value);
        RETURN nextval(sequence_name);
    END;
END;
$$ LANGUAGE plpgsql;

-- Each period counts the funded accounts already open in it.
UPDATE certificates_fundingperiod p
   SET funded_accounts = (SELECT count(*) FROM certificates_certificateaccount a WHERE a.period_id = p.id);
