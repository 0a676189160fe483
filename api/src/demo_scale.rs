//! `tingke demo --scale N`: a generated district for benchmarks (issue 7).
//!
//! At scale 1: 200 schools, 20,000 teachers with their roles, 20 district teaching researchers,
//! one complete school year of submitted and counted observations (about 1,000,000, one per lesson
//! period per observer at most, on teaching days of the year's two terms), lesson plans and
//! guided-learning sheets with page records and reviews, mentor–apprentice pairs with their
//! activities, groups with their meetings, a monthly check round per school with its results and
//! the notices of the failed ones, an inspection of each school each term. Smaller scales shrink the district: `--scale 0.005` is one school of 100 teachers.
//!
//! Deterministic: the same scale and seed give the same rows (ids included), except the
//! timestamps of the setup rows. Rows go in with multi-row inserts, one transaction per school,
//! and every user shares one password hash ([`crate::demo::DEMO_PASSWORD`]). Page records point at
//! a handful of shared page images, put in the blob store once.

use crate::auth::password;
use crate::demo::{SeedError, DEMO_PASSWORD};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::Connection;
use std::fmt;
use std::time::Instant;
use tingke_models::bulk::{self, GroupMemberRow, MentorshipTermRow, UserRow};
use tingke_models::checks::{CheckResult, Round};
use tingke_models::districts::{self, District};
use tingke_models::documents::{self, Document, PageRow, Review};
use tingke_models::events::{Attendance, Event, OpenWeek};
use tingke_models::groups::{Group, GRADE, PREPARATION, SUBJECT};
use tingke_models::inspections::Inspection;
use tingke_models::meetings::Meeting;
use tingke_models::members::MembershipRow;
use tingke_models::mentorships::{self, Activity, Mentorship};
use tingke_models::notices::Notice;
use tingke_models::observations::{self, Observation};
use tingke_models::rubrics::{self, RubricRow};
use tingke_models::rules::{checks, meetings};
use tingke_models::schools::School;
use tingke_models::terms::{self, Term};
use tingke_models::{quotas, users, Db, DbConn};

/// Schools, teachers and researchers at scale 1.
const SCHOOLS: f64 = 200.0;
const TEACHERS: f64 = 20_000.0;
const RESEARCHERS: f64 = 20.0;
/// The fewest people a generated school has: a principal, a vice principal, a dean, a
/// grade-group leader and four teachers.
const MIN_STAFF: usize = 8;
/// Shared page images in the blob store that every page record points at.
const SHARED_PAGES: usize = 4;
/// Lesson periods of a school day, China time (hour, minute); lessons last 40 minutes.
const PERIODS: [(u32, u32); 7] = [
    (8, 0),
    (8, 50),
    (9, 45),
    (10, 40),
    (14, 0),
    (14, 50),
    (15, 45),
];
const LESSON_MINUTES: i64 = 40;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强",
];
const SUBJECTS: &[&str] = &[
    "语文",
    "数学",
    "英语",
    "科学",
    "道德与法治",
    "音乐",
    "体育",
    "美术",
];
const GRADES: &[&str] = &["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"];
const TOPICS: &[&str] = &[
    "古诗两首",
    "分数的意义",
    "小数的加法和减法",
    "My family",
    "植物的一生",
    "认识时间",
    "圆的面积",
    "找春天",
    "长方体和正方体",
    "声音的产生",
    "我们的节日",
    "平行四边形的面积",
];
const STRENGTHS: &[&str] = &[
    "导入自然,学生参与度高。",
    "目标明确,重点突出,板书清晰。",
    "问题设计有层次,学生思维活跃。",
    "小组合作有序,评价及时。",
];
const SUGGESTIONS: &[&str] = &[
    "小组讨论时间可以再充分一些。",
    "关注后排学生的参与。",
    "练习的梯度可以再拉开一些。",
    "课堂小结可以让学生来做。",
];
const REPLIES: &[&str] = &[
    "收到,谢谢指导。",
    "谢谢,下节课改进。",
    "好的,我再研究一下。",
];

/// A small deterministic generator (xorshift64*): the data must be the same on every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A UUIDv7 for a record created at `at`, random bits from this generator.
    fn id(&mut self, at: NaiveDateTime) -> String {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        let millis = at.and_utc().timestamp_millis().max(0) as u64;
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
            .into_uuid()
            .to_string()
    }

    fn name(&mut self) -> String {
        format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN))
    }
}

/// How big the generated district is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub schools: usize,
    pub teachers: usize,
    pub researchers: usize,
}

impl Size {
    pub fn at(scale: f64) -> Size {
        let schools = ((SCHOOLS * scale).round() as usize).max(1);
        Size {
            schools,
            teachers: ((TEACHERS * scale).round() as usize).max(schools * MIN_STAFF),
            researchers: ((RESEARCHERS * scale).round() as usize).max(1),
        }
    }

    fn staff_of(&self, school: usize) -> usize {
        self.teachers / self.schools + usize::from(school < self.teachers % self.schools)
    }
}

/// What was generated, and who can log in (every login uses [`DEMO_PASSWORD`]).
#[derive(Debug, Clone)]
pub struct Summary {
    pub size: Size,
    pub district_id: String,
    /// The last term of the generated school year: the one to ask for progress and compliance.
    pub term_id: String,
    pub term_name: String,
    pub admin_phone: String,
    pub principal_phone: String,
    pub teacher_phone: String,
    pub researcher_phone: String,
    pub observations: usize,
    pub documents: usize,
    pub pages: usize,
    pub mentorships: usize,
    pub activities: usize,
    pub groups: usize,
    pub meetings: usize,
    pub check_results: usize,
    pub notices: usize,
    pub events: usize,
    pub seconds: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Generated in {:.1} s: {} schools, {} teachers, {} researchers, {} observations, \
             {} documents with {} pages, {} mentorships with {} activities, {} groups with {} \
             meetings, {} check results, {} notices, {} announced lessons.",
            self.seconds,
            self.size.schools,
            self.size.teachers,
            self.size.researchers,
            self.observations,
            self.documents,
            self.pages,
            self.mentorships,
            self.activities,
            self.groups,
            self.meetings,
            self.check_results,
            self.notices,
            self.events,
        )?;
        writeln!(f, "Every login uses the password {DEMO_PASSWORD}.")?;
        writeln!(f, "district_id={}", self.district_id)?;
        writeln!(f, "term_id={}", self.term_id)?;
        writeln!(f, "term_name={}", self.term_name)?;
        writeln!(f, "admin={}", self.admin_phone)?;
        writeln!(f, "principal={}", self.principal_phone)?;
        writeln!(f, "teacher={}", self.teacher_phone)?;
        writeln!(f, "researcher={}", self.researcher_phone)
    }
}

/// The generated school year: its two terms and their teaching days.
struct Calendar {
    terms: [Term; 2],
    /// Teaching days (Monday to Friday, outside the holidays) with the index of their term.
    days: Vec<(NaiveDate, usize)>,
    day_names: Vec<String>,
}

impl Calendar {
    fn slots(&self) -> usize {
        self.days.len() * PERIODS.len()
    }

    /// The UTC start of lesson `slot` (day × period).
    fn start(&self, slot: usize) -> NaiveDateTime {
        let (day, _) = self.days[slot / PERIODS.len()];
        let (h, m) = PERIODS[slot % PERIODS.len()];
        day.and_hms_opt(h, m, 0).unwrap_or_default()
            - Duration::hours(observations::SCHOOL_UTC_OFFSET_HOURS)
    }

    fn days_of_term(&self, term: usize) -> Vec<usize> {
        (0..self.days.len())
            .filter(|&d| self.days[d].1 == term)
            .collect()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The autumn year of the school year that holds `today` (it starts on 15 August).
fn school_year_of(today: NaiveDate) -> i32 {
    match (today.month(), today.day()) {
        (m, _) if m >= 9 => today.year(),
        (8, d) if d >= 15 => today.year(),
        _ => today.year() - 1,
    }
}

fn term(district_id: &str, autumn: i32, spring: bool, now: NaiveDateTime, rng: &mut Rng) -> Term {
    let (name, starts, ends) = match spring {
        false => ("第一学期", date(autumn, 8, 15), date(autumn + 1, 1, 31)),
        true => ("第二学期", date(autumn + 1, 2, 1), date(autumn + 1, 8, 14)),
    };
    Term {
        id: rng.id(now),
        district_id: district_id.into(),
        name: format!("{autumn}-{} 学年{name}", autumn + 1),
        school_year: format!("{autumn}-{}", autumn + 1),
        starts_on: starts.format("%Y-%m-%d").to_string(),
        ends_on: ends.format("%Y-%m-%d").to_string(),
        created_at: now,
    }
}

/// Teaching days of the school year starting in `autumn`: 1 September to mid-January, late
/// February to early July, as the school calendar has them (`school_year`: no national holidays
/// or exam weeks, make-up Saturdays and Sundays included).
fn teaching_days(autumn: i32) -> Vec<(NaiveDate, usize)> {
    let entries = crate::school_year::school_year(autumn);
    let calendar = tingke_models::calendar::Calendar::new(entries.iter().map(|e| &e.span));
    let spans = [
        (date(autumn, 9, 1), date(autumn + 1, 1, 16), 0),
        (date(autumn + 1, 2, 24), date(autumn + 1, 7, 10), 1),
    ];
    let mut days = Vec::new();
    for (from, to, term) in spans {
        let mut day = from;
        while day <= to {
            if calendar.is_teaching_day(day) {
                days.push((day, term));
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }
    days
}

/// A term's calendar entries: the school year's, cut to the term.
fn calendar_of(conn: &mut DbConn, term: &Term, autumn: i32, now: NaiveDateTime) -> QueryResult {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if let (Some(from), Some(to)) = (day(&term.starts_on), day(&term.ends_on)) {
        let entries = crate::school_year::term_entries(autumn, from, to);
        tingke_models::calendar::replace(conn, term, None, &entries, now)?;
    }
    Ok(())
}

type QueryResult = Result<(), diesel::result::Error>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Post {
    Principal,
    VicePrincipal,
    Dean,
    GradeLeader,
    Teacher,
}

impl Post {
    fn roles(self) -> &'static str {
        match self {
            Post::Principal => r#"["principal","teacher"]"#,
            Post::VicePrincipal => r#"["vice_principal","teacher"]"#,
            Post::Dean => r#"["dean","teacher"]"#,
            Post::GradeLeader => r#"["grade_leader","teacher"]"#,
            Post::Teacher => r#"["teacher"]"#,
        }
    }

    /// Lessons observed in the school year: quotas plus a margin; teachers observe colleagues.
    fn observations_per_year(self, rng: &mut Rng) -> usize {
        match self {
            Post::Principal => 70,
            Post::VicePrincipal | Post::Dean => 50,
            Post::GradeLeader => 40,
            Post::Teacher => 40 + rng.below(21),
        }
    }

    fn leads(self) -> bool {
        matches!(self, Post::Principal | Post::VicePrincipal | Post::Dean)
    }
}

struct Person {
    id: String,
    post: Post,
    subject: &'static str,
    grade: &'static str,
}

/// A school's people as the rest of the district needs them (researchers observe them).
struct SchoolRef {
    id: String,
    rubric_id: String,
    teachers: Vec<(String, &'static str, &'static str)>,
}

/// What every generated row shares.
struct Shared<'a> {
    district_id: &'a str,
    hash: &'a str,
    calendar: &'a Calendar,
    rubric_items: Vec<(String, i32)>,
    now: NaiveDateTime,
    /// The researcher who records the district's inspections.
    inspector: Option<String>,
}

#[derive(Default)]
struct Counts {
    observations: usize,
    documents: usize,
    pages: usize,
    mentorships: usize,
    activities: usize,
    groups: usize,
    meetings: usize,
    check_results: usize,
    notices: usize,
    events: usize,
}

/// Fills an empty database with a district of the given scale. Refuses a database with users.
pub fn generate(db: &Db, scale: f64, seed: u64, today: NaiveDate) -> Result<Summary, SeedError> {
    let started = Instant::now();
    if !(scale > 0.0 && scale <= 10.0) {
        return Err(SeedError::Missing(format!(
            "a scale in (0, 10], not {scale}"
        )));
    }
    let size = Size::at(scale);
    let hash = password::hash(DEMO_PASSWORD).map_err(|e| SeedError::Hash(e.to_string()))?;
    let mut rng = Rng::new(seed);
    let now = tingke_models::now();
    let mut conn = db.write_conn()?;
    if users::any_exist(&mut conn)? {
        return Err(SeedError::Missing(
            "an empty database: this one has users already".into(),
        ));
    }
    let district = District {
        id: rng.id(now),
        name: "基准区".into(),
        created_at: now,
    };
    let current = school_year_of(today);
    let year = current - 1;
    let calendar = Calendar {
        terms: [
            term(&district.id, year, false, now, &mut rng),
            term(&district.id, year, true, now, &mut rng),
        ],
        days: teaching_days(year),
        day_names: Vec::new(),
    };
    let calendar = Calendar {
        day_names: calendar
            .days
            .iter()
            .map(|(d, _)| d.format("%Y-%m-%d").to_string())
            .collect(),
        ..calendar
    };
    let shared = Shared {
        district_id: &district.id,
        hash: &hash,
        calendar: &calendar,
        rubric_items: rubrics::default_items()
            .into_iter()
            .map(|i| (i.key, i.max_score))
            .collect(),
        now,
        inspector: None,
    };
    let admin_phone = "13600000000".to_string();
    let researchers: Vec<UserRow> = (0..size.researchers)
        .map(|i| user(&mut rng, &shared, format!("137{i:08}"), false))
        .collect();
    let shared = Shared {
        inspector: researchers.first().map(|r| r.id.clone()),
        ..shared
    };
    (*conn).transaction(|conn| -> Result<(), SeedError> {
        districts::insert(conn, &district)?;
        quotas::replace(conn, &district.id, None, &quotas::default_rules(), now)?;
        for t in &calendar.terms {
            terms::insert(conn, t)?;
            calendar_of(conn, t, year, now)?;
        }
        // The current school year too, without data: the app's "this term" exists.
        for spring in [false, true] {
            let t = term(&district.id, current, spring, now, &mut rng);
            terms::insert(conn, &t)?;
            calendar_of(conn, &t, current, now)?;
        }
        let admin = user(&mut rng, &shared, admin_phone.clone(), true);
        bulk::users(conn, std::slice::from_ref(&admin))?;
        bulk::users(conn, &researchers)?;
        let rows: Vec<MembershipRow> = researchers
            .iter()
            .map(|r| MembershipRow {
                id: rng.id(now),
                user_id: r.id.clone(),
                district_id: district.id.clone(),
                school_id: None,
                scope_id: district.id.clone(),
                roles: r#"["researcher"]"#.into(),
                subjects: format!(r#"["{}"]"#, rng.pick(SUBJECTS)),
                created_at: now,
                qualifiers: "[]".into(),
                contact_school_ids: "[]".into(),
                grades: "[]".into(),
            })
            .collect();
        bulk::memberships(conn, &rows)?;
        Ok(())
    })?;
    let mut counts = Counts::default();
    let mut schools = Vec::with_capacity(size.schools);
    let mut next_phone = 0usize;
    for s in 0..size.schools {
        let staff = size.staff_of(s);
        let school = (*conn).transaction(|conn| {
            school_rows(conn, &mut rng, &shared, s, staff, next_phone, &mut counts)
        })?;
        next_phone += staff;
        schools.push(school);
        if (s + 1) % 20 == 0 {
            tracing::info!(
                schools = s + 1,
                observations = counts.observations,
                "generating"
            );
        }
    }
    (*conn).transaction(|conn| {
        researcher_rows(conn, &mut rng, &shared, &researchers, &schools, &mut counts)
    })?;
    bulk::analyze(&mut conn)?;
    Ok(Summary {
        size,
        district_id: district.id.clone(),
        term_id: calendar.terms[1].id.clone(),
        term_name: calendar.terms[1].name.clone(),
        admin_phone,
        principal_phone: format!("139{:08}", 0),
        teacher_phone: format!("139{:08}", size.staff_of(0) - 1),
        researcher_phone: format!("137{:08}", 0),
        observations: counts.observations,
        documents: counts.documents,
        pages: counts.pages,
        mentorships: counts.mentorships,
        activities: counts.activities,
        groups: counts.groups,
        meetings: counts.meetings,
        check_results: counts.check_results,
        notices: counts.notices,
        events: counts.events,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn user(rng: &mut Rng, shared: &Shared, phone: String, is_admin: bool) -> UserRow {
    UserRow {
        id: rng.id(shared.now),
        name: match is_admin {
            true => "系统管理员".into(),
            false => rng.name(),
        },
        phone,
        password_hash: shared.hash.to_string(),
        is_admin,
        created_at: shared.now,
        updated_at: shared.now,
        password_change_required: false,
    }
}

/// The posts of a school of `staff` people, in phone order: principal first, plain teachers last.
fn posts(staff: usize) -> Vec<Post> {
    let deputies = if staff >= 40 { 2 } else { 1 };
    let grade_leaders = (staff / 16).clamp(1, 6);
    let mut posts = vec![Post::Principal];
    posts.extend(std::iter::repeat_n(Post::VicePrincipal, deputies));
    posts.extend(std::iter::repeat_n(Post::Dean, deputies));
    posts.extend(std::iter::repeat_n(Post::GradeLeader, grade_leaders));
    posts.resize(staff, Post::Teacher);
    posts
}

/// One school: its people, rubric, observations, documents and pairs, in one transaction.
fn school_rows(
    conn: &mut DbConn,
    rng: &mut Rng,
    shared: &Shared,
    index: usize,
    staff: usize,
    first_phone: usize,
    counts: &mut Counts,
) -> Result<SchoolRef, SeedError> {
    let now = shared.now;
    let school = School {
        id: rng.id(now),
        district_id: shared.district_id.into(),
        name: format!("第{}小学", index + 1),
        created_at: now,
    };
    bulk::schools(conn, std::slice::from_ref(&school))?;
    let rubric = RubricRow {
        id: rng.id(now),
        school_id: school.id.clone(),
        version: 1,
        items: serde_json::to_string(&rubrics::default_items()).unwrap_or_else(|_| "[]".into()),
        created_by: None,
        created_at: now,
        pass_line: Some(60),
    };
    bulk::rubrics(conn, std::slice::from_ref(&rubric))?;

    let mut users = Vec::with_capacity(staff);
    let mut members = Vec::with_capacity(staff);
    let mut people = Vec::with_capacity(staff);
    for (i, post) in posts(staff).into_iter().enumerate() {
        let row = user(rng, shared, format!("139{:08}", first_phone + i), false);
        let subject = *rng.pick(SUBJECTS);
        members.push(MembershipRow {
            id: rng.id(now),
            user_id: row.id.clone(),
            district_id: shared.district_id.into(),
            school_id: Some(school.id.clone()),
            scope_id: school.id.clone(),
            roles: post.roles().into(),
            subjects: format!(r#"["{subject}"]"#),
            created_at: now,
            // The first vice principal is the one in charge of teaching (分管教学).
            qualifiers: match i == 1 && post == Post::VicePrincipal {
                true => r#"["in_charge_of_teaching"]"#.into(),
                false => "[]".into(),
            },
            contact_school_ids: "[]".into(),
            grades: "[]".into(),
        });
        people.push(Person {
            id: row.id.clone(),
            post,
            subject,
            grade: GRADES[rng.below(GRADES.len())],
        });
        users.push(row);
    }
    bulk::users(conn, &users)?;
    bulk::memberships(conn, &members)?;

    // Pairs: consecutive plain teachers, mentor then apprentice, about one pair per ten people.
    let first_teacher = people
        .iter()
        .position(|p| p.post == Post::Teacher)
        .unwrap_or(people.len());
    let pair_count = (staff / 10).max(1).min((staff - first_teacher) / 2);
    let mut partner: Vec<Option<(usize, bool)>> = vec![None; staff];
    let mut pairs = Vec::with_capacity(pair_count);
    let mut pair_terms = Vec::new();
    for p in 0..pair_count {
        let (m, a) = (first_teacher + 2 * p, first_teacher + 2 * p + 1);
        partner[m] = Some((p, true));
        partner[a] = Some((p, false));
        let pair = Mentorship {
            id: rng.id(now),
            school_id: school.id.clone(),
            district_id: shared.district_id.into(),
            mentor_id: people[m].id.clone(),
            apprentice_id: people[a].id.clone(),
            subjects: format!(r#"["{}"]"#, people[m].subject),
            goals: "一学年内独立完成单元教学设计,课堂提问更有层次。".into(),
            status: mentorships::ACTIVE.into(),
            ended_at: None,
            end_reason: None,
            created_by: people[0].id.clone(),
            request_hash: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        for t in &shared.calendar.terms {
            pair_terms.push(MentorshipTermRow {
                mentorship_id: pair.id.clone(),
                term_id: t.id.clone(),
            });
        }
        pairs.push(pair);
    }

    let cal = shared.calendar;
    let mut observations = Vec::new();
    let mut activities = Vec::new();
    for (k, person) in people.iter().enumerate() {
        let count = person.post.observations_per_year(rng);
        let stride = (cal.slots() / count.max(1)).max(1);
        for i in 0..count {
            let slot = (i * stride + rng.below(stride)).min(cal.slots() - 1);
            let target = match partner[k] {
                Some((p, true)) if rng.chance(16.0 / 50.0) => Some((p, k + 1, true)),
                Some((p, false)) if rng.chance(32.0 / 50.0) => Some((p, k - 1, false)),
                _ => None,
            };
            let observed = match target {
                Some((_, t, _)) => t,
                None => (k + 1 + rng.below(staff - 1)) % staff,
            };
            let kind = match (person.post.leads(), rng.below(10)) {
                (true, 0..=5) => "unannounced",
                (_, 0) => "report_lesson",
                (_, 1..=2) => "research",
                (_, 3) => "demonstration",
                _ => "open_lesson",
            };
            let o = observation(
                rng,
                shared,
                &school.id,
                &rubric.id,
                &person.id,
                &people[observed],
                kind,
                slot,
            );
            if let Some((p, _, mentor_side)) = target {
                let kind = match mentor_side {
                    true => mentorships::MENTOR_OBSERVES,
                    false => mentorships::APPRENTICE_OBSERVES,
                };
                activities.push(activity(
                    rng,
                    &pairs[p].id,
                    kind,
                    o.started_at,
                    &o.lesson_date,
                    o.term_id.clone().unwrap_or_default(),
                    Some(o.id.clone()),
                    &person.id,
                ));
            }
            observations.push(o);
        }
    }
    // Guidance sessions and joint preparation: five a term per pair, after school.
    for (t, term) in cal.terms.iter().enumerate() {
        let days = cal.days_of_term(t);
        for pair in &pairs {
            for n in 0..5 {
                let d = *rng.pick(&days);
                let at = cal.start(d * PERIODS.len() + PERIODS.len() - 1)
                    + Duration::minutes(LESSON_MINUTES + 20);
                let kind = if n < 4 {
                    "guidance"
                } else {
                    "joint_preparation"
                };
                activities.push(activity(
                    rng,
                    &pair.id,
                    kind,
                    at,
                    &cal.day_names[d],
                    term.id.clone(),
                    None,
                    &pair.apprentice_id,
                ));
            }
        }
    }
    let (documents, pages, reviews) = document_rows(rng, shared, &school, &people);
    let (groups, group_people, meetings) = group_rows(rng, shared, &school.id, &people);

    let events = event_rows(rng, shared, (&school.id, &rubric.id), &people);
    bulk::open_weeks(conn, &events.open_weeks)?;
    counts.events += bulk::events(conn, &events.events)?;
    counts.observations += bulk::observations(conn, &observations)?;
    counts.observations += bulk::observations(conn, &events.observations)?;
    bulk::event_attendance(conn, &events.attendance)?;
    counts.mentorships += bulk::mentorships(conn, &pairs)?;
    bulk::mentorship_terms(conn, &pair_terms)?;
    counts.activities += bulk::activities(conn, &activities)?;
    counts.documents += bulk::documents(conn, &documents)?;
    counts.pages += bulk::pages(conn, &pages)?;
    bulk::reviews(conn, &reviews)?;
    counts.groups += bulk::groups(conn, &groups)?;
    bulk::group_members(conn, &group_people)?;
    counts.meetings += bulk::meetings(conn, &meetings)?;
    let routine = routine_rows(rng, shared, &school.id, &people);
    bulk::check_rounds(conn, &routine.rounds)?;
    counts.check_results += bulk::check_results(conn, &routine.results)?;
    counts.notices += bulk::notices(conn, &routine.notices)?;
    bulk::inspections(conn, &routine.inspections)?;
    Ok(SchoolRef {
        id: school.id,
        rubric_id: rubric.id,
        teachers: people
            .into_iter()
            .map(|p| (p.id, p.subject, p.grade))
            .collect(),
    })
}

/// A school's announced lessons of the year (issue 20).
struct Events {
    open_weeks: Vec<OpenWeek>,
    events: Vec<Event>,
    attendance: Vec<Attendance>,
    /// The observations of the events.
    observations: Vec<Observation>,
}

/// Per term three teachers' report lessons and a research lesson, each observed by two of the
/// school's leaders (the first observation counts the lesson for its teacher) while a third
/// checks in; the teaching open week in the autumn term's tenth teaching week, with a lesson of
/// it observed the same way.
fn event_rows(
    rng: &mut Rng,
    shared: &Shared,
    (school_id, rubric_id): (&str, &str),
    people: &[Person],
) -> Events {
    let cal = shared.calendar;
    let leaders: Vec<&Person> = people.iter().filter(|p| p.post.leads()).collect();
    let teachers: Vec<&Person> = people.iter().filter(|p| p.post == Post::Teacher).collect();
    let mut out = Events {
        open_weeks: Vec::new(),
        events: Vec::new(),
        attendance: Vec::new(),
        observations: Vec::new(),
    };
    if leaders.len() < 3 || teachers.is_empty() {
        return out;
    }
    let autumn = cal.days_of_term(0);
    let week: Vec<usize> = autumn.iter().copied().skip(45).take(5).collect();
    let mut lessons: Vec<(&str, usize, Option<String>)> = Vec::new();
    if let (Some(first), Some(last)) = (week.first(), week.last()) {
        let id = rng.id(shared.now);
        out.open_weeks.push(OpenWeek {
            id: id.clone(),
            school_id: school_id.into(),
            district_id: shared.district_id.into(),
            title: "教学开放周".into(),
            starts_on: cal.day_names[*first].clone(),
            ends_on: cal.day_names[*last].clone(),
            visitors: r#"["家长代表"]"#.into(),
            created_by: leaders[0].id.clone(),
            request_hash: String::new(),
            version: 1,
            created_at: shared.now,
            updated_at: shared.now,
            deleted_at: None,
        });
        lessons.push(("open_week_lesson", week[1.min(week.len() - 1)], Some(id)));
    }
    for t in 0..cal.terms.len() {
        let days = cal.days_of_term(t);
        for kind in [
            "report_lesson",
            "report_lesson",
            "report_lesson",
            "research",
        ] {
            lessons.push((kind, *rng.pick(&days), None));
        }
    }
    for (kind, day, open_week_id) in lessons {
        let slot = day * PERIODS.len() + rng.below(PERIODS.len());
        let teacher = *rng.pick(&teachers);
        let start = rng.below(leaders.len());
        let who: Vec<&Person> = (0..3)
            .map(|n| leaders[(start + n) % leaders.len()])
            .collect();
        let event_id = rng.id(cal.start(slot));
        for (n, observer) in who.iter().take(2).enumerate() {
            let mut o = observation(
                rng,
                shared,
                school_id,
                rubric_id,
                &observer.id,
                teacher,
                kind,
                slot,
            );
            o.event_id = Some(event_id.clone());
            o.counts_for_teacher = n == 0;
            out.observations.push(o);
        }
        let starts_at = cal.start(slot);
        for p in &who {
            out.attendance.push(Attendance {
                event_id: event_id.clone(),
                user_id: p.id.clone(),
                checked_in_at: starts_at - Duration::minutes(5),
            });
        }
        out.events.push(Event {
            id: event_id,
            school_id: school_id.into(),
            district_id: shared.district_id.into(),
            kind: kind.into(),
            teacher_id: teacher.id.clone(),
            subject: teacher.subject.into(),
            grade: teacher.grade.into(),
            class_name: format!("{}1班", teacher.grade),
            topic: (*rng.pick(TOPICS)).into(),
            place: "录播教室".into(),
            starts_at,
            ends_at: starts_at + Duration::minutes(LESSON_MINUTES),
            lesson_date: cal.day_names[day].clone(),
            invited: serde_json::to_string(&who.iter().map(|p| &p.id).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into()),
            open_week_id,
            meeting_id: None,
            created_by: who[0].id.clone(),
            request_hash: String::new(),
            version: 1,
            created_at: shared.now,
            updated_at: shared.now,
            deleted_at: None,
        });
    }
    out
}

/// A school's routine of the year (issue 19).
struct Routine {
    rounds: Vec<Round>,
    results: Vec<CheckResult>,
    notices: Vec<Notice>,
    inspections: Vec<Inspection>,
}

/// A check round each month of the year with teaching days, opened by the dean and closed at its
/// end; nine teachers in ten checked in each (a fifth excellent, half good, a quarter pass, one in
/// twenty below standard, each of those sent a notice that went one to three rounds); an
/// inspection of the school each term.
fn routine_rows(rng: &mut Rng, shared: &Shared, school_id: &str, people: &[Person]) -> Routine {
    let cal = shared.calendar;
    let now = shared.now;
    let dean = people
        .iter()
        .find(|p| p.post == Post::Dean)
        .unwrap_or(&people[0]);
    let mut months: Vec<NaiveDate> = cal
        .days
        .iter()
        .map(|(d, _)| d.with_day(1).unwrap_or(*d))
        .collect();
    months.dedup();
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut out = Routine {
        rounds: Vec::new(),
        results: Vec::new(),
        notices: Vec::new(),
        inspections: Vec::new(),
    };
    for first in months {
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .map_or(first, |d| d - Duration::days(1));
        let round = Round {
            id: rng.id(now),
            school_id: school_id.to_string(),
            title: format!("{}月教学常规检查", first.month()),
            starts_on: day(first),
            ends_on: day(last),
            closed_at: Some(now),
            opened_by: dean.id.clone(),
            request_hash: String::new(),
            version: 2,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let checked = people
            .iter()
            .filter(|p| matches!(p.post, Post::Teacher | Post::GradeLeader));
        for p in checked {
            if !rng.chance(0.9) {
                continue;
            }
            let grade = match rng.below(20) {
                0..=3 => "excellent",
                4..=13 => "good",
                14..=18 => "pass",
                _ => "fail",
            };
            let result = CheckResult {
                id: rng.id(now),
                round_id: round.id.clone(),
                school_id: school_id.to_string(),
                teacher_id: p.id.clone(),
                checked_by: dean.id.clone(),
                plan_ids: "[]".into(),
                homework_ids: "[]".into(),
                grade: grade.into(),
                comments: rng.pick(STRENGTHS).to_string(),
                guidance: rng.pick(SUGGESTIONS).to_string(),
                reply: None,
                replied_at: None,
                request_hash: String::new(),
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            if grade == checks::FAIL {
                out.notices.push(notice(rng, shared, &result, last));
            }
            out.results.push(result);
        }
        out.rounds.push(round);
    }
    if let Some(inspector) = &shared.inspector {
        for (t, term) in cal.terms.iter().enumerate() {
            let days = cal.days_of_term(t);
            let d = cal.days[*rng.pick(&days)].0;
            out.inspections.push(Inspection {
                id: rng.id(now),
                school_id: school_id.to_string(),
                district_id: shared.district_id.to_string(),
                term_id: term.id.clone(),
                inspected_on: day(d),
                parts: r#"[{"part":"listen","note":"随堂听课"},{"part":"check","note":"查阅教案作业"}]"#
                    .into(),
                findings: "教学常规基本落实。".into(),
                grade: ["excellent", "good", "pass"][rng.below(3)].into(),
                recorded_by: inspector.clone(),
                request_hash: String::new(),
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            });
        }
    }
    out
}

/// The notice after a failed check: one to three rounds, the last verified or still open.
fn notice(rng: &mut Rng, shared: &Shared, r: &CheckResult, round_ends: NaiveDate) -> Notice {
    let rounds = 1 + rng.below(3) as i32;
    let at = shared.now.and_utc();
    let history: Vec<serde_json::Value> = (1..=rounds)
        .map(|n| {
            let due = round_ends + Duration::days(14 * i64::from(n));
            serde_json::json!({
                "round": n, "issued_by": r.checked_by, "issued_at": at,
                "problem": "教案过简,作业批改不及时。", "required": "补写详案,作业全批全改。",
                "due_on": due.format("%Y-%m-%d").to_string(),
                "answer": { "text": "已整改。", "document_ids": [], "answered_by": r.teacher_id, "answered_at": at },
                "outcome": if n < rounds { "escalated" } else { "verified" },
                "decided_by": r.checked_by, "decided_at": at
            })
        })
        .collect();
    let due = round_ends + Duration::days(14 * i64::from(rounds));
    Notice {
        id: rng.id(shared.now),
        school_id: r.school_id.clone(),
        district_id: shared.district_id.to_string(),
        teacher_id: Some(r.teacher_id.clone()),
        issued_by: r.checked_by.clone(),
        about_kind: Some("check_result".into()),
        about_id: Some(r.id.clone()),
        round: rounds,
        status: tingke_models::rules::notices::VERIFIED.into(),
        due_on: due.format("%Y-%m-%d").to_string(),
        rounds: serde_json::Value::Array(history).to_string(),
        request_hash: String::new(),
        version: 1 + 2 * rounds,
        created_at: shared.now,
        updated_at: shared.now,
        deleted_at: None,
    }
}

/// The subjects whose lessons are prepared together, grade by grade (备课组).
const PREPARED_TOGETHER: [&str; 2] = ["语文", "数学"];

/// A school's groups and what they held: a subject group per subject and a grade group per grade
/// (their leaders the first of their people, a grade leader for a grade group where there is
/// one), a lesson-preparation group for Chinese and mathematics in each grade with two people or
/// more. Subject and preparation groups meet in nine weeks of ten.
fn group_rows(
    rng: &mut Rng,
    shared: &Shared,
    school_id: &str,
    people: &[Person],
) -> (Vec<Group>, Vec<GroupMemberRow>, Vec<Meeting>) {
    let mut groups = Vec::new();
    let mut members = Vec::new();
    let mut meetings = Vec::new();
    let mut grade_leaders = people.iter().filter(|p| p.post == Post::GradeLeader);
    let mut add =
        |rng: &mut Rng, kind: &str, name: String, of: Vec<&Person>, leader: Option<&Person>| {
            let group = Group {
                id: rng.id(shared.now),
                school_id: school_id.to_string(),
                kind: kind.to_string(),
                name,
                subject: of
                    .first()
                    .map(|p| p.subject.to_string())
                    .filter(|_| kind != GRADE),
                grade: of
                    .first()
                    .map(|p| p.grade.to_string())
                    .filter(|_| kind != SUBJECT),
                created_by: people[0].id.clone(),
                request_hash: String::new(),
                version: 1,
                created_at: shared.now,
                updated_at: shared.now,
                deleted_at: None,
            };
            let leader = leader.or(of.first().copied()).map(|p| p.id.as_str());
            for p in of.iter().filter(|p| Some(p.id.as_str()) != leader) {
                members.push(GroupMemberRow {
                    group_id: group.id.clone(),
                    user_id: p.id.clone(),
                    leader: false,
                });
            }
            if let Some(l) = leader {
                members.push(GroupMemberRow {
                    group_id: group.id.clone(),
                    user_id: l.to_string(),
                    leader: true,
                });
            }
            if kind != GRADE {
                meetings.extend(weekly_meetings(rng, shared, &group, &of));
            }
            groups.push(group);
        };
    for subject in SUBJECTS {
        let of: Vec<&Person> = people.iter().filter(|p| p.subject == *subject).collect();
        if !of.is_empty() {
            add(rng, SUBJECT, format!("{subject}教研组"), of, None);
        }
    }
    for grade in GRADES {
        let of: Vec<&Person> = people.iter().filter(|p| p.grade == *grade).collect();
        if !of.is_empty() {
            add(rng, GRADE, format!("{grade}组"), of, grade_leaders.next());
        }
        for subject in PREPARED_TOGETHER {
            let of: Vec<&Person> = people
                .iter()
                .filter(|p| p.grade == *grade && p.subject == subject)
                .collect();
            if of.len() >= 2 {
                add(
                    rng,
                    PREPARATION,
                    format!("{grade}{subject}备课组"),
                    of,
                    None,
                );
            }
        }
    }
    (groups, members, meetings)
}

/// A group's meetings: one on a teaching day of nine weeks in ten of the year, everyone present.
fn weekly_meetings(rng: &mut Rng, shared: &Shared, group: &Group, of: &[&Person]) -> Vec<Meeting> {
    let cal = shared.calendar;
    let kind = meetings::kind_for(&group.kind);
    let attendance: Vec<serde_json::Value> = of
        .iter()
        .map(|p| serde_json::json!({ "user_id": p.id, "status": "present" }))
        .collect();
    let attendance = serde_json::Value::Array(attendance).to_string();
    let mut weeks: Vec<usize> = Vec::new();
    for (d, (day, _)) in cal.days.iter().enumerate() {
        let new_week = weeks
            .last()
            .is_none_or(|&w| cal.days[w].0.iso_week() != day.iso_week());
        if new_week {
            weeks.push(d);
        }
    }
    weeks.retain(|_| !rng.chance(0.1));
    weeks
        .into_iter()
        .map(|d| {
            let preparer = of[rng.below(of.len())];
            Meeting {
                id: rng.id(shared.now),
                group_id: group.id.clone(),
                school_id: group.school_id.clone(),
                kind: kind.to_string(),
                held_on: cal.day_names[d].clone(),
                topic: rng.pick(TOPICS).to_string(),
                activity: (kind == meetings::RESEARCH_ACTIVITY).then(|| "lesson_study".to_string()),
                lessons: String::new(),
                main_preparer_id: (kind == meetings::COLLECTIVE_PREPARATION)
                    .then(|| preparer.id.clone()),
                document_id: None,
                discussion: String::new(),
                revisions: String::new(),
                attendance: attendance.clone(),
                observation_ids: "[]".into(),
                recorded_by: preparer.id.clone(),
                request_hash: String::new(),
                version: 1,
                created_at: shared.now,
                updated_at: shared.now,
                deleted_at: None,
            }
        })
        .collect()
}

/// A submitted, counted observation of `teacher`'s lesson in `slot`.
#[allow(clippy::too_many_arguments)]
fn observation(
    rng: &mut Rng,
    shared: &Shared,
    school_id: &str,
    rubric_id: &str,
    observer_id: &str,
    teacher: &Person,
    kind: &str,
    slot: usize,
) -> Observation {
    let cal = shared.calendar;
    let day = slot / PERIODS.len();
    let started = cal.start(slot);
    let submitted = started + Duration::minutes(LESSON_MINUTES + 5 + rng.below(120) as i64);
    let mut scores = String::from("{");
    let mut total = 0;
    let mut items: Vec<&(String, i32)> = shared.rubric_items.iter().collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, (key, max)) in items.into_iter().enumerate() {
        let score = max * 6 / 10 + rng.below((max - max * 6 / 10 + 1) as usize) as i32;
        total += score;
        if n > 0 {
            scores.push(',');
        }
        scores.push_str(&format!("\"{key}\":{score}"));
    }
    scores.push('}');
    let acknowledged = rng.chance(0.8);
    Observation {
        id: rng.id(started),
        school_id: school_id.into(),
        district_id: shared.district_id.into(),
        term_id: Some(cal.terms[cal.days[day].1].id.clone()),
        rubric_id: rubric_id.into(),
        observer_id: observer_id.into(),
        teacher_id: teacher.id.clone(),
        kind: kind.into(),
        subject: teacher.subject.into(),
        grade: teacher.grade.into(),
        class_name: format!("{}{}班", teacher.grade, 1 + rng.below(6)),
        topic: (*rng.pick(TOPICS)).into(),
        started_at: started,
        ended_at: started + Duration::minutes(LESSON_MINUTES),
        lesson_date: cal.day_names[day].clone(),
        recorded_at: submitted,
        scores,
        total_score: total,
        strengths: (*rng.pick(STRENGTHS)).into(),
        suggestions: (*rng.pick(SUGGESTIONS)).into(),
        comments: String::new(),
        status: observations::SUBMITTED.into(),
        submitted_at: Some(submitted),
        counted: true,
        not_counted_reason: None,
        // Recorded within the hour.
        late: false,
        acknowledged_at: acknowledged.then(|| submitted + Duration::hours(3)),
        teacher_reply: acknowledged.then(|| (*rng.pick(REPLIES)).to_string()),
        request_hash: String::new(),
        version: 1,
        created_at: started,
        updated_at: submitted,
        deleted_at: None,
        event_id: None,
        counts_for_teacher: true,
    }
}

#[allow(clippy::too_many_arguments)]
fn activity(
    rng: &mut Rng,
    pair_id: &str,
    kind: &str,
    at: NaiveDateTime,
    day: &str,
    term_id: String,
    observation_id: Option<String>,
    logged_by: &str,
) -> Activity {
    Activity {
        id: rng.id(at),
        mentorship_id: pair_id.into(),
        kind: kind.into(),
        occurred_at: at,
        occurred_on: day.into(),
        term_id,
        notes: "课后交流:提问设计与课堂节奏。".into(),
        observation_id,
        logged_by: logged_by.into(),
        request_hash: String::new(),
        created_at: at,
    }
}

/// Five documents a year per person (one in five a guided-learning sheet), one to three pages
/// each, reviewed by the school's leaders.
fn document_rows(
    rng: &mut Rng,
    shared: &Shared,
    school: &School,
    people: &[Person],
) -> (Vec<Document>, Vec<PageRow>, Vec<Review>) {
    let cal = shared.calendar;
    let (principal, dean) = (&people[0].id, &people[people.len().min(4) - 1].id);
    let grade_leader = people
        .iter()
        .find(|p| p.post == Post::GradeLeader)
        .map_or(principal, |p| &p.id);
    let (mut documents, mut pages, mut reviews) = (Vec::new(), Vec::new(), Vec::new());
    for person in people {
        for n in 0..5 {
            let day = rng.below(cal.days.len());
            let at = cal.start(day * PERIODS.len()) - Duration::hours(12);
            let sheet = n == 4;
            let roll = rng.below(10);
            let status = match (sheet, roll) {
                (true, 0..=6) => documents::status::IN_USE,
                (false, 0..=6) => documents::status::APPROVED,
                (false, 7) => documents::status::NEEDS_REVISION,
                _ => documents::status::SUBMITTED,
            };
            let doc = Document {
                id: rng.id(at),
                school_id: school.id.clone(),
                district_id: shared.district_id.into(),
                teacher_id: person.id.clone(),
                kind: match sheet {
                    true => documents::GUIDED_LEARNING_SHEET,
                    false => documents::LESSON_PLAN,
                }
                .into(),
                subject: person.subject.into(),
                grade: person.grade.into(),
                topic: (*rng.pick(TOPICS)).into(),
                lesson_date: cal.day_names[day].clone(),
                status: status.into(),
                submitted_at: Some(at + Duration::minutes(30)),
                approved_by: (status == documents::status::IN_USE).then(|| grade_leader.clone()),
                signed_off_by: (status == documents::status::IN_USE).then(|| principal.clone()),
                request_hash: String::new(),
                version: 2,
                created_at: at,
                updated_at: at + Duration::hours(20),
                deleted_at: None,
                group_id: None,
            };
            for position in 1..=(1 + rng.below(3)) as i32 {
                let shared_page = rng.below(SHARED_PAGES);
                pages.push(PageRow {
                    id: rng.id(at),
                    document_id: doc.id.clone(),
                    school_id: school.id.clone(),
                    teacher_id: person.id.clone(),
                    position,
                    width: 1800,
                    height: 2400,
                    bytes: 400_000 + rng.below(400_000) as i64,
                    sha256: format!(
                        "{:016x}{:016x}{:016x}{:016x}",
                        rng.next(),
                        rng.next(),
                        rng.next(),
                        rng.next()
                    ),
                    phash: rng.next() as i64,
                    page_key: shared_page_key(shared_page, "page"),
                    thumb_key: shared_page_key(shared_page, "thumb"),
                    created_at: at,
                });
            }
            let verdict = match status {
                documents::status::APPROVED => Some(documents::APPROVED),
                documents::status::NEEDS_REVISION => Some(documents::NEEDS_REVISION),
                _ => None,
            };
            if let Some(verdict) = verdict {
                let revise = verdict == documents::NEEDS_REVISION;
                reviews.push(Review {
                    id: rng.id(at + Duration::hours(20)),
                    document_id: doc.id.clone(),
                    reviewer_id: dean.clone(),
                    verdict: verdict.into(),
                    comments: "教学过程写得较清楚。".into(),
                    guidance: match revise {
                        true => "请补充小组活动的设计意图和时间分配。".into(),
                        false => String::new(),
                    },
                    rectify_by: revise.then(|| {
                        (cal.days[day].0 + Duration::days(7))
                            .format("%Y-%m-%d")
                            .to_string()
                    }),
                    resolved_at: None,
                    created_at: at + Duration::hours(20),
                });
            }
            documents.push(doc);
        }
    }
    (documents, pages, reviews)
}

/// Researchers observe lessons across the district's schools, 25 a year each.
fn researcher_rows(
    conn: &mut DbConn,
    rng: &mut Rng,
    shared: &Shared,
    researchers: &[UserRow],
    schools: &[SchoolRef],
    counts: &mut Counts,
) -> Result<(), SeedError> {
    let cal = shared.calendar;
    let mut rows = Vec::new();
    for r in researchers {
        let count = 25;
        let stride = cal.slots() / count;
        for i in 0..count {
            let slot = i * stride + rng.below(stride);
            let school = rng.pick(schools);
            let (id, subject, grade) = rng.pick(&school.teachers).clone();
            let teacher = Person {
                id,
                post: Post::Teacher,
                subject,
                grade,
            };
            let kind = *rng.pick(&["research", "open_lesson", "unannounced"]);
            rows.push(observation(
                rng,
                shared,
                &school.id,
                &school.rubric_id,
                &r.id,
                &teacher,
                kind,
                slot,
            ));
        }
    }
    let lessons = researchers_lessons(rng, shared, researchers, schools);
    counts.events += bulk::events(conn, &lessons.events)?;
    counts.observations += bulk::observations(conn, &rows)?;
    counts.observations += bulk::observations(conn, &lessons.observations)?;
    bulk::event_attendance(conn, &lessons.attendance)?;
    Ok(())
}

/// Each researcher's demonstration lesson of each term in a school of the district
/// ("要求教研员每学期到学校讲授公开课、示范课"), observed by its principal and vice principal.
fn researchers_lessons(
    rng: &mut Rng,
    shared: &Shared,
    researchers: &[UserRow],
    schools: &[SchoolRef],
) -> Events {
    let cal = shared.calendar;
    let mut out = Events {
        open_weeks: Vec::new(),
        events: Vec::new(),
        attendance: Vec::new(),
        observations: Vec::new(),
    };
    for r in researchers {
        for t in 0..cal.terms.len() {
            let school = rng.pick(schools);
            if school.teachers.len() < 2 {
                continue;
            }
            let day = *rng.pick(&cal.days_of_term(t));
            let slot = day * PERIODS.len() + rng.below(PERIODS.len());
            let (starts_at, event_id) = (cal.start(slot), rng.id(cal.start(slot)));
            let (subject, grade) = (school.teachers[0].1, school.teachers[0].2);
            let researcher = Person {
                id: r.id.clone(),
                post: Post::Teacher,
                subject,
                grade,
            };
            for (n, (observer, _, _)) in school.teachers[..2].iter().enumerate() {
                let mut o = observation(
                    rng,
                    shared,
                    &school.id,
                    &school.rubric_id,
                    observer,
                    &researcher,
                    "demonstration",
                    slot,
                );
                o.event_id = Some(event_id.clone());
                o.counts_for_teacher = n == 0;
                out.observations.push(o);
                out.attendance.push(Attendance {
                    event_id: event_id.clone(),
                    user_id: observer.clone(),
                    checked_in_at: starts_at,
                });
            }
            out.events.push(Event {
                id: event_id,
                school_id: school.id.clone(),
                district_id: shared.district_id.into(),
                kind: "demonstration".into(),
                teacher_id: r.id.clone(),
                subject: subject.into(),
                grade: grade.into(),
                class_name: format!("{grade}1班"),
                topic: (*rng.pick(TOPICS)).into(),
                place: "录播教室".into(),
                starts_at,
                ends_at: starts_at + Duration::minutes(LESSON_MINUTES),
                lesson_date: cal.day_names[day].clone(),
                invited: "[]".into(),
                open_week_id: None,
                meeting_id: None,
                created_by: r.id.clone(),
                request_hash: String::new(),
                version: 1,
                created_at: shared.now,
                updated_at: shared.now,
                deleted_at: None,
            });
        }
    }
    out
}

/// The blob key of shared page image `n`.
fn shared_page_key(n: usize, which: &str) -> String {
    format!("bench/pages/{n}/{which}.jpg")
}

/// Puts the shared page images that every generated page record points at, through the real
/// pipeline, so signed URLs of generated pages answer with a picture.
pub async fn put_shared_pages(store: &dyn crate::storage::BlobStore) -> Result<(), SeedError> {
    for n in 0..SHARED_PAGES {
        let photo = crate::photo::testimages::page_jpeg(100 + n as u64, 1200, 1600, 85);
        let processed = crate::photo::process(&photo, &crate::photo::Limits::default())
            .map_err(|e| SeedError::Missing(e.to_string()))?;
        store
            .put(
                &shared_page_key(n, "page"),
                processed.page_jpeg,
                "image/jpeg",
            )
            .await?;
        store
            .put(
                &shared_page_key(n, "thumb"),
                processed.thumb_jpeg,
                "image/jpeg",
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn scale_one_is_the_district_of_the_issue() {
        let size = Size::at(1.0);
        assert_eq!(
            (size.schools, size.teachers, size.researchers),
            (200, 20_000, 20)
        );
        let total: usize = (0..size.schools).map(|s| size.staff_of(s)).sum();
        assert_eq!(total, 20_000);
    }

    #[test]
    fn small_scales_make_one_school_with_its_leaders() {
        let size = Size::at(0.005);
        assert_eq!((size.schools, size.teachers), (1, 100));
        let size = Size::at(0.0001);
        assert_eq!((size.schools, size.teachers), (1, MIN_STAFF));
        let posts = posts(MIN_STAFF);
        assert_eq!(posts[0], Post::Principal);
        assert!(posts.contains(&Post::Dean) && posts.contains(&Post::GradeLeader));
        assert_eq!(posts.iter().filter(|p| **p == Post::Teacher).count(), 4);
    }

    #[test]
    fn teaching_days_follow_the_school_calendar() {
        let days = teaching_days(2025);
        assert!(days.len() > 160 && days.len() < 190, "{}", days.len());
        let weekend = |d: &NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let on_weekends: Vec<NaiveDate> = days.iter().map(|(d, _)| *d).filter(weekend).collect();
        assert_eq!(
            on_weekends,
            [
                date(2025, 9, 28),
                date(2025, 10, 11),
                date(2026, 1, 4),
                date(2026, 2, 28),
                date(2026, 5, 9)
            ],
            "the make-up working days (调休) of the year, not the one in the winter break"
        );
        let day = |d| days.iter().any(|(t, _)| *t == d);
        assert!(!day(date(2025, 10, 1)) && !day(date(2026, 1, 13)) && !day(date(2026, 5, 1)));
        assert!(days.iter().any(|(_, t)| *t == 0) && days.iter().any(|(_, t)| *t == 1));
        assert_eq!(school_year_of(date(2026, 12, 1)), 2026);
        assert_eq!(school_year_of(date(2026, 3, 1)), 2025);
    }

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let at = date(2026, 1, 5).and_hms_opt(1, 0, 0).unwrap();
        assert_eq!(a.id(at), b.id(at));
        assert_ne!(a.id(at), a.id(at));
    }
}
