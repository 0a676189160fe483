-- The district compliance report of GET /v1/districts/{id}/compliance, hand-written as one
-- aggregate query (PostgreSQL): for every member with a rule of their roles (pair rules aside),
-- required and done per rule over its window (the term, or the school year), weekly rules met
-- week by week (Monday to Sunday, cut to the term), "behind" when an item is not on pace; then
-- people, behind, required and done summed per school, researchers as one line.
-- Variables: district, term (psql -v).
WITH term AS (
    SELECT starts_on::date s, ends_on::date e, school_year, district_id FROM terms WHERE id = :'term'
), yr AS (
    SELECT min(t.starts_on)::date s, max(t.ends_on)::date e
    FROM terms t, term WHERE t.district_id = term.district_id AND t.school_year = term.school_year
), c AS (
    SELECT o.observer_id, o.teacher_id, o.kind, o.lesson_date::date d
    FROM observations o, yr, term
    WHERE o.district_id = :'district' AND o.counted AND o.deleted_at IS NULL
      AND o.lesson_date >= to_char(least(yr.s, term.s), 'YYYY-MM-DD')
      AND o.lesson_date <= to_char(greatest(yr.e, term.e), 'YYYY-MM-DD')
), per_day AS (
    SELECT observer_id u, 'observations' a, d FROM c
    UNION ALL SELECT observer_id, 'unannounced_observations', d FROM c WHERE kind = 'unannounced'
    UNION ALL SELECT teacher_id, 'report_lessons_given', d FROM c WHERE kind = 'report_lesson'
), m AS (
    SELECT mb.user_id, mb.school_id, mb.roles::jsonb roles
    FROM memberships mb JOIN users u ON u.id = mb.user_id
    WHERE mb.district_id = :'district' AND u.deleted_at IS NULL
), mr AS (
    SELECT m.user_id, m.school_id, r.role, r.activity, r.period, r.minimum,
           CASE WHEN r.period = 'school_year' THEN yr.s ELSE term.s END ws,
           CASE WHEN r.period = 'school_year' THEN yr.e ELSE term.e END we
    FROM m
    JOIN quota_rules r ON r.district_id = :'district' AND m.roles ? r.role
     AND r.activity IN ('observations', 'unannounced_observations', 'report_lessons_given')
    CROSS JOIN yr CROSS JOIN term
), per_week AS (
    SELECT p.u, p.a, date_trunc('week', p.d)::date monday, count(*) n
    FROM per_day p, term WHERE p.d BETWEEN term.s AND term.e GROUP BY 1, 2, 3
), weeks AS (
    SELECT mr.user_id, mr.school_id, mr.role, mr.activity, mr.minimum,
           coalesce(pw.n, 0) n, least(w.monday + 6, mr.we) week_end
    FROM mr
    CROSS JOIN LATERAL (
        SELECT g::date monday
        FROM generate_series(date_trunc('week', mr.ws)::date, mr.we, interval '7 days') g
    ) w
    LEFT JOIN per_week pw ON pw.u = mr.user_id AND pw.a = mr.activity AND pw.monday = w.monday
    WHERE mr.period = 'week'
), items AS (
    SELECT mr.user_id, mr.school_id, mr.minimum::bigint required,
           least(count(p.d), mr.minimum) done,
           count(p.d) >= mr.minimum * greatest(0, least(current_date - mr.ws + 1, mr.we - mr.ws + 1))
                         / (mr.we - mr.ws + 1) on_pace
    FROM mr
    LEFT JOIN per_day p ON p.u = mr.user_id AND p.a = mr.activity AND p.d BETWEEN mr.ws AND mr.we
    WHERE mr.period <> 'week'
    GROUP BY mr.user_id, mr.school_id, mr.role, mr.activity, mr.period, mr.minimum, mr.ws, mr.we
    UNION ALL
    SELECT user_id, school_id, sum(minimum), sum(least(n, minimum)),
           bool_and(NOT (week_end < current_date AND n < minimum))
    FROM weeks GROUP BY user_id, school_id, role, activity
), people AS (
    SELECT user_id, school_id, bool_or(NOT on_pace) behind, sum(required) required, sum(done) done
    FROM items GROUP BY user_id, school_id
)
SELECT s.id, s.name, count(p.user_id) people, count(*) FILTER (WHERE p.behind) behind,
       coalesce(sum(p.required), 0) required, coalesce(sum(p.done), 0) done
FROM schools s LEFT JOIN people p ON p.school_id = s.id
WHERE s.district_id = :'district'
GROUP BY s.id, s.name
UNION ALL
SELECT NULL, 'researchers', count(*), count(*) FILTER (WHERE behind), coalesce(sum(required), 0),
       coalesce(sum(done), 0)
FROM people WHERE school_id IS NULL
ORDER BY 2, 1;
