-- Reverse of 0009_apply_function.sql.
DROP FUNCTION IF EXISTS enrollments_apply(
    bigint, bigint, bigint, date, timestamptz, boolean, text, text, text, interval, integer, integer, integer,
    integer, text, text, text, text, text, text
);
