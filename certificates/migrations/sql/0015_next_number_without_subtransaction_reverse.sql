-- Reverse of 0015_next_number_without_subtransaction.sql: the function as 0007_period_funding_and_numbers.sql made it.
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
