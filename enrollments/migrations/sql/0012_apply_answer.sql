-- The application's answer made and kept in the application's own statement (enrollments_apply of
-- 0009_apply_function.sql, otherwise unchanged): the answer the API sends (api.enrollments'
-- EnrollmentSerializer, key for key; tests/api/test_enrollments_api.py compares them) is returned as
-- r_answer and, when an Idempotency-Key was claimed, stored with the claim as its first answer. Before,
-- the answer was stored by a second statement, its own transaction and commit: a third of an
-- application's round trips on opening day (bench/opening_day.py).
--
-- enrollments_iso_time: a time as Django REST framework's DateTimeField writes it (ISO 8601 in the given
-- time zone, microseconds only when there are some, `Z` for UTC).
CREATE FUNCTION enrollments_iso_time(t timestamptz, zone text) RETURNS text AS $$
    SELECT to_char(t AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS')
           || CASE WHEN extract(microseconds FROM t) % 1000000 <> 0 THEN to_char(t AT TIME ZONE zone, '.US') ELSE '' END
           || CASE WHEN offset_minutes = 0 THEN 'Z'
                   ELSE CASE WHEN offset_minutes < 0 THEN '-' ELSE '+' END
                        || lpad((abs(offset_minutes) / 60)::text, 2, '0') || ':'
                        || lpad((abs(offset_minutes) % 60)::text, 2, '0')
              END
      FROM (SELECT (extract(epoch FROM (t AT TIME ZONE zone) - (t AT TIME ZONE 'UTC')) / 60)::integer
                   AS offset_minutes) AS o
$$ LANGUAGE sql STABLE;

DROP FUNCTION enrollments_apply(
    bigint, bigint, bigint, date, timestamptz, boolean, text, text, text, interval, integer, integer, integer,
    integer, text, text, text, text, text, text
);

CREATE FUNCTION enrollments_apply(
    p_parent bigint,
    p_child bigint,
    p_group bigint,
    p_today date,
    p_now timestamptz,
    p_lock boolean,
    p_lock_timeout text,
    p_key_endpoint text,
    p_key text,
    p_keep interval,
    p_age_min integer,
    p_age_max integer,
    p_child_max_age integer,
    p_review_days integer,
    p_time_zone text,
    p_email_task text,
    p_title_submitted text,
    p_title_waiting text,
    p_body_format text,
    p_waiting_format text,
    p_answer_time_zone text,
    p_status_submitted text,
    p_status_waiting text
) RETURNS TABLE (
    r_outcome text,
    r_refusal text,
    f_group_name text,
    f_capacity integer,
    f_enrollment_open boolean,
    f_start_date date,
    f_end_date date,
    f_program_id bigint,
    f_title text,
    f_program_status text,
    f_age_min integer,
    f_age_max integer,
    f_lesson_price numeric,
    f_normative_price numeric,
    f_lessons_per_month integer,
    f_provider_id bigint,
    f_provider_name text,
    f_provider_status text,
    f_confirmation text,
    f_child_id bigint,
    f_last_name text,
    f_first_name text,
    f_middle_name text,
    f_birth_date date,
    f_municipality_id bigint,
    f_region_code text,
    f_municipality_code text,
    f_certificate_id bigint,
    f_number text,
    f_certificate_status text,
    f_period_id bigint,
    f_accepting boolean,
    f_review_days integer,
    f_parent_ids bigint[],
    r_enrollment_id bigint,
    r_status text,
    r_expires_at timestamptz,
    r_waiting bigint,
    r_outbox_id bigint,
    r_created_at timestamptz,
    r_replay_status integer,
    r_replay_body jsonb,
    r_answer json
) AS $$
#variable_conflict use_column
DECLARE
    v_found boolean;
    v_age integer;
    v_held bigint;
    v_sequence bigint;
    v_last date;
    v_days integer;
    v_body text;
    v_notices bigint[];
    v_now timestamptz;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);

    IF p_key IS NOT NULL THEN
        INSERT INTO core_idempotencyrecord AS r (user_id, endpoint, key, created_at)
        VALUES (p_parent, p_key_endpoint, p_key, p_now)
        ON CONFLICT (user_id, endpoint, key) DO UPDATE
           SET created_at = EXCLUDED.created_at, status_code = NULL, body = NULL
         WHERE r.created_at < p_now - p_keep
        RETURNING true INTO v_found;
        IF v_found IS NULL THEN
            SELECT r.status_code, r.body INTO r_replay_status, r_replay_body
              FROM core_idempotencyrecord r
             WHERE r.user_id = p_parent AND r.endpoint = p_key_endpoint AND r.key = p_key;
            r_outcome := 'replay';
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;

    IF p_lock THEN
        SELECT g.name, g.capacity, g.enrollment_open, g.start_date, g.end_date,
               p.id, p.title, p.status, p.age_min, p.age_max, p.lesson_price, p.normative_lesson_price,
               p.lessons_per_month,
               pr.id, pr.short_name, pr.status,
               l.confirmation, c.id, c.last_name, c.first_name, c.middle_name, c.birth_date, c.municipality_id,
               m.region_code, m.code,
               cert.id, cert.number, cert.status,
               fp.id, fp.accepting_contracts, fp.review_days,
               (SELECT array_agg(pl.user_id ORDER BY pl.user_id) FROM certificates_parentlink pl
                 WHERE pl.child_id = c.id)
          INTO f_group_name, f_capacity, f_enrollment_open, f_start_date, f_end_date,
               f_program_id, f_title, f_program_status, f_age_min, f_age_max, f_lesson_price, f_normative_price,
               f_lessons_per_month,
               f_provider_id, f_provider_name, f_provider_status,
               f_confirmation, f_child_id, f_last_name, f_first_name, f_middle_name, f_birth_date,
               f_municipality_id, f_region_code, f_municipality_code,
               f_certificate_id, f_number, f_certificate_status,
               f_period_id, f_accepting, f_review_days, f_parent_ids
          FROM catalog_group g
          JOIN catalog_program p ON p.id = g.program_id
          JOIN catalog_provider pr ON pr.id = p.provider_id
          LEFT JOIN certificates_parentlink l ON l.user_id = p_parent AND l.child_id = p_child
          LEFT JOIN certificates_child c ON c.id = l.child_id
          LEFT JOIN catalog_municipality m ON m.id = c.municipality_id
          LEFT JOIN certificates_certificate cert ON cert.child_id = c.id
          LEFT JOIN certificates_fundingperiod fp
                 ON fp.municipality_id = c.municipality_id
                AND fp.start_date <= greatest(p_today, g.start_date) AND fp.end_date >= greatest(p_today, g.start_date)
         WHERE g.id = p_group
           FOR NO KEY UPDATE OF g;
    ELSE
        SELECT g.name, g.capacity, g.enrollment_open, g.start_date, g.end_date,
               p.id, p.title, p.status, p.age_min, p.age_max, p.lesson_price, p.normative_lesson_price,
               p.lessons_per_month,
               pr.id, pr.short_name, pr.status,
               l.confirmation, c.id, c.last_name, c.first_name, c.middle_name, c.birth_date, c.municipality_id,
               m.region_code, m.code,
               cert.id, cert.number, cert.status,
               fp.id, fp.accepting_contracts, fp.review_days,
               (SELECT array_agg(pl.user_id ORDER BY pl.user_id) FROM certificates_parentlink pl
                 WHERE pl.child_id = c.id)
          INTO f_group_name, f_capacity, f_enrollment_open, f_start_date, f_end_date,
               f_program_id, f_title, f_program_status, f_age_min, f_age_max, f_lesson_price, f_normative_price,
               f_lessons_per_month,
               f_provider_id, f_provider_name, f_provider_status,
               f_confirmation, f_child_id, f_last_name, f_first_name, f_middle_name, f_birth_date,
               f_municipality_id, f_region_code, f_municipality_code,
               f_certificate_id, f_number, f_certificate_status,
               f_period_id, f_accepting, f_review_days, f_parent_ids
          FROM catalog_group g
          JOIN catalog_program p ON p.id = g.program_id
          JOIN catalog_provider pr ON pr.id = p.provider_id
          LEFT JOIN certificates_parentlink l ON l.user_id = p_parent AND l.child_id = p_child
          LEFT JOIN certificates_child c ON c.id = l.child_id
          LEFT JOIN catalog_municipality m ON m.id = c.municipality_id
          LEFT JOIN certificates_certificate cert ON cert.child_id = c.id
          LEFT JOIN certificates_fundingperiod fp
                 ON fp.municipality_id = c.municipality_id
                AND fp.start_date <= greatest(p_today, g.start_date) AND fp.end_date >= greatest(p_today, g.start_date)
         WHERE g.id = p_group;
    END IF;
    v_found := FOUND;
    -- The application's time is taken once the group's lock is held: the waiting list is served by it
    -- (enrollments.selectors.waiting_list), so it must follow the order the lock let applications in.
    v_now := clock_timestamp();

    -- The rules of enrollments/eligibility.py, in its order; the caller raises each one's own error.
    r_outcome := 'refused';
    IF NOT v_found THEN
        -- No such group: the child's errors come first, as for every other refusal.
        SELECT l.confirmation INTO f_confirmation
          FROM certificates_parentlink l WHERE l.user_id = p_parent AND l.child_id = p_child;
        r_refusal := CASE WHEN NOT FOUND THEN 'child_not_found'
                          WHEN coalesce(f_confirmation, '') = '' THEN 'link_not_confirmed'
                          ELSE 'group_not_found' END;
        RETURN NEXT;
        RETURN;
    END IF;
    IF f_child_id IS NULL THEN
        r_refusal := 'child_not_found';
    ELSIF coalesce(f_confirmation, '') = '' THEN
        r_refusal := 'link_not_confirmed';
    ELSIF f_program_status <> 'CERTIFIED' OR f_provider_status <> 'APPROVED' THEN
        r_refusal := 'program_not_listed';
    ELSIF NOT f_enrollment_open OR f_end_date < p_today THEN
        r_refusal := 'group_closed';
    ELSE
        -- core.dates.age_on: full years on the group's start date.
        v_age := extract(year FROM f_start_date)::integer - extract(year FROM f_birth_date)::integer
                 - CASE WHEN to_char(f_start_date, 'MMDD') < to_char(f_birth_date, 'MMDD') THEN 1 ELSE 0 END;
        IF v_age NOT BETWEEN f_age_min AND f_age_max OR v_age NOT BETWEEN p_age_min AND p_age_max THEN
            r_refusal := 'age_out_of_range';
        ELSIF f_certificate_id IS NOT NULL AND f_certificate_status <> 'ACTIVE' THEN
            r_refusal := 'certificate_not_active';
        ELSIF f_period_id IS NOT NULL AND NOT f_accepting THEN
            r_refusal := 'period_closed';
        END IF;
    END IF;
    IF r_refusal IS NOT NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;

    IF f_certificate_id IS NULL THEN
        -- certificates.services.certificate_issue_first: the number from the municipality's sequence
        -- (certificate_number: region, municipality, 6 digits), valid until the day before the 18th
        -- birthday (certificate_valid_until: a 29 February birthday ends on 28 February).
        v_sequence := certificates_next_number(f_municipality_id);
        IF v_sequence NOT BETWEEN 1 AND 999999 THEN
            RAISE EXCEPTION 'certificate sequence must be 1..999999, got %', v_sequence;
        END IF;
        INSERT INTO certificates_certificate AS cert (child_id, number, municipality_id, status, issued_at, valid_until)
        VALUES (
            f_child_id,
            f_region_code || f_municipality_code || lpad(v_sequence::text, 6, '0'),
            f_municipality_id,
            'ACTIVE',
            v_now,
            CASE WHEN to_char(f_birth_date, 'MMDD') = '0229'
                 THEN make_date(extract(year FROM f_birth_date)::integer + p_child_max_age, 3, 1)
                 ELSE make_date(extract(year FROM f_birth_date)::integer + p_child_max_age,
                                extract(month FROM f_birth_date)::integer, extract(day FROM f_birth_date)::integer)
            END - 1
        )
        ON CONFLICT (child_id) DO NOTHING
        RETURNING cert.id, cert.number, cert.status INTO f_certificate_id, f_number, f_certificate_status;
        IF f_certificate_id IS NULL THEN  -- a concurrent first application issued it and committed first
            SELECT cert.id, cert.number, cert.status INTO f_certificate_id, f_number, f_certificate_status
              FROM certificates_certificate cert WHERE cert.child_id = f_child_id;
        END IF;
    END IF;

    -- Seats held as enrollments.selectors.holds_a_seat counts them.
    SELECT count(*) FILTER (WHERE e.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE')
                                 OR (e.status = 'TERMINATED' AND e.ends_on >= p_today)),
           count(*) FILTER (WHERE e.status = 'WAITING')
      INTO v_held, r_waiting
      FROM enrollments_enrollment e
     WHERE e.group_id = p_group;
    IF v_held < f_capacity THEN
        r_status := 'SUBMITTED';
        -- enrollments.services._deadline: the end of the day review_days working days (Monday to
        -- Friday, catalog.calendar.working_days_after) from today, in the portal's time zone.
        v_last := p_today;
        v_days := coalesce(f_review_days, p_review_days);
        WHILE v_days > 0 LOOP
            v_last := v_last + 1;
            IF extract(isodow FROM v_last) < 6 THEN
                v_days := v_days - 1;
            END IF;
        END LOOP;
        r_expires_at := (v_last + time '23:59:59') AT TIME ZONE p_time_zone;
    ELSE
        r_status := 'WAITING';
    END IF;
    -- Every NOT NULL column is given: a contract's fields stay empty until the parent accepts.
    INSERT INTO enrollments_enrollment AS e (
        child_id, group_id, applicant_id, certificate_id, status, created_at, status_changed_at, expires_at,
        reject_reason, funding, billing_policy, lesson_price, normative_lesson_price, certificate_per_lesson,
        lessons_per_month, planned_lessons, copayment_shown, reserve_remaining)
    VALUES (
        p_child, p_group, p_parent, f_certificate_id, r_status, v_now, v_now, r_expires_at,
        '', '', '', f_lesson_price, f_normative_price, 0, f_lessons_per_month, 0, 0, 0)
    RETURNING e.id INTO r_enrollment_id;
    INSERT INTO enrollments_enrollmentevent (enrollment_id, from_status, to_status, actor_id, note, created_at)
    VALUES (r_enrollment_id, '', r_status, p_parent, '', v_now);

    -- The family is told (enrollments.services._parent_notices; the formats are its translated texts).
    v_body := format(p_body_format, concat_ws(' ', nullif(f_last_name, ''), nullif(f_first_name, ''),
                                              nullif(f_middle_name, '')), f_title, f_group_name);
    IF r_status = 'WAITING' THEN
        v_body := v_body || E'\n' || format(p_waiting_format, r_waiting + 1);
    END IF;
    WITH written AS (
        INSERT INTO notices_notification (user_id, title, body, subject, created_at, read_at, emailed_at)
        SELECT parent_id, CASE WHEN r_status = 'WAITING' THEN p_title_waiting ELSE p_title_submitted END,
               v_body, 'enrollment:' || r_enrollment_id, v_now, NULL, NULL
          FROM unnest(f_parent_ids) AS parent_id
        RETURNING id
    )
    SELECT array_agg(id ORDER BY id) INTO v_notices FROM written;
    IF v_notices IS NOT NULL THEN
        INSERT INTO core_outboxmessage (task, args, created_at, dispatched_at, attempts, last_error)
        VALUES (p_email_task, jsonb_build_array(to_jsonb(v_notices)), v_now, NULL, 0, '')
        RETURNING id INTO r_outbox_id;
    END IF;
    r_created_at := v_now;

    -- The answer, as api.enrollments' EnrollmentSerializer shows the application (in the request's
    -- language and time zone, given by the caller), kept with the key's claim for a repeat.
    r_answer := json_build_object(
        'id', r_enrollment_id,
        'status', r_status,
        'status_name', CASE WHEN r_status = 'WAITING' THEN p_status_waiting ELSE p_status_submitted END,
        'child', json_build_object(
            'id', f_child_id,
            'full_name', concat_ws(' ', nullif(f_last_name, ''), nullif(f_first_name, ''), nullif(f_middle_name, ''))),
        'group', json_build_object(
            'id', p_group,
            'name', f_group_name,
            'program', json_build_object('id', f_program_id, 'title', f_title),
            'provider', json_build_object('id', f_provider_id, 'short_name', f_provider_name)),
        'created_at', enrollments_iso_time(v_now, p_answer_time_zone),
        'expires_at', enrollments_iso_time(r_expires_at, p_answer_time_zone),
        'waiting_place', CASE WHEN r_status = 'WAITING' THEN r_waiting + 1 END,
        'reject_reason', '',
        'contract', NULL,
        'pending_terms', NULL);
    IF p_key IS NOT NULL THEN
        UPDATE core_idempotencyrecord AS r SET status_code = 201, body = r_answer::jsonb
         WHERE r.user_id = p_parent AND r.endpoint = p_key_endpoint AND r.key = p_key;
    END IF;
    r_outcome := 'applied';
    r_refusal := NULL;
    RETURN NEXT;
END;
$$ LANGUAGE plpgsql;
