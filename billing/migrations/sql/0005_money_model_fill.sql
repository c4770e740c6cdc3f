-- Charges and reversals written before the money model: their provider (the contract's program's),
-- their account (their DEBIT's), their paying municipality (the account's period's, else the
-- certificate's, else the provider's), and what each reversal gave back (all of its charge).
UPDATE billing_charge c
   SET provider_id = (SELECT p.provider_id
                        FROM enrollments_enrollment e
                        JOIN catalog_group g ON g.id = e.group_id
                        JOIN catalog_program p ON p.id = g.program_id
                       WHERE e.id = c.enrollment_id),
       account_id = (SELECT l.account_id FROM certificates_ledgerentry l WHERE l.id = c.ledger_entry_id);

UPDATE billing_charge c
   SET municipality_id = coalesce(
           (SELECT fp.municipality_id
              FROM certificates_certificateaccount a JOIN certificates_fundingperiod fp ON fp.id = a.period_id
             WHERE a.id = c.account_id),
           (SELECT cert.municipality_id
              FROM enrollments_enrollment e JOIN certificates_certificate cert ON cert.id = e.certificate_id
             WHERE e.id = c.enrollment_id),
           (SELECT pr.municipality_id FROM catalog_provider pr WHERE pr.id = c.provider_id));

UPDATE billing_chargereversal r
   SET provider_id = c.provider_id,
       municipality_id = c.municipality_id,
       certificate_amount = c.certificate_amount,
       copayment = c.copayment
  FROM billing_charge c
 WHERE c.id = r.charge_id;
