-- A charge's contract, organisation and paying municipality are found through the composite indexes
-- that lead with them (charge_enrollment_date; charge_provider_month, the municipality with its
-- provider): the single-column indexes only cost the debit job one more write per charge each.
DROP INDEX IF EXISTS billing_charge_enrollment_id_e32ea0c4;
DROP INDEX IF EXISTS billing_charge_provider_id_1d4f3d16;
DROP INDEX IF EXISTS billing_charge_municipality_id_f44c4570;
