-- Rules as the policy writes them (issue 20). A quota rule may belong to one school (`school_id`:
-- stricter than a rule of its district), name a role's qualifier (`qualifier`), and ask written
-- feedback of a minimum length for an observation to count (`feedback_min_chars`).
--
-- The table is rebuilt: its UNIQUE (district_id, role, activity, period) kept a school's rule
-- from standing beside the district's, a qualified rule beside the plain one, and a grade group's
-- rule beside a subject group's (both have role ''). Duplicates are refused by the API, which
-- replaces a set of rules under a lock.
CREATE TABLE quota_rules_new (
    id TEXT PRIMARY KEY NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts (id),
    role TEXT NOT NULL,
    activity TEXT NOT NULL,
    period TEXT NOT NULL,
    minimum INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    target TEXT NOT NULL DEFAULT 'person',
    group_kind TEXT,
    school_id TEXT REFERENCES schools (id),
    qualifier TEXT,
    feedback_min_chars INTEGER
);
INSERT INTO quota_rules_new (id, district_id, role, activity, period, minimum, created_at, target,
                             group_kind)
SELECT id, district_id, role, activity, period, minimum, created_at, target, group_kind
  FROM quota_rules;
DROP TABLE quota_rules;
ALTER TABLE quota_rules_new RENAME TO quota_rules;
CREATE INDEX quota_rules_district ON quota_rules (district_id, id);

-- A membership's role may carry a qualifier: the vice principal in charge of teaching
-- (分管教学副校长) holds `["in_charge_of_teaching"]`.
ALTER TABLE memberships ADD COLUMN qualifiers TEXT NOT NULL DEFAULT '[]';

-- Only the vice principal in charge of teaching has the 20-a-term quota and the weekly
-- unannounced observation ("学校校长、分管教学的副校长、教务主任每周确保推门听课"). The rules that are
-- still the seeded defaults get the qualifier; a district's own changes are left as they are.
UPDATE quota_rules SET qualifier = 'in_charge_of_teaching'
 WHERE target = 'person' AND role = 'vice_principal' AND school_id IS NULL
   AND ((activity = 'observations' AND period = 'term' AND minimum = 20)
     OR (activity = 'unannounced_observations' AND period = 'week' AND minimum = 1));

-- 听评课 is observing and critiquing: the default rules of leaders and researchers ask written
-- feedback (strengths or suggestions of at least 5 characters: "好" or "不错" is no critique) for an observation to count.
UPDATE quota_rules SET feedback_min_chars = 5
 WHERE target = 'person' AND school_id IS NULL
   AND role IN ('principal', 'vice_principal', 'dean', 'researcher')
   AND activity IN ('observations', 'unannounced_observations');
