-- Rules as the policy writes them (issue 20). A quota rule may belong to one school (`school_id`:
-- stricter than a rule of its district), name a role's qualifier (`qualifier`), and ask written
-- feedback of a minimum length for an observation to count (`feedback_min_chars`).
--
-- The UNIQUE (district_id, role, activity, period) goes: it kept a school's rule from standing
-- beside the district's, a qualified rule beside the plain one, and a grade group's rule beside a
-- subject group's (both have role ''). Duplicates are refused by the API, which replaces a set
-- of rules under a lock.
ALTER TABLE quota_rules DROP CONSTRAINT quota_rules_district_id_role_activity_period_key;
ALTER TABLE quota_rules ADD COLUMN school_id TEXT REFERENCES schools (id);
ALTER TABLE quota_rules ADD COLUMN qualifier TEXT;
ALTER TABLE quota_rules ADD COLUMN feedback_min_chars INTEGER;
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
