-- The district compliance report of GET /v1/districts/{id}/compliance, hand-written as one
-- aggregate query (PostgreSQL), counting as issue 20 decided. A plain translation of
-- `rules::quotas`, `rules::calendar` and the report in `api/src/routes/quotas.rs`, not tuned:
-- * every membership of the district (person not deleted) against every person rule of the
--   observation activities that binds it: a role it holds, the rule's qualifier if any among its
--   `qualifiers`, and a school's own rule (quota_rules.school_id) only for that school's people;
-- * counted observations (counted, not deleted, of the district) over the school year; a lesson
--   given counts only where `counts_for_teacher` (once for its teacher); report lessons are the
--   kind report_lesson, open lessons research, open_lesson, demonstration and open_week_lesson,
--   demonstration lessons the kind demonstration;
-- * the calendar of each membership's school in the term (the district's calendar_entries and
--   the school's own; district staff the district's alone): a school day is Monday to Friday or a
--   make-up working day, unless a holiday or day off; a teaching day a school day without exams;
--   a teaching week a Monday-to-Sunday week, cut to the term, with at least three teaching days;
-- * weekly rules: the minimum in every teaching week of the term, counting the observations on
--   time (not late), done at most the minimum a week, behind when a finished teaching week (its
--   last day before today) fell short;
-- * term rules: on pace when done (late ones too) >= minimum * school days of the term over
--   before today / school days of the term; school-year rules: by the days of the year, today
--   included;
-- * today is China Standard Time (UTC+8), as the server's;
-- then people, behind, required and done (at most the required per rule) summed per school,
-- researchers (no school) as one line.
-- Variables: district, term (psql -v).
WITH term AS (
    SELECT starts_on::date s, ends_on::date e, school_year, district_id FROM terms WHERE id = :'term'
), yr AS (
    SELECT min(t.starts_on)::date s, max(t.ends_on)::date e
    FROM terms t, term WHERE t.district_id = term.district_id AND t.school_year = term.school_year
), today AS (
    SELECT ((now() AT TIME ZONE 'UTC') + interval '8 hours')::date d
), c AS (
    SELECT o.observer_id, o.teacher_id, o.kind, o.lesson_date::date d, o.late, o.counts_for_teacher
    FROM observations o, yr
    WHERE o.district_id = :'district' AND o.counted AND o.deleted_at IS NULL
      AND o.lesson_date >= to_char(yr.s, 'YYYY-MM-DD')
      AND o.lesson_date <= to_char(yr.e, 'YYYY-MM-DD')
), act AS (
    -- one row per counted observation and activity it counts for, on the side of its person
    SELECT observer_id u, 'observations' a, d, late FROM c
    UNION ALL SELECT observer_id, 'unannounced_observations', d, late FROM c
        WHERE kind = 'unannounced'
    UNION ALL SELECT teacher_id, 'report_lessons_given', d, late FROM c
        WHERE counts_for_teacher AND kind = 'report_lesson'
    UNION ALL SELECT teacher_id, 'open_lessons_given', d, late FROM c
        WHERE counts_for_teacher AND kind IN ('research', 'open_lesson', 'demonstration', 'open_week_lesson')
    UNION ALL SELECT teacher_id, 'demonstration_lessons_given', d, late FROM c
        WHERE counts_for_teacher AND kind = 'demonstration'
), m AS (
    SELECT mb.id, mb.user_id, mb.school_id, mb.roles::jsonb roles, mb.qualifiers::jsonb qualifiers
    FROM memberships mb JOIN users u ON u.id = mb.user_id
    WHERE mb.district_id = :'district' AND u.deleted_at IS NULL
), rules AS (
    SELECT r.* FROM quota_rules r
    WHERE r.district_id = :'district' AND r.target = 'person'
      AND r.activity IN ('observations', 'unannounced_observations', 'report_lessons_given',
                         'open_lessons_given', 'demonstration_lessons_given')
      AND r.period IN ('week', 'term', 'school_year')
      AND (r.qualifier IS NULL OR r.qualifier IN ('in_charge_of_teaching', 'experienced'))
), mr AS (
    -- every rule that binds a membership
    SELECT m.id mid, m.user_id, m.school_id, coalesce(m.school_id, '') cal, r.id rule_id,
           r.activity, r.period, r.minimum,
           CASE WHEN r.period = 'school_year' THEN yr.s ELSE term.s END ws,
           CASE WHEN r.period = 'school_year' THEN yr.e ELSE term.e END we
    FROM m
    CROSS JOIN LATERAL jsonb_array_elements_text(m.roles) held(role)
    JOIN rules r ON r.role = held.role
     AND (r.qualifier IS NULL OR m.qualifiers ? r.qualifier)
     AND (r.school_id IS NULL OR r.school_id = m.school_id)
    CROSS JOIN yr CROSS JOIN term
), entries AS (
    SELECT school_id, kind, starts_on::date s, least(ends_on::date, starts_on::date + 366) e
    FROM calendar_entries
    WHERE term_id = :'term' AND kind IN ('holiday', 'exam', 'workday', 'day_off')
), days AS (
    -- every day of the term in each calendar in use: '' the district's, else a school's
    SELECT cals.cal, g::date d,
           NOT EXISTS (SELECT 1 FROM entries x
                       WHERE (x.school_id IS NULL OR x.school_id = cals.cal)
                         AND x.kind IN ('holiday', 'day_off') AND g::date BETWEEN x.s AND x.e)
           AND (extract(isodow FROM g) < 6
                OR EXISTS (SELECT 1 FROM entries x
                           WHERE (x.school_id IS NULL OR x.school_id = cals.cal)
                             AND x.kind = 'workday' AND g::date BETWEEN x.s AND x.e)) school_day,
           EXISTS (SELECT 1 FROM entries x
                   WHERE (x.school_id IS NULL OR x.school_id = cals.cal)
                     AND x.kind = 'exam' AND g::date BETWEEN x.s AND x.e) exam
    FROM (SELECT DISTINCT cal FROM mr) cals
    CROSS JOIN term
    CROSS JOIN generate_series(term.s, term.e, interval '1 day') g
), weeks AS (
    -- the teaching weeks of each calendar, Monday to Sunday, cut to the term
    SELECT cal, date_trunc('week', d)::date monday, max(d) week_end
    FROM days GROUP BY cal, date_trunc('week', d)::date
    HAVING count(*) FILTER (WHERE school_day AND NOT exam) >= 3
), share AS (
    -- school days of the term over before today, and in all
    SELECT days.cal, count(*) FILTER (WHERE days.school_day AND days.d < today.d) elapsed,
           count(*) FILTER (WHERE days.school_day) total
    FROM days, today GROUP BY days.cal
), per_week AS (
    SELECT p.u, p.a, date_trunc('week', p.d)::date monday, count(*) n
    FROM act p, term WHERE NOT p.late AND p.d BETWEEN term.s AND term.e GROUP BY 1, 2, 3
), counted AS (
    SELECT mr.mid, mr.rule_id, count(p.d) n
    FROM mr LEFT JOIN act p ON p.u = mr.user_id AND p.a = mr.activity AND p.d BETWEEN mr.ws AND mr.we
    WHERE mr.period <> 'week'
    GROUP BY mr.mid, mr.rule_id
), items AS (
    SELECT mr.mid, mr.school_id, mr.rule_id, mr.minimum::bigint required, least(k.n, mr.minimum) done,
           k.n >= CASE WHEN mr.period = 'term'
                       THEN mr.minimum * sh.elapsed / greatest(sh.total, 1)
                       ELSE mr.minimum * greatest(0, least(today.d - mr.ws + 1, mr.we - mr.ws + 1))
                            / (mr.we - mr.ws + 1) END on_pace
    FROM mr
    JOIN counted k ON k.mid = mr.mid AND k.rule_id = mr.rule_id
    JOIN share sh ON sh.cal = mr.cal
    CROSS JOIN today
    UNION ALL
    SELECT mr.mid, mr.school_id, mr.rule_id, coalesce(sum(mr.minimum) FILTER (WHERE w.monday IS NOT NULL), 0),
           coalesce(sum(least(coalesce(pw.n, 0), mr.minimum)) FILTER (WHERE w.monday IS NOT NULL), 0),
           NOT coalesce(bool_or(w.week_end < today.d AND coalesce(pw.n, 0) < mr.minimum), false)
    FROM mr
    CROSS JOIN today
    LEFT JOIN weeks w ON w.cal = mr.cal
    LEFT JOIN per_week pw ON pw.u = mr.user_id AND pw.a = mr.activity AND pw.monday = w.monday
    WHERE mr.period = 'week'
    GROUP BY mr.mid, mr.school_id, mr.rule_id
), people AS (
    SELECT mid, school_id, bool_or(NOT on_pace) behind, sum(required) required, sum(done) done
    FROM items GROUP BY mid, school_id
)
SELECT s.id, s.name, count(p.mid) people, count(*) FILTER (WHERE p.behind) behind,
       coalesce(sum(p.required), 0) required, coalesce(sum(p.done), 0) done
FROM schools s LEFT JOIN people p ON p.school_id = s.id
WHERE s.district_id = :'district'
GROUP BY s.id, s.name
UNION ALL
SELECT NULL, 'researchers', count(*), count(*) FILTER (WHERE behind), coalesce(sum(required), 0),
       coalesce(sum(done), 0)
FROM people WHERE school_id IS NULL
ORDER BY 2, 1;
