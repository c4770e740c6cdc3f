-- Unconfirmed links (children typed in by hand) become claims waiting for municipal review, holding the
-- child's data as it stands; SUSPENDED when another account holds the child through a confirmed link.
-- Then the unconfirmed links go: from here on ParentLink holds confirmed links only (0011).
INSERT INTO certificates_childclaim (
    user_id, last_name, first_name, middle_name, birth_date, sex, snils, municipality_id, child_id,
    review_municipality_id, status, created_at, suspended_at, decided_at, reason
)
SELECT
    l.user_id, c.last_name, c.first_name, c.middle_name, c.birth_date, c.sex, c.snils, c.municipality_id, c.id,
    c.municipality_id,
    CASE WHEN confirmed.child_id IS NULL THEN 'PENDING' ELSE 'SUSPENDED' END,
    c.created_at,
    CASE WHEN confirmed.child_id IS NULL THEN NULL ELSE now() END,
    NULL,
    ''
FROM certificates_parentlink l
JOIN certificates_child c ON c.id = l.child_id
LEFT JOIN (
    SELECT DISTINCT child_id FROM certificates_parentlink WHERE confirmation <> ''
) confirmed ON confirmed.child_id = l.child_id
WHERE l.confirmation = ''
ORDER BY l.id;

DELETE FROM certificates_parentlink WHERE confirmation = '';
