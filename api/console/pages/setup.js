// Setting up a district from the desk (issue 22): the districts, a district's schools, terms,
// quota rules and staff, and a term's calendar. A school's own page and its rubric editor are in
// setup-school.js. The API decides who may do what; the pages show its answers.
import {
  addStrings, call, fill, fmtDay, get, getAll, h, isAdmin, leaderSchools, link, may, roleName,
  route, setTitle, t, table,
} from '../core.js';
import {
  daysEditor, field, input, oneTimeOrJoined, onSubmit, rulesEditor, select, smallForm, weeksTable,
} from './setup-common.js';
import './setup-school.js';

export function nav(me) {
  const links = [];
  if (may.district()) links.push(['/console/districts', t('setup.nav_districts')]);
  const mine = leaderSchools()[0]
    || me.memberships.find((m) => m.school_id && m.roles.includes('grade_leader'))?.school_id;
  if (mine) links.push([`/console/schools/${mine}`, t('setup.nav_school')]);
  return links;
}

// ---------------------------------------------------------------------------------------------
// /console/districts

route('/console/districts', async (main) => {
  setTitle(t('setup.districts'));
  const districts = await getAll('/v1/districts');
  const list = h('div', { class: 'district-list' });
  const draw = (items) => fill(list, table([
    [t('setup.name'), (d) => link(`/console/districts/${d.id}`, d.name)],
    [t('setup.created'), (d) => fmtDay(d.created_at)],
  ], items, t('setup.no_districts')));
  draw(districts);
  const out = h('div', { class: 'result' });
  const create = isAdmin() ? onSubmit(
    smallForm('new-district', t('setup.add_district'),
      [field(t('setup.district_name'), input('name', { required: true, maxlength: 100 }))], out),
    out,
    async (form) => (await call('POST', '/v1/districts', { name: form.get('name') })).data,
    (d) => {
      districts.push(d);
      draw(districts);
      return h('p', { class: 'ok', role: 'status' }, t('setup.district_added', { name: d.name }), ' ',
        link(`/console/districts/${d.id}`, t('setup.open')));
    },
  ) : null;
  fill(main, h('h1', {}, t('setup.districts')), list,
    create ? [h('h2', {}, t('setup.add_district')), create] : null);
});

// ---------------------------------------------------------------------------------------------
// /console/districts/:id

route('/console/districts/:id', async (main, { id }) => {
  const districts = await getAll('/v1/districts');
  const district = districts.find((d) => d.id === id);
  if (!district) {
    fill(main, h('h1', { class: 'not-found' }, t('core.not_found')));
    return;
  }
  setTitle(district.name);
  const [schools, terms, rules, defaults, staff] = await Promise.all([
    getAll('/v1/schools'),
    getAll(`/v1/districts/${id}/terms`),
    call('GET', `/v1/districts/${id}/quota-rules`),
    get('/v1/quota-rules/defaults'),
    getAll(`/v1/districts/${id}/members`),
  ]);
  const ours = schools.filter((s) => s.district_id === id);

  // Schools.
  const schoolList = h('div', { id: 'schools' });
  const drawSchools = () => fill(schoolList, table([
    [t('setup.name'), (s) => link(`/console/schools/${s.id}`, s.name)],
    [t('setup.created'), (s) => fmtDay(s.created_at)],
  ], ours, t('setup.no_schools')));
  drawSchools();
  const schoolOut = h('div', { class: 'result' });
  const schoolForm = onSubmit(
    smallForm('new-school', t('setup.add_school'),
      [field(t('setup.school_name'), input('name', { required: true, maxlength: 100 }))], schoolOut),
    schoolOut,
    async (form) => (await call('POST', '/v1/schools', { name: form.get('name'), district_id: id })).data,
    (s) => {
      ours.push(s);
      drawSchools();
      return h('p', { class: 'ok', role: 'status' }, t('setup.school_added', { name: s.name }));
    },
  );

  // Terms.
  const termList = h('div', { id: 'terms' });
  const drawTerms = () => fill(termList, table([
    [t('setup.name'), (x) => x.name],
    [t('setup.school_year'), (x) => x.school_year],
    [t('setup.dates'), (x) => `${x.starts_on} – ${x.ends_on}`],
    [t('setup.calendar'), (x) => link(`/console/terms/${x.id}/calendar`, t('setup.open_calendar'), { class: 'calendar-link' })],
  ], terms, t('setup.no_terms')));
  drawTerms();
  const termOut = h('div', { class: 'result' });
  const termForm = onSubmit(
    smallForm('new-term', t('setup.add_term'), [
      field(t('setup.term_name'), input('name', { required: true, maxlength: 100, placeholder: '2026-2027学年第一学期' })),
      field(t('setup.school_year'), input('school_year', { required: true, pattern: '[0-9]{4}-[0-9]{4}', placeholder: '2026-2027' })),
      field(t('setup.starts_on'), input('starts_on', { type: 'date', required: true })),
      field(t('setup.ends_on'), input('ends_on', { type: 'date', required: true })),
    ], termOut),
    termOut,
    async (form) => (await call('POST', `/v1/districts/${id}/terms`, {
      name: form.get('name'), school_year: form.get('school_year'),
      starts_on: form.get('starts_on'), ends_on: form.get('ends_on'),
    })).data,
    (x) => {
      terms.push(x);
      drawTerms();
      return h('p', { class: 'ok', role: 'status' }, t('setup.term_added', { name: x.name }), ' ',
        link(`/console/terms/${x.id}/calendar`, t('setup.open_calendar')));
    },
  );

  // Quota rules, beside the policy's defaults.
  const rulesForm = rulesEditor('district-rules', rules.data.items, defaults.items, rules.etag,
    (chosen, tag) => call('PUT', `/v1/districts/${id}/quota-rules`, { rules: chosen }, tag ? { 'If-Match': tag } : {}));

  // Staff: researchers and bureau leaders.
  const staffList = h('div', { id: 'staff' });
  const drawStaff = () => fill(staffList, table([
    [t('setup.person'), (m) => m.name],
    [t('setup.phone'), (m) => m.phone || ''],
    [t('setup.roles'), (m) => m.roles.map(roleName).join('、')],
  ], staff, t('setup.no_staff')));
  drawStaff();
  const staffOut = h('div', { class: 'result' });
  const staffForm = onSubmit(
    smallForm('new-staff', t('setup.add_staff'), [
      field(t('setup.person'), input('name', { required: true, maxlength: 50 })),
      field(t('setup.phone'), input('phone', { required: true, inputmode: 'numeric', maxlength: 11 })),
      field(t('setup.role'), select('role', [['researcher', roleName('researcher')], ['bureau_leader', roleName('bureau_leader')]])),
    ], staffOut),
    staffOut,
    async (form) => (await call('POST', `/v1/districts/${id}/members`, {
      name: form.get('name'), phone: form.get('phone'), roles: [form.get('role')],
    })).data,
    (m) => {
      staff.push(m);
      drawStaff();
      return oneTimeOrJoined(m);
    },
  );

  fill(main,
    h('h1', {}, district.name),
    h('p', { class: 'links' }, link(`/console/districts/${id}/import`, t('setup.import')), ' · ',
      link(`/console/districts/${id}/compliance`, t('setup.compliance'))),
    h('section', { class: 'card' }, h('h2', {}, t('setup.schools')), schoolList, schoolForm),
    h('section', { class: 'card' }, h('h2', {}, t('setup.terms')), termList, termForm),
    h('section', { class: 'card' }, h('h2', {}, t('setup.quota_rules')),
      h('p', { class: 'muted' }, t('setup.quota_rules_hint')), rulesForm),
    h('section', { class: 'card' }, h('h2', {}, t('setup.staff')), staffList, staffForm));
});

// ---------------------------------------------------------------------------------------------
// /console/terms/:id/calendar

route('/console/terms/:id/calendar', async (main, { id }) => {
  const answer = await call('GET', `/v1/terms/${id}/calendar`);
  const cal = answer.data;
  let tag = answer.etag;
  setTitle(t('setup.calendar_title'));
  const own = cal.entries.filter((e) => e.source === 'district');
  const editor = daysEditor(own, ['holiday', 'exam', 'workday']);
  const out = h('div', { class: 'result' });
  const weeks = h('div', {}, weeksTable(cal));
  const form = onSubmit(h('form', { id: 'term-calendar', class: 'card' }, editor,
    h('button', { type: 'submit', class: 'primary' }, t('core.save')), out), out,
  async () => {
    const res = await call('PUT', `/v1/terms/${id}/calendar`, { entries: editor.entries() }, tag ? { 'If-Match': tag } : {});
    tag = res.etag;
    fill(weeks, weeksTable(res.data));
    return res.data;
  },
  (c) => h('p', { class: 'ok', role: 'status' }, t('setup.calendar_saved', { n: c.teaching_weeks })));
  fill(main,
    h('h1', {}, t('setup.calendar_title')),
    h('p', {}, `${cal.starts_on} – ${cal.ends_on}`, ' · ', t('setup.weeks', { n: cal.teaching_weeks }),
      cal.current_week?.teaching_week ? ` · ${t('setup.now_week', { n: cal.current_week.teaching_week })}` : ''),
    h('p', { class: 'muted' }, t('setup.calendar_hint')),
    form, weeks);
});

addStrings({
  zh: {
    'setup.nav_districts': '区县设置', 'setup.nav_school': '本校',
    'setup.districts': '区县', 'setup.no_districts': '暂无区县', 'setup.add_district': '新建区县',
    'setup.district_name': '区县名称', 'setup.district_added': '已新建区县“{name}”。', 'setup.open': '打开',
    'setup.name': '名称', 'setup.created': '创建日期',
    'setup.import': '导入花名册', 'setup.compliance': '考核完成情况',
    'setup.schools': '学校', 'setup.no_schools': '暂无学校', 'setup.add_school': '添加学校',
    'setup.school_name': '学校名称', 'setup.school_added': '已添加学校“{name}”。',
    'setup.terms': '学期', 'setup.no_terms': '暂无学期', 'setup.add_term': '添加学期', 'setup.term_name': '学期名称',
    'setup.school_year': '学年', 'setup.dates': '起止日期', 'setup.starts_on': '开始日期', 'setup.ends_on': '结束日期',
    'setup.calendar': '校历', 'setup.open_calendar': '查看校历', 'setup.term_added': '已添加学期“{name}”。',
    'setup.quota_rules': '考核要求', 'setup.quota_rules_hint': '每条要求旁列出政策默认值；取消“启用”即删除该要求。',
    'setup.staff': '区县人员（教研员、局领导）', 'setup.no_staff': '暂无人员', 'setup.add_staff': '添加人员',
    'setup.person': '姓名', 'setup.phone': '手机号', 'setup.role': '角色', 'setup.roles': '角色',
    'setup.one_time_for': '{name} 的一次性密码：',
    'setup.one_time_hint': '请当面交给本人；此密码只显示这一次，本人首次登录后须改为自己的密码。',
    'setup.joined': '{name} 已有账号，已用原账号加入（兼任第二所学校或区县职务），密码不变。',
    'setup.calendar_title': '学期校历', 'setup.calendar_saved': '校历已保存：共 {n} 个教学周。',
    'setup.calendar_hint': '节假日、考试和调休上班日由区县设定；各校的放假日在学校页面设定。',
    'setup.now_week': '本周为第 {n} 教学周',
  },
  en: {
    'setup.nav_districts': 'Districts', 'setup.nav_school': 'My school',
    'setup.districts': 'Districts', 'setup.no_districts': 'No districts yet', 'setup.add_district': 'New district',
    'setup.district_name': 'District name', 'setup.district_added': 'District “{name}” created.', 'setup.open': 'Open',
    'setup.name': 'Name', 'setup.created': 'Created',
    'setup.import': 'Import a roster', 'setup.compliance': 'Compliance',
    'setup.schools': 'Schools', 'setup.no_schools': 'No schools yet', 'setup.add_school': 'Add a school',
    'setup.school_name': 'School name', 'setup.school_added': 'School “{name}” added.',
    'setup.terms': 'Terms', 'setup.no_terms': 'No terms yet', 'setup.add_term': 'Add a term', 'setup.term_name': 'Term name',
    'setup.school_year': 'School year', 'setup.dates': 'Dates', 'setup.starts_on': 'Starts on', 'setup.ends_on': 'Ends on',
    'setup.calendar': 'Calendar', 'setup.open_calendar': 'Open the calendar', 'setup.term_added': 'Term “{name}” added.',
    'setup.quota_rules': 'Quota rules', 'setup.quota_rules_hint': 'The policy’s default is shown beside each rule; untick “In force” to drop a rule.',
    'setup.staff': 'District staff (researchers, bureau leaders)', 'setup.no_staff': 'No staff yet', 'setup.add_staff': 'Add a person',
    'setup.person': 'Name', 'setup.phone': 'Phone', 'setup.role': 'Role', 'setup.roles': 'Roles',
    'setup.one_time_for': 'One-time password of {name}:',
    'setup.one_time_hint': 'Hand it over in person; it is shown this once, and they choose their own at first login.',
    'setup.joined': '{name} has an account already and joined with it (a second school or a district post); their password stays.',
    'setup.calendar_title': 'Term calendar', 'setup.calendar_saved': 'Calendar saved: {n} teaching weeks.',
    'setup.calendar_hint': 'Holidays, exams and make-up working days are the district’s; a school sets its own days off on its page.',
    'setup.now_week': 'this is teaching week {n}',
  },
});
