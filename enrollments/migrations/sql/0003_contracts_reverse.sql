DROP TRIGGER IF EXISTS enrollments_contract_guard ON enrollments_enrollment;
DROP FUNCTION IF EXISTS enrollments_contract_guard();
DROP TRIGGER IF EXISTS enrollments_reserve_append_only ON enrollments_reserveentry;
DROP FUNCTION IF EXISTS enrollments_reserve_append_only();
DROP TRIGGER IF EXISTS enrollments_reserve_apply ON enrollments_reserveentry;
DROP FUNCTION IF EXISTS enrollments_reserve_apply();
