//! `tingke serve --demo`: a small district to click through, seeded only into an empty database.

use crate::auth::password;
use crate::photo::likeness::Print;
use chrono::{Datelike, NaiveDate};
use diesel::Connection;
use std::fmt;
use tingke_models::districts::{self, District};
use tingke_models::documents;
use tingke_models::groups::{self, Group};
use tingke_models::members::{self, NewMembership};
use tingke_models::mentorships::{self, Mentorship};
use tingke_models::observations::{self, Observation};
use tingke_models::roles::{Qualifier, Role};
use tingke_models::schools::{self, School};
use tingke_models::terms::{self, Term};
use tingke_models::users::{self, NewUser};
use tingke_models::{quotas, rubrics, Db, DbConn};

pub const DEMO_PASSWORD: &str = "tingke2026";

/// Who can log in to the demo, printed at start-up.
pub struct DemoLogins {
    pub rows: Vec<(String, String, String)>,
}

impl fmt::Display for DemoLogins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Demo data seeded. Every demo login uses the password {DEMO_PASSWORD}:"
        )?;
        for (phone, name, role) in &self.rows {
            writeln!(f, "  {phone}  {name}  {role}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] tingke_models::DbError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("demo data is missing {0}")]
    Missing(String),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// The term that covers `today`: autumn from mid-August to January, spring from February.
pub fn term_covering(today: NaiveDate) -> (String, String, String, String) {
    let y = today.year();
    let autumn_year = match today.month() {
        1 => Some(y - 1),
        8 if today.day() >= 15 => Some(y),
        9..=12 => Some(y),
        _ => None,
    };
    match autumn_year {
        Some(a) => (
            format!("{a}-{} 学年第一学期", a + 1),
            format!("{a}-{}", a + 1),
            format!("{a}-08-15"),
            format!("{}-01-31", a + 1),
        ),
        None => (
            format!("{}-{y} 学年第二学期", y - 1),
            format!("{}-{y}", y - 1),
            format!("{y}-02-01"),
            format!("{y}-08-14"),
        ),
    }
}

/// A demo person: school (`a` or `b`), phone, name, roles, subjects.
struct DemoPerson {
    school: &'static str,
    phone: &'static str,
    name: &'static str,
    roles: &'static [Role],
    subjects: &'static [&'static str],
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        school: "a",
        phone: "13800000001",
        name: "王校长",
        roles: &[Role::Principal, Role::Teacher],
        subjects: &["语文"],
    },
    DemoPerson {
        school: "a",
        phone: "13800000002",
        name: "李副校长",
        roles: &[Role::VicePrincipal, Role::Teacher],
        subjects: &["数学"],
    },
    DemoPerson {
        school: "a",
        phone: "13800000003",
        name: "张主任",
        roles: &[Role::Dean, Role::Teacher],
        subjects: &["英语"],
    },
    DemoPerson {
        school: "a",
        phone: "13800000004",
        name: "刘组长",
        roles: &[Role::GradeLeader, Role::Teacher],
        subjects: &["数学"],
    },
    DemoPerson {
        school: "a",
        phone: "13800000005",
        name: "陈老师",
        roles: &[Role::Teacher],
        subjects: &["语文"],
    },
    DemoPerson {
        school: "a",
        phone: "13800000006",
        name: "杨老师",
        roles: &[Role::Teacher],
        subjects: &["数学"],
    },
    DemoPerson {
        school: "a",
        phone: "13800000007",
        name: "赵老师",
        roles: &[Role::Teacher],
        subjects: &["科学"],
    },
    DemoPerson {
        school: "b",
        phone: "13800000011",
        name: "周校长",
        roles: &[Role::Principal],
        subjects: &[],
    },
    DemoPerson {
        school: "b",
        phone: "13800000012",
        name: "吴老师",
        roles: &[Role::Teacher],
        subjects: &["语文"],
    },
];

/// Seeds the demo district when the database has no users; `None` when it is not empty.
pub fn seed(db: &Db) -> Result<Option<DemoLogins>, SeedError> {
    let hash = password::hash(DEMO_PASSWORD).map_err(|e| SeedError::Hash(e.to_string()))?;
    let mut conn = db.write_conn()?;
    (*conn).transaction(|conn| {
        if users::any_exist(conn)? {
            return Ok(None);
        }
        seed_into(conn, &hash).map(Some)
    })
}

fn seed_into(conn: &mut DbConn, hash: &str) -> Result<DemoLogins, SeedError> {
    let now = tingke_models::now();
    let district = District {
        id: tingke_models::new_id(),
        name: "示范区".into(),
        created_at: now,
    };
    districts::insert(conn, &district)?;
    let school = |name: &str| School {
        id: tingke_models::new_id(),
        district_id: district.id.clone(),
        name: name.into(),
        created_at: now,
    };
    let (a, b) = (school("实验小学"), school("第二中学"));
    schools::insert(conn, &a)?;
    schools::insert(conn, &b)?;
    let rubric_a = rubrics::insert_version(
        conn,
        &a.id,
        (&rubrics::default_items(), Some(60)),
        None,
        now,
    )?;
    rubrics::insert_version(
        conn,
        &b.id,
        (&rubrics::default_items(), Some(60)),
        None,
        now,
    )?;
    quotas::replace(conn, &district.id, None, &quotas::default_rules(), now)?;
    let (name, school_year, starts_on, ends_on) = term_covering(now.date());
    let term = Term {
        id: tingke_models::new_id(),
        district_id: district.id.clone(),
        name,
        school_year,
        starts_on,
        ends_on,
        created_at: now,
    };
    terms::insert(conn, &term)?;
    // The real calendar of the school year: national holidays, make-up working days, breaks and
    // exam weeks.
    let autumn = term.school_year.get(..4).and_then(|y| y.parse().ok());
    if let (Some(autumn), Some(from), Some(to)) = (
        autumn,
        crate::validate::parse_date(&term.starts_on),
        crate::validate::parse_date(&term.ends_on),
    ) {
        let entries = crate::school_year::term_entries(autumn, from, to);
        tingke_models::calendar::replace(conn, &term, None, &entries, now)?;
    }
    let mut rows = Vec::new();
    let mut add = |phone: &str, name: &str, admin: bool| -> Result<String, SeedError> {
        let id = tingke_models::new_id();
        users::insert(
            conn,
            &NewUser {
                id: &id,
                name,
                phone,
                password_hash: hash,
                is_admin: admin,
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok(id)
    };
    add("13800000000", "系统管理员", true)?;
    rows.push(("13800000000".into(), "系统管理员".into(), "admin".into()));
    let mut memberships = Vec::new();
    for DemoPerson {
        school: school_key,
        phone,
        name,
        roles,
        subjects,
    } in PEOPLE
    {
        let user_id = add(phone, name, false)?;
        let school = if *school_key == "a" { &a } else { &b };
        memberships.push((user_id, Some(school.id.clone()), *roles, *subjects));
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        rows.push((
            phone.to_string(),
            name.to_string(),
            format!("{} {}", school.name, role_names.join(",")),
        ));
    }
    let researcher = add("13800000021", "孙教研员", false)?;
    memberships.push((researcher, None, &[Role::Researcher], &["数学"]));
    rows.push((
        "13800000021".into(),
        "孙教研员".into(),
        "示范区 researcher".into(),
    ));
    let ids: Vec<String> = memberships.iter().map(|m| m.0.clone()).collect();
    for (user_id, school_id, roles, subjects) in memberships {
        let subjects: Vec<String> = subjects.iter().map(|s| s.to_string()).collect();
        members::insert(
            conn,
            &NewMembership {
                user_id: &user_id,
                district_id: &district.id,
                school_id: school_id.as_deref(),
                roles,
                subjects: &subjects,
                // The demo vice principal is the one in charge of teaching (分管教学).
                qualifiers: match roles.contains(&Role::VicePrincipal) {
                    true => &[Qualifier::InChargeOfTeaching],
                    false => &[],
                },
            },
            now,
        )?;
    }
    let people = DemoObservers {
        principal: &ids[0],
        vice_principal: &ids[1],
        teachers: &ids[4..7],
    };
    seed_observations(conn, &a, &term, &rubric_a, &people)?;
    seed_mentorship(conn, &a, &term, &rubric_a, (&ids[5], &ids[6]))?;
    seed_groups(conn, &a, &ids)?;
    seed_routine(conn, (&a, &term), &ids)?;
    seed_events(conn, (&a, &term, &rubric_a), &ids)?;
    Ok(DemoLogins { rows })
}

/// School A's announced lessons (issue 20): its teaching open week of the last fortnight, with
/// the researcher's demonstration lesson in it (the principal and the dean observed it, the vice
/// principal came too) and 赵老师's open-week lesson (the vice principal observed it); and
/// 陈老师's research lesson tomorrow, the Chinese group invited. The past ones only when the term
/// is old enough to hold them. `ids` are the demo people in the order of `PEOPLE`, the researcher
/// last.
fn seed_events(
    conn: &mut DbConn,
    (school, term, rubric): (&School, &Term, &rubrics::Rubric),
    ids: &[String],
) -> Result<(), SeedError> {
    use tingke_models::events::{self, open_week, Event, OpenWeek};
    let now = tingke_models::now();
    let today = observations::local_date(now);
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let (principal, vice, dean) = (&ids[0], &ids[1], &ids[2]);
    let (chen, zhao, researcher) = (&ids[4], &ids[6], &ids[ids.len() - 1]);
    // 14:00 China time: after the demo's morning observations.
    let at_two = |d: NaiveDate| d.and_hms_opt(6, 0, 0).unwrap_or(now);
    let event = |kind: &str, teacher: &str, d: NaiveDate, invited: &[&String]| Event {
        id: tingke_models::new_id(),
        school_id: school.id.clone(),
        district_id: school.district_id.clone(),
        kind: kind.into(),
        teacher_id: teacher.to_string(),
        subject: "语文".into(),
        grade: "四年级".into(),
        class_name: "四年级2班".into(),
        topic: "古诗两首".into(),
        place: "录播教室".into(),
        starts_at: at_two(d),
        ends_at: at_two(d) + chrono::Duration::minutes(40),
        lesson_date: day(d),
        invited: serde_json::to_string(invited).unwrap_or_else(|_| "[]".into()),
        open_week_id: None,
        meeting_id: None,
        created_by: dean.clone(),
        request_hash: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let upcoming = event(
        "research",
        chen,
        today + chrono::Days::new(1),
        &[principal, dean],
    );
    events::insert(conn, &upcoming)?;
    let first = today - chrono::Days::new(12);
    if day(first) < term.starts_on {
        return Ok(());
    }
    let week = OpenWeek {
        id: tingke_models::new_id(),
        school_id: school.id.clone(),
        district_id: school.district_id.clone(),
        title: "秋季教学开放周".into(),
        starts_on: day(first),
        ends_on: day(first + chrono::Days::new(4)),
        visitors: r#"["四年级家长","第二中学"]"#.into(),
        created_by: principal.clone(),
        request_hash: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    open_week::insert(conn, &week)?;
    let in_week = |mut e: Event| {
        e.open_week_id = Some(week.id.clone());
        e
    };
    let demonstration = in_week(event(
        "demonstration",
        researcher,
        first,
        &[principal, vice, dean],
    ));
    let open = in_week(event(
        "open_week_lesson",
        zhao,
        first + chrono::Days::new(2),
        &[vice],
    ));
    for (e, attendees) in [
        (&demonstration, vec![principal, dean, vice]),
        (&open, vec![vice]),
    ] {
        events::insert(conn, e)?;
        for who in &attendees {
            events::check_in(conn, &e.id, who, e.starts_at)?;
        }
        // Each observer but the vice principal at the demonstration wrote it up; the first
        // observation counts the lesson for its teacher.
        let observers = match e.kind.as_str() {
            "demonstration" => &attendees[..2],
            _ => &attendees[..],
        };
        for (n, observer) in observers.iter().enumerate() {
            let mut o = demo_observation(DemoLesson {
                school,
                term,
                rubric,
                observer,
                teacher: &e.teacher_id,
                kind: &e.kind,
                started: e.starts_at,
                class_name: e.class_name.clone(),
                acknowledged: true,
            });
            o.event_id = Some(e.id.clone());
            o.counts_for_teacher = n == 0;
            observations::insert(conn, &o)?;
        }
    }
    Ok(())
}

/// School A's routine (issue 19): this month's check round half done (the dean checked 陈老师,
/// good, and 杨老师, below standard; 赵老师 and 刘组长 are left), a notice to 杨老师 about that
/// check in its second round, and the researcher's inspection of the school this term. `ids`
/// are the demo people in the order of `PEOPLE`, the researcher last.
fn seed_routine(
    conn: &mut DbConn,
    (school, term): (&School, &Term),
    ids: &[String],
) -> Result<(), SeedError> {
    use tingke_models::checks::{results, rounds, CheckResult, Round};
    let now = tingke_models::now();
    let today = observations::local_date(now);
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let first = today.with_day(1).unwrap_or(today);
    let (dean, good, below) = (&ids[2], &ids[4], &ids[5]);
    let round = Round {
        id: tingke_models::new_id(),
        school_id: school.id.clone(),
        title: format!("{}月教学常规检查", today.month()),
        starts_on: day(first),
        ends_on: day(first
            .checked_add_months(chrono::Months::new(1))
            .map_or(first, |next| next - chrono::Days::new(1))),
        closed_at: None,
        opened_by: dean.clone(),
        request_hash: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    rounds::insert(conn, &round)?;
    let result = |teacher: &str, grade: &str, comments: &str, guidance: &str| CheckResult {
        id: tingke_models::new_id(),
        round_id: round.id.clone(),
        school_id: school.id.clone(),
        teacher_id: teacher.to_string(),
        checked_by: dean.clone(),
        plan_ids: "[]".into(),
        homework_ids: "[]".into(),
        grade: grade.into(),
        comments: comments.into(),
        guidance: guidance.into(),
        reply: None,
        replied_at: None,
        request_hash: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    results::insert(
        conn,
        &result(good, "good", "教案详实,超周备课。", "作业可再分层。"),
    )?;
    let failed = result(
        below,
        "fail",
        "教案只有简案,作业未批改。",
        "补写详案,作业全批全改。",
    );
    results::insert(conn, &failed)?;
    let at = now.and_utc();
    let rounds = serde_json::json!([
        {
            "round": 1, "issued_by": dean, "issued_at": at, "problem": "教案只有简案,作业未批改。",
            "required": "一周内补写详案,作业全批全改。", "due_on": day(today - chrono::Days::new(3)),
            "answer": { "text": "已补写两课时详案。", "document_ids": [], "answered_by": below, "answered_at": at },
            "outcome": "escalated", "decided_by": dean, "decided_at": at
        },
        {
            "round": 2, "issued_by": dean, "issued_at": at, "problem": "其余课时仍为简案。",
            "required": "补齐本单元全部详案。", "due_on": day(today + chrono::Days::new(7)),
            "answer": null, "outcome": null, "decided_by": null, "decided_at": null
        }
    ]);
    tingke_models::notices::insert(
        conn,
        &tingke_models::notices::Notice {
            id: tingke_models::new_id(),
            school_id: school.id.clone(),
            district_id: school.district_id.clone(),
            teacher_id: Some(below.clone()),
            issued_by: dean.clone(),
            about_kind: Some("check_result".into()),
            about_id: Some(failed.id.clone()),
            round: 2,
            status: tingke_models::rules::notices::OPEN.into(),
            due_on: day(today + chrono::Days::new(7)),
            rounds: rounds.to_string(),
            request_hash: String::new(),
            version: 3,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        },
    )?;
    let parts = serde_json::json!([
        { "part": "listen", "note": "随堂听课 4 节" },
        { "part": "check", "note": "查阅教案、作业各 20 本" },
        { "part": "talk", "note": "与教研组长座谈" }
    ]);
    tingke_models::inspections::insert(
        conn,
        &tingke_models::inspections::Inspection {
            id: tingke_models::new_id(),
            school_id: school.id.clone(),
            district_id: school.district_id.clone(),
            term_id: term.id.clone(),
            inspected_on: day(today - chrono::Days::new(10)),
            parts: parts.to_string(),
            findings: "教学常规总体落实,个别教师教案过简、作业批改不及时。".into(),
            grade: "good".into(),
            recorded_by: ids[ids.len() - 1].clone(),
            request_hash: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        },
    )?;
    Ok(())
}

/// A demo group: kind, name, subject, grade and its people (indexes into `PEOPLE`).
type DemoGroup = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static [usize],
);

/// School A's groups: the fourth grade (刘组长 leads 陈老师, 杨老师 and 赵老师), its mathematics
/// lesson-preparation group (杨老师 leads 刘组长 and 李副校长), and the Chinese research group
/// (陈老师 leads, with 王校长). `ids` are the demo people in the order of `PEOPLE`.
fn seed_groups(conn: &mut DbConn, school: &School, ids: &[String]) -> Result<(), SeedError> {
    let now = tingke_models::now();
    let groups: [DemoGroup; 3] = [
        (
            groups::GRADE,
            "四年级组",
            None,
            Some("四年级"),
            &[3, 4, 5, 6],
        ),
        (
            groups::PREPARATION,
            "四年级数学备课组",
            Some("数学"),
            Some("四年级"),
            &[5, 3, 1],
        ),
        (groups::SUBJECT, "语文教研组", Some("语文"), None, &[4, 0]),
    ];
    for (kind, name, subject, grade, people) in groups {
        let group = Group {
            id: tingke_models::new_id(),
            school_id: school.id.clone(),
            kind: kind.into(),
            name: name.into(),
            subject: subject.map(Into::into),
            grade: grade.map(Into::into),
            created_by: ids[0].clone(),
            request_hash: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        groups::insert(conn, &group)?;
        // The first person named leads the group.
        let members: Vec<(String, bool)> = people
            .iter()
            .enumerate()
            .map(|(i, p)| (ids[*p].clone(), i == 0))
            .collect();
        groups::set_members(conn, &group.id, &members)?;
        seed_meeting(conn, &group, ids, now)?;
    }
    Ok(())
}

/// Last week's meeting of a demo group: the preparation group's collective preparation (杨老师
/// the main preparer, 李副校长 excused), the research group's lesson critique; none for the
/// grade group.
fn seed_meeting(
    conn: &mut DbConn,
    group: &Group,
    ids: &[String],
    now: chrono::NaiveDateTime,
) -> Result<(), SeedError> {
    use tingke_models::rules::meetings::{COLLECTIVE_PREPARATION, RESEARCH_ACTIVITY};
    let attended = |people: &[(usize, &str)]| {
        let list: Vec<serde_json::Value> = people
            .iter()
            .map(|(p, status)| serde_json::json!({ "user_id": ids[*p], "status": status }))
            .collect();
        serde_json::Value::Array(list).to_string()
    };
    let (kind, topic, activity, preparer, attendance) = match group.kind.as_str() {
        groups::PREPARATION => (
            COLLECTIVE_PREPARATION,
            "第四单元 分数的意义",
            None,
            Some(ids[5].clone()),
            attended(&[(5, "present"), (3, "present"), (1, "excused")]),
        ),
        groups::SUBJECT => (
            RESEARCH_ACTIVITY,
            "《秋天的雨》评课",
            Some("lesson_critique".to_string()),
            None,
            attended(&[(4, "present"), (0, "present")]),
        ),
        _ => return Ok(()),
    };
    let held_on = observations::local_date(now) - chrono::Days::new(7);
    tingke_models::meetings::insert(
        conn,
        &tingke_models::meetings::Meeting {
            id: tingke_models::new_id(),
            group_id: group.id.clone(),
            school_id: group.school_id.clone(),
            kind: kind.into(),
            held_on: held_on.format("%Y-%m-%d").to_string(),
            topic: topic.into(),
            activity,
            lessons: "第1-2课时".into(),
            main_preparer_id: preparer,
            document_id: None,
            discussion: "例题顺序调整;练习分三层。".into(),
            revisions: "增加一道生活情境题。".into(),
            attendance,
            observation_ids: "[]".into(),
            recorded_by: ids[5].clone(),
            request_hash: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        },
    )?;
    Ok(())
}

/// 杨老师 mentors 赵老师 in mathematics this term: she observed one of his lessons, and they
/// met for guidance twice and prepared a lesson together.
fn seed_mentorship(
    conn: &mut DbConn,
    school: &School,
    term: &Term,
    rubric: &rubrics::Rubric,
    (mentor, apprentice): (&str, &str),
) -> Result<(), SeedError> {
    let now = tingke_models::now();
    let pair = Mentorship {
        id: tingke_models::new_id(),
        school_id: school.id.clone(),
        district_id: school.district_id.clone(),
        mentor_id: mentor.into(),
        apprentice_id: apprentice.into(),
        subjects: r#"["数学"]"#.into(),
        goals: "一学期内独立完成单元教学设计,课堂提问更有层次。".into(),
        status: mentorships::ACTIVE.into(),
        ended_at: None,
        end_reason: None,
        created_by: mentor.into(),
        request_hash: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    mentorships::insert(conn, &pair, std::slice::from_ref(&term.id))?;
    let started = (now.date() - chrono::Days::new(1))
        .and_hms_opt(1, 0, 0)
        .unwrap_or(now);
    let day = observations::local_date(started)
        .format("%Y-%m-%d")
        .to_string();
    if day < term.starts_on {
        return Ok(());
    }
    let observation = demo_observation(DemoLesson {
        school,
        term,
        rubric,
        observer: mentor,
        teacher: apprentice,
        kind: "open_lesson",
        started,
        class_name: "五年级2班".into(),
        acknowledged: true,
    });
    observations::insert(conn, &observation)?;
    let kinds = [
        (
            "mentor_observes",
            Some(observation.id.clone()),
            "课后交流:提问设计",
        ),
        ("guidance", None, "讲评上周作业批改"),
        ("guidance", None, "单元教学设计思路"),
        ("joint_preparation", None, "一起备《分数的意义》"),
    ];
    for (kind, observation_id, notes) in kinds {
        mentorships::insert_activity(
            conn,
            &mentorships::Activity {
                id: tingke_models::new_id(),
                mentorship_id: pair.id.clone(),
                kind: kind.into(),
                occurred_at: started,
                occurred_on: day.clone(),
                term_id: term.id.clone(),
                notes: notes.into(),
                observation_id,
                logged_by: apprentice.into(),
                request_hash: String::new(),
                created_at: now,
            },
        )?;
    }
    Ok(())
}

struct DemoObservers<'a> {
    principal: &'a str,
    vice_principal: &'a str,
    teachers: &'a [String],
}

/// Submitted observations of the last weeks, so that progress shows some done, some remaining:
/// the principal's lessons every other day, the first three unannounced, and one report lesson.
fn seed_observations(
    conn: &mut DbConn,
    school: &School,
    term: &Term,
    rubric: &rubrics::Rubric,
    people: &DemoObservers,
) -> Result<(), SeedError> {
    let now = tingke_models::now();
    for i in 1..=9i64 {
        // 10:00 China time, i * 2 days ago; 40 minutes.
        let day = now.date() - chrono::Days::new(2 * i as u64);
        let started = day.and_hms_opt(2, 0, 0).unwrap_or(now);
        let lesson_date = observations::local_date(started)
            .format("%Y-%m-%d")
            .to_string();
        if lesson_date < term.starts_on {
            break;
        }
        let (observer, kind) = match i {
            1..=3 => (people.principal, "unannounced"),
            9 => (people.vice_principal, "report_lesson"),
            _ => (people.principal, "open_lesson"),
        };
        let teacher = &people.teachers[i as usize % people.teachers.len()];
        observations::insert(
            conn,
            &demo_observation(DemoLesson {
                school,
                term,
                rubric,
                observer,
                teacher,
                kind,
                started,
                class_name: format!("三年级{}班", i % 3 + 1),
                acknowledged: i > 3,
            }),
        )?;
    }
    Ok(())
}

struct DemoLesson<'a> {
    school: &'a School,
    term: &'a Term,
    rubric: &'a rubrics::Rubric,
    observer: &'a str,
    teacher: &'a str,
    kind: &'a str,
    started: chrono::NaiveDateTime,
    class_name: String,
    acknowledged: bool,
}

/// A submitted, counted 40-minute observation scored at four fifths of every item.
fn demo_observation(l: DemoLesson) -> Observation {
    let scores: std::collections::BTreeMap<String, i32> = l
        .rubric
        .items
        .iter()
        .map(|i| (i.key.clone(), i.max_score * 4 / 5))
        .collect();
    let submitted = l.started + chrono::Duration::minutes(50);
    Observation {
        id: tingke_models::new_id(),
        school_id: l.school.id.clone(),
        district_id: l.school.district_id.clone(),
        term_id: Some(l.term.id.clone()),
        rubric_id: l.rubric.id.clone(),
        observer_id: l.observer.to_string(),
        teacher_id: l.teacher.to_string(),
        kind: l.kind.into(),
        subject: "语文".into(),
        grade: "三年级".into(),
        class_name: l.class_name,
        topic: "古诗两首".into(),
        started_at: l.started,
        ended_at: l.started + chrono::Duration::minutes(40),
        lesson_date: observations::local_date(l.started)
            .format("%Y-%m-%d")
            .to_string(),
        recorded_at: submitted,
        total_score: scores.values().sum(),
        scores: serde_json::to_string(&scores).unwrap_or_default(),
        strengths: "导入自然,学生参与度高。".into(),
        suggestions: "小组讨论时间可以再充分一些。".into(),
        comments: String::new(),
        status: observations::SUBMITTED.into(),
        submitted_at: Some(submitted),
        counted: true,
        not_counted_reason: None,
        // Recorded within the hour.
        late: false,
        acknowledged_at: l
            .acknowledged
            .then_some(submitted + chrono::Duration::hours(3)),
        teacher_reply: l.acknowledged.then(|| "收到,谢谢指导。".to_string()),
        request_hash: String::new(),
        version: 1,
        created_at: l.started,
        updated_at: submitted,
        deleted_at: None,
        event_id: None,
        counts_for_teacher: true,
    }
}

/// A lesson plan (two photographed pages, reviewed: needs revision by next week) and a
/// guided-learning sheet in use, both by 陈老师, with their pages in the blob store.
pub async fn seed_documents(
    db: &Db,
    store: &dyn crate::storage::BlobStore,
) -> Result<(), SeedError> {
    let mut conn = db.write_conn()?;
    let who =
        |phone: &str, conn: &mut DbConn| -> Result<(String, Vec<members::Membership>), SeedError> {
            let user =
                users::find_by_phone(conn, phone)?.ok_or(SeedError::Missing(phone.to_string()))?;
            let of = members::for_user(conn, &user.id)?;
            Ok((user.id, of))
        };
    let (teacher, of) = who("13800000005", &mut conn)?;
    let (dean, _) = who("13800000003", &mut conn)?;
    let (grade_leader, _) = who("13800000004", &mut conn)?;
    let (principal, _) = who("13800000001", &mut conn)?;
    let school = of
        .iter()
        .find_map(|m| m.school_id.clone())
        .ok_or(SeedError::Missing("a school".into()))?;
    let district = of[0].district_id.clone();
    let now = tingke_models::now();
    let today = observations::local_date(now);
    let plan = demo_document(
        &school,
        &district,
        &teacher,
        documents::LESSON_PLAN,
        "分数的意义",
        now,
    );
    let sheet = demo_document(
        &school,
        &district,
        &teacher,
        documents::GUIDED_LEARNING_SHEET,
        "分数的基本性质",
        now,
    );
    for (doc, seeds) in [(&plan, &[21u64, 22][..]), (&sheet, &[23u64][..])] {
        documents::insert(&mut conn, doc)?;
        for (i, seed) in seeds.iter().enumerate() {
            let page = demo_page(store, doc, *seed, i as i32 + 1).await?;
            keep_page(&mut conn, doc, page)?;
        }
    }
    let mut plan = plan;
    plan.status = documents::status::NEEDS_REVISION.into();
    plan.submitted_at = Some(now);
    plan.version = 3;
    documents::update_if_version(&mut conn, &plan, 1)?;
    documents::insert_review(
        &mut conn,
        &documents::Review {
            id: tingke_models::new_id(),
            document_id: plan.id.clone(),
            reviewer_id: dean,
            verdict: documents::NEEDS_REVISION.into(),
            comments: "教学过程写得较简略。".into(),
            guidance: "请补充小组活动的设计意图和时间分配。".into(),
            rectify_by: Some(
                (today + chrono::Days::new(7))
                    .format("%Y-%m-%d")
                    .to_string(),
            ),
            resolved_at: None,
            created_at: now,
        },
    )?;
    let mut sheet = sheet;
    sheet.status = documents::status::IN_USE.into();
    sheet.submitted_at = Some(now);
    sheet.approved_by = Some(grade_leader.clone());
    sheet.signed_off_by = Some(principal.clone());
    sheet.version = 4;
    documents::update_if_version(&mut conn, &sheet, 1)?;
    seed_group_sheet(
        &mut conn,
        store,
        (&school, &district),
        (&grade_leader, &principal),
    )
    .await
}

/// The fourth-grade mathematics group's sheet, drafted together by its people and in use.
async fn seed_group_sheet(
    conn: &mut DbConn,
    store: &dyn crate::storage::BlobStore,
    (school, district): (&str, &str),
    (grade_leader, principal): (&str, &str),
) -> Result<(), SeedError> {
    let group = tingke_models::groups::find_by_name(conn, school, "四年级数学备课组")?
        .ok_or(SeedError::Missing("四年级数学备课组".into()))?;
    let author = users::find_by_phone(conn, "13800000006")?
        .ok_or(SeedError::Missing("13800000006".into()))?;
    let now = tingke_models::now();
    let mut sheet = demo_document(
        school,
        district,
        &author.id,
        documents::GUIDED_LEARNING_SHEET,
        "小数的意义(集体备课)",
        now,
    );
    sheet.grade = "四年级".into();
    sheet.group_id = Some(group.id);
    sheet.status = documents::status::IN_USE.into();
    sheet.submitted_at = Some(now);
    sheet.approved_by = Some(grade_leader.to_string());
    sheet.signed_off_by = Some(principal.to_string());
    documents::insert(conn, &sheet)?;
    let page = demo_page(store, &sheet, 24, 1).await?;
    keep_page(conn, &sheet, page)?;
    Ok(())
}

fn demo_document(
    school: &str,
    district: &str,
    teacher: &str,
    kind: &str,
    topic: &str,
    now: chrono::NaiveDateTime,
) -> documents::Document {
    documents::Document {
        id: tingke_models::new_id(),
        school_id: school.into(),
        district_id: district.into(),
        teacher_id: teacher.into(),
        kind: kind.into(),
        subject: "数学".into(),
        grade: "五年级".into(),
        topic: topic.into(),
        lesson_date: observations::local_date(now).format("%Y-%m-%d").to_string(),
        status: documents::status::DRAFT.into(),
        submitted_at: None,
        approved_by: None,
        signed_off_by: None,
        request_hash: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        group_id: None,
    }
}

/// A demo page and its print into the database and the district's index of prints.
fn keep_page(
    conn: &mut DbConn,
    doc: &documents::Document,
    (page, prints): (documents::PageRow, (Print, Print)),
) -> Result<(), SeedError> {
    documents::insert_page(conn, &page)?;
    let found = crate::prints::find(conn, &doc.district_id, (&prints.0, &prints.1))?;
    crate::prints::keep(conn, &page.id, &doc.district_id, &found)?;
    Ok(())
}

/// A generated handwritten page, through the real pipeline, into the store.
async fn demo_page(
    store: &dyn crate::storage::BlobStore,
    doc: &documents::Document,
    seed: u64,
    position: i32,
) -> Result<(documents::PageRow, (Print, Print)), SeedError> {
    let photo = crate::photo::testimages::page_jpeg(seed, 1200, 1600, 85);
    let processed = crate::photo::process(&photo, &crate::photo::Limits::default())
        .map_err(|e| SeedError::Missing(e.to_string()))?;
    let id = tingke_models::new_id();
    let base = format!("schools/{}/pages/{id}", doc.school_id);
    let (page_key, thumb_key) = (format!("{base}/page.jpg"), format!("{base}/thumb.jpg"));
    store
        .put(&page_key, processed.page_jpeg.clone(), "image/jpeg")
        .await?;
    store
        .put(&thumb_key, processed.thumb_jpeg, "image/jpeg")
        .await?;
    let row = documents::PageRow {
        id,
        document_id: doc.id.clone(),
        school_id: doc.school_id.clone(),
        teacher_id: doc.teacher_id.clone(),
        position,
        width: processed.width as i32,
        height: processed.height as i32,
        bytes: processed.page_jpeg.len() as i64,
        sha256: processed.original_sha256,
        phash: processed.phash as i64,
        page_key,
        thumb_key,
        created_at: tingke_models::now(),
    };
    Ok((row, (processed.print, processed.half_step)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_covers_every_day_of_the_year() {
        let mut day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        while day.year() == 2026 {
            let (_, _, starts, ends) = term_covering(day);
            let d = day.format("%Y-%m-%d").to_string();
            assert!(starts <= d && d <= ends, "{d} not in {starts}..{ends}");
            day = day.succ_opt().unwrap();
        }
    }
}
