-- certificates_next_number (0007_period_funding_and_numbers.sql) without an EXCEPTION block: PL/pgSQL
-- opens a subtransaction each time such a block is entered, so every certificate issued paid for one,
-- though only a municipality's first certificate ever needs the sequence made. The sequence is looked up
-- first; the first certificate takes the advisory lock, looks again (another transaction may have made
-- it meanwhile) and makes it, starting after the highest number already issued there. Same numbers, same
-- gaps.
CREATE OR REPLACE FUNCTION certificates_next_number(municipality bigint) RETURNS bigint AS $$
DECLARE
    sequence_name text := 'certificates_number_' || municipality;
    first_value bigint;
BEGIN
    IF to_regclass(sequence_name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(sequence_name));
        IF to_regclass(sequence_name) IS NULL THEN
            SELECT coalesce(max(substr(number, 5)::bigint), 0) + 1 INTO first_value
              FROM certificates_certificate WHERE municipality_id = municipality;
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I MINVALUE 1 MAXVALUE 999999 START %s', sequence_name,
                           first_value);
        END IF;
    END IF;
    RETURN nextval(sequence_name);
END;
$$ LANGUAGE plpgsql;
