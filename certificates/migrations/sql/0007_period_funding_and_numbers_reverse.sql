DROP FUNCTION IF EXISTS certificates_next_number(bigint);
