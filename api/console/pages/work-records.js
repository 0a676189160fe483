// Records read at a desk (issue 22): an observation with its scores and feedback, a mentorship's
// record and a school's pairs, and a teacher's archive of a school year that prints on A4.
import {
  ApiError, addStrings, fill, fmtDate, fmtDay, get, getAll, h, link, roleName, route, session, setTitle, t,
  table, withQuery,
} from '../core.js';
import { kindName, label, statusName, verdictName } from './work-common.js';

const enc = encodeURIComponent;
const fact = (name, value) => [h('dt', {}, name), h('dd', {}, value)];
const text = (value) => h('div', { class: 'work-text' }, value || '—');
const yesNo = (value) => (value ? t('rec.yes') : t('rec.no'));

/** The district's terms by id (empty when the caller may not list them). */
async function termsOf(districtId) {
  try {
    return new Map((await getAll(`/v1/districts/${enc(districtId)}/terms`)).map((term) => [term.id, term]));
  } catch (error) {
    if (error instanceof ApiError && [403, 404].includes(error.status)) return new Map();
    throw error;
  }
}

const termName = (terms, id) => terms.get(id)?.name || id;

/** Of `ids`, the term holding today, else the latest one that began. */
function currentTerm(terms, ids) {
  const today = new Date().toISOString().slice(0, 10);
  const known = ids.map((id) => terms.get(id)).filter(Boolean);
  const now = known.find((term) => term.starts_on <= today && today <= term.ends_on);
  if (now) return now.id;
  const begun = known.filter((term) => term.starts_on <= today).sort((a, b) => a.starts_on.localeCompare(b.starts_on));
  return (begun.at(-1) || known[0])?.id || ids.at(-1) || null;
}

// ---------------------------------------------------------------------------------------------
// An observation.

route('/console/observations/:id', async (main, params) => {
  const obs = await get(`/v1/observations/${enc(params.id)}`);
  setTitle(obs.topic || t('rec.observation'));
  let items = new Map();
  try {
    const rubric = await get(`/v1/schools/${enc(obs.school_id)}/rubric`);
    items = new Map((rubric.items || []).map((item) => [item.key, item]));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  const scores = Object.entries(obs.scores || {}).map(([key, score]) => ({ key, score, item: items.get(key) }));
  const corrections = obs.corrections || [];
  fill(main,
    h('h1', {}, obs.topic || t('rec.observation'), h('span', { class: `work-status work-status-obs-${obs.status}` }, label('rec.obs_status', obs.status))),
    h('dl', { class: 'work-facts' },
      fact(t('work.teacher'), link(`/console/people/${enc(obs.teacher_id)}/archive`, obs.teacher_name)),
      fact(t('rec.observer'), obs.observer_name),
      fact(t('rec.kind'), label('rec.obs_kind', obs.kind)),
      fact(t('work.subject'), `${obs.subject} · ${obs.grade} ${obs.class_name}`),
      fact(t('rec.lesson'), `${fmtDate(obs.started_at)} – ${fmtDate(obs.ended_at).split(' ').at(-1)}`),
      fact(t('rec.submitted'), obs.submitted_at ? fmtDate(obs.submitted_at) : '—'),
      fact(t('rec.counted'), obs.counted ? t('rec.yes') : `${t('rec.no')}（${label('rec.not_counted', obs.not_counted_reason)}）`),
      obs.late ? fact(t('rec.late'), t('rec.yes')) : null,
      fact(t('rec.total'), h('strong', { class: 'work-total' }, String(obs.total_score)))),
    h('h2', {}, t('rec.scores')),
    table([
      [t('rec.item'), (s) => (s.item ? s.item.title : s.key)],
      [t('rec.dimension'), (s) => (s.item ? label('rec.dimension', s.item.dimension) : '—')],
      [t('rec.score'), (s) => (s.item ? `${s.score} / ${s.item.max_score}` : String(s.score))],
    ], scores, t('rec.no_scores')),
    h('h2', {}, t('rec.feedback')),
    h('dl', { class: 'work-feedback' },
      fact(t('rec.strengths'), text(obs.strengths)),
      fact(t('rec.suggestions'), text(obs.suggestions)),
      fact(t('work.comments'), text(obs.comments))),
    h('h2', {}, t('rec.acknowledgement')),
    obs.acknowledged_at
      ? h('div', { class: 'card work-ack' }, h('p', { class: 'ok' }, t('rec.acknowledged', { at: fmtDate(obs.acknowledged_at) })),
        obs.teacher_reply ? [h('p', {}, h('strong', {}, t('rec.reply'))), text(obs.teacher_reply)] : null)
      : h('p', { class: 'work-ack muted' }, obs.status === 'submitted' ? t('rec.not_acknowledged') : t('rec.draft')),
    h('h2', {}, t('rec.corrections', { n: corrections.length })),
    table([
      [t('work.when'), (c) => fmtDate(c.created_at)],
      [t('rec.by'), (c) => c.corrected_by_name],
      [t('rec.reason'), (c) => text(c.reason)],
      [t('rec.changes'), (c) => h('ul', { class: 'work-changes' }, Object.entries(c.changes || {}).map(([k, v]) =>
        h('li', {}, h('code', {}, k), '：', typeof v === 'object' ? JSON.stringify(v) : String(v))))],
    ], corrections, t('rec.no_corrections')));
});

// ---------------------------------------------------------------------------------------------
// A mentorship and a school's pairs.

route('/console/mentorships/:id', async (main, params) => {
  const base = `/v1/mentorships/${enc(params.id)}`;
  const pair = await get(base);
  setTitle(t('rec.pair_title', { mentor: pair.mentor_name, apprentice: pair.apprentice_name }));
  const [activities, terms] = await Promise.all([getAll(`${base}/activities`), termsOf(pair.district_id)]);
  const termId = params.term_id && pair.term_ids.includes(params.term_id) ? params.term_id : currentTerm(terms, pair.term_ids);
  let progress = null;
  if (termId) progress = await get(withQuery(`${base}/progress`, { term_id: termId }));
  const termPicker = pair.term_ids.length > 1
    ? h('form', { class: 'row no-print', method: 'get' },
      h('label', { for: 'rec-term' }, t('rec.term')),
      h('select', { id: 'rec-term', name: 'term_id' }, pair.term_ids.map((id) => h('option', { value: id, selected: id === termId }, termName(terms, id)))),
      h('button', { type: 'submit' }, t('work.show')))
    : null;
  fill(main,
    h('p', { class: 'no-print' }, link(`/console/schools/${enc(pair.school_id)}/mentorships`, `← ${t('rec.pairs_title')}`)),
    h('h1', {}, t('rec.pair_title', { mentor: pair.mentor_name, apprentice: pair.apprentice_name }),
      h('span', { class: `work-status work-status-${pair.status}` }, label('rec.pair_status', pair.status))),
    h('dl', { class: 'work-facts' },
      fact(roleName('mentor'), pair.mentor_name),
      fact(roleName('apprentice'), link(`/console/people/${enc(pair.apprentice_id)}/archive`, pair.apprentice_name)),
      fact(t('rec.subjects'), pair.subjects.join('、') || '—'),
      fact(t('rec.terms'), pair.term_ids.map((id) => termName(terms, id)).join('、')),
      fact(t('rec.since'), fmtDay(pair.created_at)),
      pair.ended_at ? fact(t('rec.ended'), `${fmtDay(pair.ended_at)} ${pair.end_reason || ''}`) : null),
    h('h2', {}, t('rec.goals')), text(pair.goals),
    h('h2', {}, t('rec.progress', { term: termId ? termName(terms, termId) : '—' })),
    termPicker,
    progress ? table([
      [t('rec.rule'), (p) => `${roleName(p.role)} · ${label('rec.activity', p.activity)}`],
      [t('rec.done'), (p) => String(p.done)],
      [t('rec.remaining'), (p) => String(p.remaining)],
      [t('rec.on_pace'), (p) => h('span', { class: p.on_pace ? 'ok' : 'bad' }, yesNo(p.on_pace))],
    ], progress.items, t('rec.no_rules')) : h('p', { class: 'empty' }, t('rec.no_term')),
    h('h2', {}, t('rec.activities', { n: activities.length })),
    table([
      [t('rec.day'), (a) => fmtDay(a.occurred_on)],
      [t('rec.kind'), (a) => label('rec.activity', a.kind)],
      [t('rec.notes'), (a) => text(a.notes)],
      [t('rec.observation'), (a) => (a.observation_id ? link(`/console/observations/${enc(a.observation_id)}`, t('rec.open')) : '—')],
      [t('rec.term'), (a) => termName(terms, a.term_id)],
    ], [...activities].sort((a, b) => String(b.occurred_at).localeCompare(String(a.occurred_at))), t('rec.no_activities')),
    h('h2', {}, t('rec.evaluations')),
    table([
      [t('rec.term'), (e) => termName(terms, e.term_id)],
      [t('rec.rating'), (e) => label('rec.rating', e.rating)],
      [t('work.comments'), (e) => text(e.comments)],
      [t('work.when'), (e) => fmtDate(e.created_at)],
    ], pair.evaluations || [], t('rec.no_evaluations')));
});

route('/console/schools/:id/mentorships', async (main, params) => {
  const school = await get(`/v1/schools/${enc(params.id)}`);
  setTitle(`${t('rec.pairs_title')} · ${school.name}`);
  const pairs = await getAll(withQuery('/v1/mentorships', { school_id: params.id }));
  const terms = await termsOf(school.district_id);
  const termId = params.term_id || currentTerm(terms, [...terms.keys()]);
  const behind = new Map();
  if (termId) {
    try {
      const report = await get(withQuery(`/v1/schools/${enc(params.id)}/mentorships/compliance`, { term_id: termId }));
      for (const row of report.rows) behind.set(row.mentorship_id, row.behind);
    } catch (error) {
      if (!(error instanceof ApiError) || ![403, 404].includes(error.status)) throw error;
    }
  }
  fill(main,
    h('h1', {}, t('rec.pairs_title'), h('small', { class: 'work-sub' }, ` · ${school.name}`)),
    table([
      [roleName('mentor'), (p) => p.mentor_name],
      [roleName('apprentice'), (p) => p.apprentice_name],
      [t('rec.subjects'), (p) => p.subjects.join('、')],
      [t('rec.terms'), (p) => p.term_ids.map((id) => termName(terms, id)).join('、')],
      [t('work.status'), (p) => label('rec.pair_status', p.status)],
      [t('rec.this_term', { term: termId ? termName(terms, termId) : '' }), (p) => (behind.has(p.id)
        ? h('span', { class: behind.get(p.id) ? 'bad' : 'ok' }, behind.get(p.id) ? t('rec.behind') : t('rec.on_track')) : '—')],
      ['', (p) => link(`/console/mentorships/${enc(p.id)}`, t('rec.record'), { class: 'work-pair-link' })],
    ], pairs, t('rec.no_pairs')));
});

// ---------------------------------------------------------------------------------------------
// A teacher's archive of a school year, for the annual evaluation (prints on A4).

/** The school year of today: the district's term holding today, else from the date (mid-August). */
async function currentSchoolYear() {
  const districtId = session.me.memberships?.[0]?.district_id;
  if (districtId) {
    const terms = await termsOf(districtId);
    const term = terms.get(currentTerm(terms, [...terms.keys()]));
    if (term?.school_year) return term.school_year;
  }
  const day = new Date();
  const [year, month, date] = [day.getFullYear(), day.getMonth() + 1, day.getDate()];
  const autumn = month > 8 || (month === 8 && date >= 15) ? year : year - 1;
  return `${autumn}-${autumn + 1}`;
}

route('/console/people/:id/archive', async (main, params) => {
  const schoolYear = params.school_year || await currentSchoolYear();
  const archive = await get(withQuery(`/v1/users/${enc(params.id)}/archive`, { school_year: schoolYear }));
  setTitle(t('rec.archive_title', { name: archive.name, year: archive.school_year }));
  const autumn = Number(schoolYear.slice(0, 4)) || new Date().getFullYear();
  const years = [autumn + 1, autumn, autumn - 1, autumn - 2].map((y) => `${y}-${y + 1}`);
  const eligible = archive.award_eligible;
  const average = archive.observations.length
    ? Math.round(archive.observations.reduce((sum, o) => sum + o.total_score, 0) / archive.observations.length) : null;
  fill(main,
    h('div', { class: 'work-print-bar no-print row' },
      h('form', { class: 'row', method: 'get' },
        h('label', { for: 'rec-year' }, t('rec.school_year')),
        h('select', { id: 'rec-year', name: 'school_year' }, years.map((y) => h('option', { value: y, selected: y === archive.school_year }, y))),
        h('button', { type: 'submit' }, t('work.show'))),
      h('button', { type: 'button', class: 'primary work-print', onclick: () => window.print() }, t('rec.print'))),
    h('article', { class: 'work-archive' },
      h('h1', {}, t('rec.archive_title', { name: archive.name, year: archive.school_year })),
      h('dl', { class: 'work-facts' },
        fact(t('rec.observed'), String(archive.observations.length)),
        fact(t('rec.average'), average === null ? '—' : String(average)),
        fact(t('rec.documents'), String(archive.documents.length)),
        fact(t('rec.eligible'), h('span', { class: eligible ? 'ok' : 'bad' }, eligible ? t('rec.yes')
          : `${t('rec.no')}（${archive.not_eligible_because.map((r) => label('rec.because', r)).join('、')}）`))),
      h('section', { class: 'work-block' },
        h('h2', {}, t('rec.observations', { n: archive.observations.length })),
        table([
          [t('rec.day'), (o) => fmtDay(o.lesson_date)],
          [t('rec.kind'), (o) => label('rec.obs_kind', o.kind)],
          [t('work.subject'), (o) => `${o.subject} · ${o.grade} ${o.class_name}`],
          [t('work.topic'), (o) => link(`/console/observations/${enc(o.id)}`, o.topic || t('work.untitled'))],
          [t('rec.observer'), (o) => o.observer_name],
          [t('rec.total'), (o) => String(o.total_score)],
          [t('rec.feedback'), (o) => h('div', { class: 'work-text work-short' }, [o.strengths, o.suggestions].filter(Boolean).join(' / ') || '—')],
        ], archive.observations, t('rec.none'))),
      h('section', { class: 'work-block' },
        h('h2', {}, t('rec.documents_n', { n: archive.documents.length })),
        table([
          [t('work.lesson_date'), (d) => fmtDay(d.lesson_date)],
          [t('work.kind'), (d) => kindName(d.kind)],
          [t('work.topic'), (d) => link(`/console/documents/${enc(d.id)}`, d.topic || t('work.untitled'))],
          [t('work.pages'), (d) => String((d.pages || []).length)],
          [t('work.status'), (d) => statusName(d.status)],
          [t('work.reviews'), (d) => ((d.reviews || []).length
            ? h('ul', { class: 'work-changes' }, d.reviews.map((r) => h('li', {}, `${r.reviewer_name}：${verdictName(r.verdict)}${r.comments ? `，${r.comments}` : ''}`)))
            : '—')],
        ], archive.documents, t('rec.none'))),
      h('section', { class: 'work-block' },
        h('h2', {}, t('rec.evaluations')),
        table([
          [roleName('mentor'), (e) => e.mentor_name],
          [t('rec.rating'), (e) => label('rec.rating', e.rating)],
          [t('work.comments'), (e) => text(e.comments)],
          [t('work.when'), (e) => fmtDay(e.created_at)],
        ], archive.evaluations, t('rec.none'))),
      h('section', { class: 'work-block' },
        h('h2', {}, t('rec.checks')),
        table([
          [t('work.when'), (c) => fmtDay(c.created_at)],
          [t('rec.grade'), (c) => label('rec.check_grade', c.grade)],
          [t('rec.ahead'), (c) => (c.prepared_ahead === null ? '—' : yesNo(c.prepared_ahead))],
          [t('work.comments'), (c) => text(c.comments)],
          [t('work.guidance'), (c) => text(c.guidance)],
        ], archive.checks, t('rec.none'))),
      h('section', { class: 'work-block' },
        h('h2', {}, t('rec.notices')),
        table([
          [t('work.due_on'), (n) => fmtDay(n.due_on)],
          [t('rec.round'), (n) => `${n.round} / ${n.last_round}`],
          [t('work.status'), (n) => h('span', { class: n.overdue ? 'bad' : '' }, label('rec.notice_status', n.status), n.overdue ? ` · ${t('rec.overdue')}` : '')],
          [t('rec.problem'), (n) => text(n.rounds?.at(-1)?.problem)],
        ], archive.notices, t('rec.none'))),
      h('p', { class: 'work-printed muted' }, t('rec.printed', { at: fmtDate(new Date().toISOString()) }))));
});

addStrings({
  zh: {
    'rec.yes': '是', 'rec.no': '否',
    'rec.observation': '听课记录',
    'rec.observer': '听课人',
    'rec.kind': '类型',
    'rec.lesson': '上课时间',
    'rec.submitted': '提交时间',
    'rec.counted': '计入工作量',
    'rec.late': '补录',
    'rec.total': '总分',
    'rec.scores': '评分',
    'rec.item': '评价项目',
    'rec.dimension': '维度',
    'rec.score': '得分',
    'rec.no_scores': '没有评分。',
    'rec.feedback': '评语',
    'rec.strengths': '优点',
    'rec.suggestions': '建议',
    'rec.acknowledgement': '教师确认',
    'rec.acknowledged': '教师已于 {at} 确认。',
    'rec.reply': '教师回复',
    'rec.not_acknowledged': '教师尚未确认。',
    'rec.draft': '草稿，尚未提交。',
    'rec.corrections': '更正记录（{n}）',
    'rec.no_corrections': '没有更正。',
    'rec.by': '更正人',
    'rec.reason': '原因',
    'rec.changes': '更改内容',
    'rec.obs_status.draft': '草稿', 'rec.obs_status.submitted': '已提交',
    'rec.obs_kind.unannounced': '推门课', 'rec.obs_kind.open_lesson': '观摩课', 'rec.obs_kind.report_lesson': '课改汇报课',
    'rec.obs_kind.demonstration': '示范课', 'rec.obs_kind.research': '研究课', 'rec.obs_kind.open_week_lesson': '教学开放周课',
    'rec.dimension.teacher_ability': '教师教学', 'rec.dimension.student_goals': '学生学习',
    'rec.not_counted.draft': '草稿', 'rec.not_counted.outside_term': '不在学期内', 'rec.not_counted.term_closed': '学期已结束',
    'rec.not_counted.too_short': '时间过短', 'rec.not_counted.too_long': '时间过长',
    'rec.not_counted.no_written_feedback': '缺少书面评语', 'rec.not_counted.duplicate_slot': '时间重叠',
    'rec.pair_title': '师徒结对：{mentor} — {apprentice}',
    'rec.pairs_title': '师徒结对',
    'rec.pair_status.active': '进行中', 'rec.pair_status.ended': '已结束',
    'rec.subjects': '指导学科',
    'rec.terms': '学期',
    'rec.term': '学期',
    'rec.since': '结对日期',
    'rec.ended': '结束',
    'rec.goals': '结对目标',
    'rec.progress': '本学期进度（{term}）',
    'rec.rule': '要求',
    'rec.done': '已完成',
    'rec.remaining': '尚差',
    'rec.on_pace': '进度正常',
    'rec.no_rules': '区县没有结对要求。',
    'rec.no_term': '没有可计算的学期。',
    'rec.activities': '活动记录（{n}）',
    'rec.no_activities': '尚无活动记录。',
    'rec.day': '日期',
    'rec.notes': '内容',
    'rec.open': '查看',
    'rec.evaluations': '学期考核',
    'rec.no_evaluations': '尚无考核。',
    'rec.rating': '等级',
    'rec.rating.excellent': '优秀', 'rec.rating.good': '良好', 'rec.rating.satisfactory': '合格', 'rec.rating.unsatisfactory': '不合格',
    'rec.activity.mentor_observes': '师傅听徒弟的课', 'rec.activity.apprentice_observes': '徒弟听师傅的课',
    'rec.activity.guidance': '指导', 'rec.activity.joint_preparation': '共同备课',
    'rec.activity.observations': '听课', 'rec.activity.unannounced_observations': '推门课',
    'rec.this_term': '本学期（{term}）',
    'rec.behind': '落后', 'rec.on_track': '正常',
    'rec.record': '档案',
    'rec.no_pairs': '此学校没有师徒结对。',
    'rec.archive_title': '{name} · {year} 学年业务档案',
    'rec.school_year': '学年',
    'rec.print': '打印',
    'rec.observed': '被听课次数',
    'rec.average': '平均分',
    'rec.documents': '教案、导学案',
    'rec.eligible': '可参加评优',
    'rec.because.below_standard_in_last_check': '最近一次检查不合格',
    'rec.because.rectification_overdue': '整改逾期',
    'rec.observations': '被听课记录（{n}）',
    'rec.documents_n': '教案、导学案（{n}）',
    'rec.checks': '月度检查',
    'rec.grade': '等级',
    'rec.check_grade.excellent': '优秀', 'rec.check_grade.good': '良好', 'rec.check_grade.pass': '合格', 'rec.check_grade.fail': '不合格',
    'rec.ahead': '提前一周备课',
    'rec.notices': '整改通知',
    'rec.round': '轮次',
    'rec.problem': '问题',
    'rec.overdue': '逾期',
    'rec.notice_status.open': '待整改', 'rec.notice_status.answered': '已答复', 'rec.notice_status.verified': '已验收',
    'rec.none': '无',
    'rec.printed': '打印时间：{at}',
  },
  en: {
    'rec.yes': 'Yes', 'rec.no': 'No',
    'rec.observation': 'Observation',
    'rec.observer': 'Observer',
    'rec.kind': 'Kind',
    'rec.lesson': 'Lesson',
    'rec.submitted': 'Submitted',
    'rec.counted': 'Counted',
    'rec.late': 'Recorded late',
    'rec.total': 'Total',
    'rec.scores': 'Scores',
    'rec.item': 'Item',
    'rec.dimension': 'Dimension',
    'rec.score': 'Score',
    'rec.no_scores': 'No scores.',
    'rec.feedback': 'Feedback',
    'rec.strengths': 'Strengths',
    'rec.suggestions': 'Suggestions',
    'rec.acknowledgement': 'Acknowledgement',
    'rec.acknowledged': 'The teacher acknowledged it on {at}.',
    'rec.reply': 'The teacher’s reply',
    'rec.not_acknowledged': 'The teacher has not acknowledged it yet.',
    'rec.draft': 'A draft, not submitted yet.',
    'rec.corrections': 'Corrections ({n})',
    'rec.no_corrections': 'No corrections.',
    'rec.by': 'By',
    'rec.reason': 'Reason',
    'rec.changes': 'Changes',
    'rec.obs_status.draft': 'Draft', 'rec.obs_status.submitted': 'Submitted',
    'rec.obs_kind.unannounced': 'Unannounced', 'rec.obs_kind.open_lesson': 'Open lesson', 'rec.obs_kind.report_lesson': 'Report lesson',
    'rec.obs_kind.demonstration': 'Demonstration', 'rec.obs_kind.research': 'Research lesson', 'rec.obs_kind.open_week_lesson': 'Open-week lesson',
    'rec.dimension.teacher_ability': 'Teaching', 'rec.dimension.student_goals': 'Learning',
    'rec.not_counted.draft': 'draft', 'rec.not_counted.outside_term': 'outside any term', 'rec.not_counted.term_closed': 'term closed',
    'rec.not_counted.too_short': 'too short', 'rec.not_counted.too_long': 'too long',
    'rec.not_counted.no_written_feedback': 'no written feedback', 'rec.not_counted.duplicate_slot': 'overlaps another',
    'rec.pair_title': 'Mentorship: {mentor} — {apprentice}',
    'rec.pairs_title': 'Mentorships',
    'rec.pair_status.active': 'Active', 'rec.pair_status.ended': 'Ended',
    'rec.subjects': 'Subjects',
    'rec.terms': 'Terms',
    'rec.term': 'Term',
    'rec.since': 'Paired on',
    'rec.ended': 'Ended',
    'rec.goals': 'Goals',
    'rec.progress': 'Progress ({term})',
    'rec.rule': 'Rule',
    'rec.done': 'Done',
    'rec.remaining': 'Remaining',
    'rec.on_pace': 'On pace',
    'rec.no_rules': 'The district has no pair rules.',
    'rec.no_term': 'No term to count.',
    'rec.activities': 'Activities ({n})',
    'rec.no_activities': 'No activity logged yet.',
    'rec.day': 'Day',
    'rec.notes': 'Notes',
    'rec.open': 'Open',
    'rec.evaluations': 'Term evaluations',
    'rec.no_evaluations': 'No evaluation yet.',
    'rec.rating': 'Rating',
    'rec.rating.excellent': 'Excellent', 'rec.rating.good': 'Good', 'rec.rating.satisfactory': 'Satisfactory', 'rec.rating.unsatisfactory': 'Unsatisfactory',
    'rec.activity.mentor_observes': 'Mentor observes', 'rec.activity.apprentice_observes': 'Apprentice observes',
    'rec.activity.guidance': 'Guidance', 'rec.activity.joint_preparation': 'Joint preparation',
    'rec.activity.observations': 'Observations', 'rec.activity.unannounced_observations': 'Unannounced observations',
    'rec.this_term': 'This term ({term})',
    'rec.behind': 'Behind', 'rec.on_track': 'On track',
    'rec.record': 'Record',
    'rec.no_pairs': 'This school has no pairs.',
    'rec.archive_title': '{name} · archive of {year}',
    'rec.school_year': 'School year',
    'rec.print': 'Print',
    'rec.observed': 'Lessons observed',
    'rec.average': 'Average score',
    'rec.documents': 'Plans and sheets',
    'rec.eligible': 'Eligible for awards',
    'rec.because.below_standard_in_last_check': 'below standard in the last check',
    'rec.because.rectification_overdue': 'a rectification is overdue',
    'rec.observations': 'Observed lessons ({n})',
    'rec.documents_n': 'Lesson plans and sheets ({n})',
    'rec.checks': 'Monthly checks',
    'rec.grade': 'Grade',
    'rec.check_grade.excellent': 'Excellent', 'rec.check_grade.good': 'Good', 'rec.check_grade.pass': 'Pass', 'rec.check_grade.fail': 'Fail',
    'rec.ahead': 'Prepared a week ahead',
    'rec.notices': 'Rectification notices',
    'rec.round': 'Round',
    'rec.problem': 'Problem',
    'rec.overdue': 'overdue',
    'rec.notice_status.open': 'Open', 'rec.notice_status.answered': 'Answered', 'rec.notice_status.verified': 'Verified',
    'rec.none': 'None',
    'rec.printed': 'Printed {at}',
  },
});
