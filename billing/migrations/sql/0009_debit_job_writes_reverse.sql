-- Reverse of 0009_debit_job_writes.sql: the single-column indexes as Django made them.
CREATE INDEX IF NOT EXISTS billing_charge_enrollment_id_e32ea0c4 ON billing_charge (enrollment_id);
CREATE INDEX IF NOT EXISTS billing_charge_provider_id_1d4f3d16 ON billing_charge (provider_id);
CREATE INDEX IF NOT EXISTS billing_charge_municipality_id_f44c4570 ON billing_charge (municipality_id);
