// Compliance at a glance: the district's schools (a chart of who is on track and who is behind,
// and the table), a school's people behind first with the rules they are behind on, and a
// person's progress and observations. Every number comes from the API's compliance reports
// (`GET /v1/districts/{id}/compliance`, `GET /v1/schools/{id}/compliance`,
// `GET /v1/quotas/progress`): nothing is counted here. The exports are the same reports as CSV.
import {
  activityName, addStrings, fill, get, getAll, groupKindName, h, isAdmin, lang, leaderSchools, link, may,
  periodName, qualifierName, roleName, route, setTitle, staffDistricts, t, table, withQuery, fmtDay,
} from '../core.js';

// ---------------------------------------------------------------------------------------------
// The top bar: the person's district, or school, or a page to choose one.

/** Where "compliance" leads: one district or school straight, several (or an admin) a chooser. */
function complianceHref() {
  const districts = staffDistricts();
  const schools = leaderSchools();
  if (!isAdmin() && districts.length === 1) return `/console/districts/${districts[0]}/compliance`;
  if (!isAdmin() && districts.length === 0 && schools.length === 1) return `/console/schools/${schools[0]}/compliance`;
  return '/console/compliance';
}

export function nav() {
  return may.lead() ? [[complianceHref(), t('compliance.nav')]] : [];
}

route('/console/compliance', async (main) => {
  setTitle(t('compliance.nav'));
  const schools = await getAll('/v1/schools?limit=200');
  // The districts the person reads as a whole (an admin all): the API lists them with names.
  const districts = isAdmin() || staffDistricts().length ? await getAll('/v1/districts?limit=200') : [];
  const leading = new Set(leaderSchools());
  const mine = isAdmin() || districts.length ? schools : schools.filter((s) => leading.has(s.id));
  fill(main,
    h('h1', {}, t('compliance.nav')),
    districts.length ? h('section', {},
      h('h2', {}, t('compliance.districts')),
      h('ul', { class: 'choices' }, districts.map((d) => h('li', {},
        link(`/console/districts/${d.id}/compliance`, d.name))))) : null,
    h('section', {},
      h('h2', {}, t('compliance.schools')),
      h('ul', { class: 'choices' }, mine.map((s) => h('li', {}, link(`/console/schools/${s.id}/compliance`, s.name))))));
});

// ---------------------------------------------------------------------------------------------
// Terms: the one asked for, else the one today falls in, else the latest.

function today() {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

export async function termsOf(districtId, wanted) {
  const terms = await getAll(`/v1/districts/${districtId}/terms?limit=200`);
  terms.sort((a, b) => a.starts_on.localeCompare(b.starts_on));
  const day = today();
  const term = terms.find((x) => x.id === wanted)
    || terms.find((x) => x.starts_on <= day && day <= x.ends_on)
    || terms[terms.length - 1] || null;
  return { terms, term };
}

/** A small GET form choosing the term (the page reloads with `?term_id=`). */
export function termPicker(terms, term) {
  if (terms.length < 2) return term ? h('p', { class: 'term' }, termName(term)) : null;
  const select = h('select', { name: 'term_id', id: 'term-choice' },
    terms.map((x) => h('option', { value: x.id, selected: x.id === term?.id }, termName(x))));
  return h('form', { method: 'get', class: 'term-picker' },
    h('label', { for: 'term-choice' }, t('compliance.term')), select,
    h('button', { type: 'submit' }, t('compliance.show')));
}

const termName = (x) => `${x.name}${aside(`${fmtDay(x.starts_on)} – ${fmtDay(x.ends_on)}`)}`;

export function noTerm() {
  return h('p', { class: 'empty' }, t('compliance.no_term'));
}

/** The export of the same report: the route's CSV, a plain download the cookie opens. */
function exportLink(path, termId) {
  return h('a', { class: 'export', href: withQuery(path, { term_id: termId, format: 'csv' }), download: '' },
    t('core.export'), ' (CSV)');
}

/** The report of pages found to be the same page in the term (copies.js). */
function samePagesLink(path, termId) {
  return link(withQuery(path, { term_id: termId }), t('compliance.same_pages'), { class: 'same-pages-link' });
}

// ---------------------------------------------------------------------------------------------
// Rules as people read them.

/** Names as a list in the chosen language. */
const listOf = (names) => names.join(lang() === 'en' ? ', ' : '、');
const aside = (text) => (lang() === 'en' ? ` (${text})` : `（${text}）`);

/** "听课 · 每周 · 教师": what the rule counts, its period, and whose it is. */
export function ruleName(item) {
  const parts = [activityName(item.activity), periodName(item.period)];
  if (item.role) parts.push(roleName(item.role) + (item.qualifier ? aside(qualifierName(item.qualifier)) : ''));
  if (item.group_kind) parts.push(groupKindName(item.group_kind));
  if (item.source === 'school') parts.push(t('compliance.school_rule'));
  return parts.join(' · ');
}

/** Done of required, with the weeks missed of a weekly rule. */
function progressText(item) {
  let text = `${item.done} / ${item.required}`;
  if (item.weeks_missed) text += ` · ${t('compliance.weeks_missed', { n: item.weeks_missed })}`;
  return text;
}

function paceBadge(onPace) {
  return h('span', { class: onPace ? 'pace ok' : 'pace behind' }, onPace ? t('compliance.on_track') : t('compliance.behind'));
}

// ---------------------------------------------------------------------------------------------
// Charts: ECharts, loaded once from the binary.

let echartsLoading = null;

function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!echartsLoading) {
    echartsLoading = new Promise((resolve, reject) => {
      const script = h('script', { src: '/console/static/vendor/echarts.min.js' });
      script.addEventListener('load', () => resolve(window.echarts));
      script.addEventListener('error', () => reject(new Error('echarts')));
      document.head.append(script);
    });
  }
  return echartsLoading;
}

const charts = [];
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

/** Draws `option` into `el` (already in the page); a chart that cannot load leaves the tables. */
async function drawChart(el, option) {
  try {
    const echarts = await loadECharts();
    const chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({ animation: false, textStyle: { fontFamily: 'inherit' }, ...option });
    charts.push(chart);
  } catch {
    el.replaceChildren(h('p', { class: 'empty' }, t('compliance.no_chart')));
  }
}

const GREEN = '#2e7d32';
const RED = '#c62828';

/** Horizontal stacked bars: one per name, on track and behind. */
function barsOption(names, onTrack, behind) {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, renderMode: 'richText' },
    legend: { top: 0, data: [t('compliance.on_track'), t('compliance.behind')] },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: names, inverse: true },
    series: [
      { name: t('compliance.on_track'), type: 'bar', stack: 'people', data: onTrack, itemStyle: { color: GREEN } },
      { name: t('compliance.behind'), type: 'bar', stack: 'people', data: behind, itemStyle: { color: RED } },
    ],
  };
}

/** The pace of the term: observations done by the end of each teaching week against an even pace. */
function paceOption(weeks) {
  const names = weeks.map((w) => t('compliance.teaching_week', { n: w.week }));
  return {
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { top: 0, data: [t('compliance.pace_done'), t('compliance.pace_expected'), t('compliance.pace_week')] },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('compliance.pace_week'), type: 'bar', data: weeks.map((w) => w.done), itemStyle: { color: '#90a4ae' } },
      { name: t('compliance.pace_done'), type: 'line', data: weeks.map((w) => w.done_so_far), itemStyle: { color: GREEN } },
      { name: t('compliance.pace_expected'), type: 'line', data: weeks.map((w) => w.expected_so_far), lineStyle: { type: 'dashed' }, itemStyle: { color: RED } },
    ],
  };
}

/** A chart's container, its height told by its class from how many bars it holds. */
function chartBox(label, bars) {
  const size = bars > 12 ? 'chart-tall' : bars > 5 ? 'chart-medium' : 'chart-short';
  return h('div', { class: `chart ${size}`, role: 'img', 'aria-label': label });
}

const pct = (part, whole) => (whole ? `${Math.round((100 * part) / whole)}%` : '–');

// ---------------------------------------------------------------------------------------------
// The district.

route('/console/districts/:id/compliance', async (main, params) => {
  setTitle(t('compliance.district_title'));
  const { terms, term } = await termsOf(params.id, params.term_id);
  if (!term) { fill(main, h('h1', {}, t('compliance.district_title')), noTerm()); return; }
  const path = `/v1/districts/${params.id}/compliance`;
  const report = await get(withQuery(path, { term_id: term.id, format: 'json' }));
  const schools = [...report.schools].sort((a, b) => b.behind / (b.people || 1) - a.behind / (a.people || 1));
  const totals = report.totals;
  const chart = chartBox(t('compliance.chart_schools'), schools.length);
  const behindStaff = report.researchers.filter((r) => r.behind);
  fill(main,
    h('h1', {}, t('compliance.district_title')),
    h('div', { class: 'toolbar' }, termPicker(terms, term), exportLink(path, term.id),
      samePagesLink(`/console/districts/${params.id}/same-pages`, term.id)),
    totalsLine(totals),
    h('section', {}, h('h2', {}, t('compliance.chart_schools')), chart),
    h('section', {},
      h('h2', {}, t('compliance.schools')),
      table([
        [t('compliance.school'), (s) => link(withQuery(`/console/schools/${s.school_id}/compliance`, { term_id: term.id }), s.school_name)],
        [t('compliance.people'), (s) => String(s.people)],
        [t('compliance.behind_people'), (s) => h('span', { class: s.behind ? 'count behind' : 'count' }, String(s.behind))],
        [t('compliance.on_track_share'), (s) => pct(s.people - s.behind, s.people)],
        [t('compliance.done_required'), (s) => `${s.done} / ${s.required}`],
        [t('compliance.late'), (s) => String(s.late)],
      ], schools, t('compliance.no_schools'))),
    h('section', {},
      h('h2', {}, t('compliance.staff')),
      report.researchers.length
        ? peopleTable(behindStaff.length ? behindStaff : [], null, term.id, t('compliance.staff_all_on_track'))
        : h('p', { class: 'empty' }, t('compliance.no_staff'))));
  await drawChart(chart, barsOption(
    schools.map((s) => s.school_name), schools.map((s) => s.people - s.behind), schools.map((s) => s.behind)));
});

function totalsLine(totals) {
  return h('dl', { class: 'totals' },
    h('div', {}, h('dt', {}, t('compliance.people')), h('dd', {}, String(totals.people))),
    h('div', {}, h('dt', {}, t('compliance.behind_people')), h('dd', { class: totals.behind ? 'behind' : '' }, String(totals.behind))),
    h('div', {}, h('dt', {}, t('compliance.on_track_share')), h('dd', {}, pct(totals.people - totals.behind, totals.people))),
    h('div', {}, h('dt', {}, t('compliance.done_required')), h('dd', {}, `${totals.done} / ${totals.required}`)),
    h('div', {}, h('dt', {}, t('compliance.late')), h('dd', {}, String(totals.late))));
}

/** People, behind first, with the rules each is behind on (and how far). */
function peopleTable(rows, schoolId, termId, empty) {
  const sorted = [...rows].sort((a, b) => Number(b.behind) - Number(a.behind) || a.name.localeCompare(b.name, 'zh'));
  return table([
    [t('compliance.person'), (r) => link(withQuery(`/console/people/${r.user_id}`, { school_id: schoolId || r.school_id, term_id: termId }), r.name)],
    [t('compliance.roles'), (r) => listOf(r.roles.map(roleName))],
    [t('compliance.state'), (r) => paceBadge(!r.behind)],
    [t('compliance.behind_on'), (r) => {
      const late = r.items.filter((i) => !i.on_pace);
      return late.length ? h('ul', { class: 'rules' }, late.map((i) => h('li', {}, ruleName(i), ' ', h('span', { class: 'numbers' }, progressText(i))))) : '';
    }],
  ], sorted, empty);
}

// ---------------------------------------------------------------------------------------------
// A school.

route('/console/schools/:id/compliance', async (main, params) => {
  setTitle(t('compliance.school_title'));
  const school = await get(`/v1/schools/${params.id}`);
  const { terms, term } = await termsOf(school.district_id, params.term_id);
  if (!term) { fill(main, h('h1', {}, school.name), noTerm()); return; }
  const path = `/v1/schools/${params.id}/compliance`;
  const report = await get(withQuery(path, { term_id: term.id, format: 'json' }));
  setTitle(`${report.school_name} · ${t('compliance.school_title')}`);

  // Per rule: how many people it binds and how many are behind on it (read from the rows).
  const rules = new Map();
  for (const row of report.rows) {
    for (const item of row.items) {
      const key = `${item.rule_id}|${item.role}`;
      const rule = rules.get(key) || { item, people: 0, behind: 0 };
      rule.people += 1;
      if (!item.on_pace) rule.behind += 1;
      rules.set(key, rule);
    }
  }
  const perRule = [...rules.values()].sort((a, b) => b.behind - a.behind);
  const chart = chartBox(t('compliance.chart_rules'), perRule.length);
  const weeks = report.weeks || [];
  const paceChart = h('div', { class: 'chart chart-medium pace-chart', role: 'img', 'aria-label': t('compliance.pace_title') });
  const district = staffDistricts().includes(school.district_id) || isAdmin();
  fill(main,
    district ? h('p', { class: 'crumbs' }, link(withQuery(`/console/districts/${school.district_id}/compliance`, { term_id: term.id }), t('compliance.district_title')), ' › ', report.school_name) : null,
    h('h1', {}, report.school_name, ' · ', t('compliance.school_title')),
    h('div', { class: 'toolbar' }, termPicker(terms, term), exportLink(path, term.id),
      samePagesLink(`/console/schools/${params.id}/same-pages`, term.id)),
    totalsLine(report.totals),
    h('section', {}, h('h2', {}, t('compliance.chart_rules')),
      perRule.length ? chart : h('p', { class: 'empty' }, t('compliance.no_rules'))),
    h('section', {}, h('h2', {}, t('compliance.pace_title')),
      weeks.length ? paceChart : h('p', { class: 'empty' }, t('compliance.pace_none'))),
    h('section', {},
      h('h2', {}, t('compliance.people_behind_first')),
      peopleTable(report.rows, params.id, term.id, t('compliance.no_people'))),
    h('section', {},
      h('h2', {}, t('compliance.per_rule')),
      table([
        [t('compliance.rule'), (r) => ruleName(r.item)],
        [t('compliance.people'), (r) => String(r.people)],
        [t('compliance.behind_people'), (r) => h('span', { class: r.behind ? 'count behind' : 'count' }, String(r.behind))],
        [t('compliance.this_week'), (r) => (r.item.this_week ? t('compliance.teaching_week', { n: r.item.this_week.teaching_week }) : '')],
      ], perRule, t('compliance.no_rules'))),
    (report.groups || []).length ? h('section', {},
      h('h2', {}, t('compliance.groups')),
      table([
        [t('compliance.group'), (g) => g.name],
        [t('compliance.state'), (g) => paceBadge(!g.behind)],
        [t('compliance.rules'), (g) => h('ul', { class: 'rules' }, g.items.map((i) => h('li', {}, ruleName(i), ' ', h('span', { class: 'numbers' }, progressText(i)))))],
      ], [...report.groups].sort((a, b) => Number(b.behind) - Number(a.behind)))) : null,
    (report.school || []).length ? h('section', {},
      h('h2', {}, t('compliance.whole_school')),
      table([
        [t('compliance.rule'), (i) => ruleName(i)],
        [t('compliance.state'), (i) => paceBadge(i.on_pace)],
        [t('compliance.done_required'), (i) => progressText(i)],
      ], report.school)) : null);
  if (weeks.length) await drawChart(paceChart, paceOption(weeks));
  if (perRule.length) {
    await drawChart(chart, barsOption(
      perRule.map((r) => ruleName(r.item)), perRule.map((r) => r.people - r.behind), perRule.map((r) => r.behind)));
  }
});

// ---------------------------------------------------------------------------------------------
// A person: progress and observations.

route('/console/people/:id', async (main, params) => {
  setTitle(t('compliance.person_title'));
  const id = params.id;
  const progressPath = withQuery('/v1/quotas/progress', { user_id: id, term_id: params.term_id });
  const [progress, made, received, members] = await Promise.all([
    get(progressPath),
    getAll(withQuery('/v1/observations', { observer_id: id, term_id: params.term_id, limit: 200 }), 1000),
    getAll(withQuery('/v1/observations', { teacher_id: id, term_id: params.term_id, limit: 200 }), 1000),
    params.school_id ? getAll(`/v1/schools/${params.school_id}/members?limit=200`).catch(() => []) : [],
  ]);
  const member = members.find((m) => m.user_id === id);
  const name = member?.name || made[0]?.observer_name || received[0]?.teacher_name || t('compliance.person_title');
  setTitle(name);
  const behind = progress.items.filter((i) => !i.on_pace);
  const observationColumns = (who) => [
    [t('compliance.obs.date'), (o) => link(`/console/observations/${o.id}`, fmtDay(o.lesson_date))],
    [who === 'teacher' ? t('compliance.obs.teacher') : t('compliance.obs.observer'), (o) => (who === 'teacher' ? o.teacher_name : o.observer_name)],
    [t('compliance.obs.kind'), (o) => t(`compliance.obs.kind.${o.kind}`)],
    [t('compliance.obs.lesson'), (o) => [o.class_name || o.grade, o.subject, o.topic].filter(Boolean).join(' ')],
    [t('compliance.obs.score'), (o) => String(o.total_score)],
    [t('compliance.obs.status'), (o) => (o.status === 'draft' ? t('compliance.obs.draft') : o.counted ? t('compliance.obs.counted') : t('compliance.obs.not_counted'))],
  ];
  const byDate = (list) => [...list].sort((a, b) => b.started_at.localeCompare(a.started_at));
  fill(main,
    params.school_id ? h('p', { class: 'crumbs' },
      link(withQuery(`/console/schools/${params.school_id}/compliance`, { term_id: progress.term_id }), t('compliance.school_title')), ' › ', name) : null,
    h('h1', {}, name),
    member ? h('p', { class: 'who-roles' }, listOf(member.roles.map(roleName))) : null,
    h('p', {}, link(`/console/people/${id}/archive`, t('compliance.archive'), { class: 'archive' })),
    h('section', {},
      h('h2', {}, t('compliance.progress')),
      h('p', { class: behind.length ? 'summary behind' : 'summary' },
        behind.length ? t('compliance.behind_on_n', { n: behind.length }) : t('compliance.all_on_track')),
      table([
        [t('compliance.rule'), (i) => ruleName(i)],
        [t('compliance.state'), (i) => paceBadge(i.on_pace)],
        [t('compliance.done_required'), (i) => progressText(i)],
        [t('compliance.remaining'), (i) => String(i.remaining)],
        [t('compliance.this_week'), (i) => (i.this_week ? `${i.this_week.done} / ${i.this_week.required} · ${t('compliance.teaching_week', { n: i.this_week.teaching_week })}` : '')],
        [t('compliance.late'), (i) => String(i.late)],
      ], [...progress.items].sort((a, b) => Number(a.on_pace) - Number(b.on_pace)), t('compliance.no_rules'))),
    h('section', { class: 'observations-made' },
      h('h2', {}, t('compliance.observations_made', { n: made.length })),
      table(observationColumns('teacher'), byDate(made), t('compliance.no_observations'))),
    h('section', { class: 'observations-received' },
      h('h2', {}, t('compliance.observations_received', { n: received.length })),
      table(observationColumns('observer'), byDate(received), t('compliance.no_observations'))));
});

addStrings({
  zh: {
    'compliance.nav': '达标情况',
    'compliance.districts': '区县',
    'compliance.schools': '学校',
    'compliance.school': '学校',
    'compliance.term': '学期',
    'compliance.same_pages': '相同页面',
    'compliance.show': '查看',
    'compliance.no_term': '此区县还没有学期。',
    'compliance.district_title': '全区达标情况',
    'compliance.school_title': '学校达标情况',
    'compliance.person_title': '个人达标情况',
    'compliance.people': '人数',
    'compliance.behind_people': '未达进度人数',
    'compliance.on_track_share': '按进度达标比例',
    'compliance.done_required': '完成 / 要求',
    'compliance.late': '补录',
    'compliance.on_track': '按进度',
    'compliance.behind': '落后',
    'compliance.chart_schools': '各校按进度与落后人数',
    'compliance.chart_rules': '各项规则按进度与落后人数',
    'compliance.no_chart': '图表无法加载，请看下方表格。',
    'compliance.no_schools': '此学期没有学校的数据。',
    'compliance.staff': '落后的区县人员（教研员等）',
    'compliance.staff_all_on_track': '区县人员全部按进度完成。',
    'compliance.no_staff': '没有区县人员。',
    'compliance.person': '姓名',
    'compliance.roles': '角色',
    'compliance.state': '状态',
    'compliance.behind_on': '落后的规则',
    'compliance.people_behind_first': '人员（落后的在前）',
    'compliance.per_rule': '按规则',
    'compliance.rule': '规则',
    'compliance.rules': '规则',
    'compliance.this_week': '本周',
    'compliance.teaching_week': '第{n}教学周',
    'compliance.weeks_missed': '{n}周未达',
    'compliance.no_rules': '没有适用的规则。',
    'compliance.no_people': '没有人员。',
    'compliance.groups': '教研组、备课组、年级组',
    'compliance.group': '组',
    'compliance.whole_school': '学校整体',
    'compliance.school_rule': '校定',
    'compliance.pace_title': '本学期各教学周的听课进度',
    'compliance.pace_none': '本学期还没有开始的教学周。',
    'compliance.pace_week': '当周听课',
    'compliance.pace_done': '累计听课',
    'compliance.pace_expected': '按进度应完成',
    'compliance.archive': '打印个人听课档案',
    'compliance.progress': '本学期进度',
    'compliance.behind_on_n': '有 {n} 项落后于进度。',
    'compliance.all_on_track': '各项均按进度。',
    'compliance.remaining': '尚需',
    'compliance.observations_made': '听课记录（本人听的课，{n} 节）',
    'compliance.observations_received': '被听课记录（本人执教，{n} 节）',
    'compliance.no_observations': '没有记录。',
    'compliance.obs.date': '日期', 'compliance.obs.teacher': '执教', 'compliance.obs.observer': '听课人', 'compliance.obs.kind': '课型',
    'compliance.obs.lesson': '课', 'compliance.obs.score': '总分', 'compliance.obs.status': '状态', 'compliance.obs.draft': '草稿',
    'compliance.obs.counted': '已计入', 'compliance.obs.not_counted': '未计入',
    'compliance.obs.kind.unannounced': '推门课', 'compliance.obs.kind.open_lesson': '观摩课', 'compliance.obs.kind.report_lesson': '汇报课',
    'compliance.obs.kind.demonstration': '示范课', 'compliance.obs.kind.research': '研究课', 'compliance.obs.kind.open_week_lesson': '开放周课',
  },
  en: {
    'compliance.nav': 'Compliance',
    'compliance.districts': 'Districts',
    'compliance.schools': 'Schools',
    'compliance.school': 'School',
    'compliance.term': 'Term',
    'compliance.same_pages': 'Same pages',
    'compliance.show': 'Show',
    'compliance.no_term': 'This district has no term yet.',
    'compliance.district_title': 'District compliance',
    'compliance.school_title': 'School compliance',
    'compliance.person_title': 'Progress',
    'compliance.people': 'People',
    'compliance.behind_people': 'Behind',
    'compliance.on_track_share': 'On track',
    'compliance.done_required': 'Done / required',
    'compliance.late': 'Recorded late',
    'compliance.on_track': 'On track',
    'compliance.behind': 'Behind',
    'compliance.chart_schools': 'People on track and behind, by school',
    'compliance.chart_rules': 'People on track and behind, by rule',
    'compliance.no_chart': 'The chart could not be loaded; the tables below say the same.',
    'compliance.no_schools': 'No school has data for this term.',
    'compliance.staff': 'District staff behind (researchers and others)',
    'compliance.staff_all_on_track': 'All district staff are on track.',
    'compliance.no_staff': 'No district staff.',
    'compliance.person': 'Name',
    'compliance.roles': 'Roles',
    'compliance.state': 'State',
    'compliance.behind_on': 'Behind on',
    'compliance.people_behind_first': 'People (behind first)',
    'compliance.per_rule': 'By rule',
    'compliance.rule': 'Rule',
    'compliance.rules': 'Rules',
    'compliance.this_week': 'This week',
    'compliance.teaching_week': 'teaching week {n}',
    'compliance.weeks_missed': '{n} weeks missed',
    'compliance.no_rules': 'No rule applies.',
    'compliance.no_people': 'No one.',
    'compliance.groups': 'Groups',
    'compliance.group': 'Group',
    'compliance.whole_school': 'The whole school',
    'compliance.school_rule': "school's own",
    'compliance.pace_title': 'Observations week by week this term',
    'compliance.pace_none': 'No teaching week of this term has begun yet.',
    'compliance.pace_week': 'In the week',
    'compliance.pace_done': 'Done so far',
    'compliance.pace_expected': 'Expected on an even pace',
    'compliance.archive': 'Printable archive',
    'compliance.progress': 'Progress this term',
    'compliance.behind_on_n': 'Behind on {n} rules.',
    'compliance.all_on_track': 'On track on every rule.',
    'compliance.remaining': 'Still to do',
    'compliance.observations_made': 'Observations made ({n})',
    'compliance.observations_received': 'Lessons observed ({n})',
    'compliance.no_observations': 'None.',
    'compliance.obs.date': 'Date', 'compliance.obs.teacher': 'Teacher', 'compliance.obs.observer': 'Observer', 'compliance.obs.kind': 'Kind',
    'compliance.obs.lesson': 'Lesson', 'compliance.obs.score': 'Score', 'compliance.obs.status': 'State', 'compliance.obs.draft': 'Draft',
    'compliance.obs.counted': 'Counted', 'compliance.obs.not_counted': 'Not counted',
    'compliance.obs.kind.unannounced': 'Unannounced', 'compliance.obs.kind.open_lesson': 'Viewing lesson', 'compliance.obs.kind.report_lesson': 'Report lesson',
    'compliance.obs.kind.demonstration': 'Demonstration', 'compliance.obs.kind.research': 'Research lesson', 'compliance.obs.kind.open_week_lesson': 'Open-week lesson',
  },
});

