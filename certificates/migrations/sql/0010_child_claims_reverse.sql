-- Open claims on a registry child become unconfirmed links again (0011's reverse has allowed them by
-- now). Claims on numbers the registry does not hold had no row to link to before: they are dropped
-- with the table.
INSERT INTO certificates_parentlink (child_id, user_id, confirmation, confirmed_at)
SELECT child_id, user_id, '', NULL
FROM certificates_childclaim
WHERE child_id IS NOT NULL AND status IN ('PENDING', 'SUSPENDED')
ON CONFLICT (child_id, user_id) DO NOTHING;
