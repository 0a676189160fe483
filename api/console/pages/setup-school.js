// A school from the desk (issue 22): its people (search by name or phone, add one, a second
// school, reset a password, end sessions), its groups, its own quota rules and days off, and its
// rubric editor. The API decides who may do what; the pages show its answers.
import {
  addStrings, call, fill, get, getAll, groupKindName, h, link, roleName, route, setTitle, t, table, withQuery,
} from '../core.js';
import {
  daysEditor, field, input, oneTimeOrJoined, onSubmit, per, refusal, rulesEditor, select, smallForm, weeksTable, what, whom,
} from './setup-common.js';

const SCHOOL_ROLES = ['principal', 'vice_principal', 'dean', 'grade_leader', 'teacher'];

route('/console/schools/:id', async (main, { id, q }) => {
  const school = await get(`/v1/schools/${id}`);
  setTitle(school.name);
  const [rules, defaults, groups, terms] = await Promise.all([
    call('GET', `/v1/schools/${id}/quota-rules`),
    get('/v1/quota-rules/defaults'),
    getAll(`/v1/schools/${id}/groups`),
    getAll(`/v1/districts/${school.district_id}/terms`),
  ]);
  const people = await peopleSection(id, q || '');
  fill(main,
    h('h1', {}, school.name),
    h('p', { class: 'links' },
      link(`/console/schools/${id}/rubric`, t('school.rubric'), { id: 'rubric-link' }), ' · ',
      link(`/console/schools/${id}/compliance`, t('school.compliance')), ' · ',
      link(withQuery('/console/reviews', { school_id: id }), t('school.reviews'))),
    people,
    await groupsSection(id, groups),
    schoolRules(id, rules, defaults),
    daysOff(id, terms));
});

// ---------------------------------------------------------------------------------------------
// People.

async function peopleSection(schoolId, q) {
  const list = h('div', { id: 'people' });
  const handover = h('div', { id: 'handover', 'aria-live': 'polite' });
  const search = input('q', { type: 'search', value: q, maxlength: 50, placeholder: t('school.search_hint') });
  const searchOut = h('div', { class: 'result' });
  const show = async (text) => {
    const members = await getAll(withQuery(`/v1/schools/${schoolId}/members`, { q: text }));
    fill(list, table([
      [t('setup.person'), (m) => h('span', { class: 'person-name' }, m.name)],
      [t('setup.phone'), (m) => m.phone || ''],
      [t('setup.roles'), (m) => m.roles.map(roleName).join('、')],
      [t('school.subjects'), (m) => m.subjects.join('、')],
      [t('school.actions'), (m) => personActions(m, handover, () => show(search.value.trim()))],
    ], members, text ? t('school.none_found', { q: text }) : t('core.empty')));
    list.dataset.count = String(members.length);
  };
  const searchForm = onSubmit(
    h('form', { id: 'people-search', class: 'row', role: 'search' },
      field(t('school.search'), search),
      h('button', { type: 'submit' }, t('core.search')), searchOut),
    searchOut,
    async (form) => {
      const text = form.get('q').trim();
      history.replaceState(null, '', withQuery(location.pathname, { q: text }));
      await show(text);
    },
    () => null,
  );
  await show(q);

  const addOut = h('div', { class: 'result' });
  const roleBoxes = SCHOOL_ROLES.map((r) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'roles', value: r, checked: r === 'teacher' }), roleName(r)));
  const addForm = onSubmit(
    h('form', { id: 'new-person', class: 'card setup-form', dataset: { reset: 'true' } },
      h('div', { class: 'row' },
        field(t('setup.person'), input('name', { required: true, maxlength: 50 })),
        field(t('setup.phone'), input('phone', { required: true, inputmode: 'numeric', maxlength: 11 })),
        field(t('school.subjects'), input('subjects', { placeholder: t('school.subjects_hint') }))),
      h('fieldset', { class: 'roles' }, h('legend', {}, t('setup.roles')), roleBoxes),
      h('p', { class: 'muted' }, t('school.second_school_hint')),
      h('button', { type: 'submit', class: 'primary' }, t('school.add_person')), addOut),
    addOut,
    async (form) => {
      const subjects = String(form.get('subjects') || '').split(/[,，、\s]+/).filter(Boolean);
      const answer = (await call('POST', `/v1/schools/${schoolId}/members`, {
        name: form.get('name'), phone: form.get('phone'), roles: form.getAll('roles'), subjects,
      })).data;
      await show(search.value.trim());
      return answer;
    },
    oneTimeOrJoined,
  );
  return h('section', { class: 'card' }, h('h2', {}, t('school.people')), searchForm, handover, list,
    h('h3', {}, t('school.add_person')), addForm);
}

/** A person's row: their roles, reset their password (the one-time password shown once), end
 * their sessions. */
function personActions(m, handover, refresh) {
  const out = h('span', { class: 'row-result' });
  const act = async (button, run) => {
    button.disabled = true;
    fill(out);
    try {
      await run();
    } catch (error) {
      fill(handover, h('div', { class: 'refused' }, h('p', {}, t('school.not_done', { name: m.name })), refusal(error)));
    } finally {
      button.disabled = false;
    }
  };
  const reset = h('button', { type: 'button', class: 'reset-password', dataset: { user: m.user_id } }, t('school.reset'));
  reset.addEventListener('click', () => act(reset, async () => {
    if (!confirm(t('school.reset_confirm', { name: m.name }))) return;
    const answer = (await call('POST', `/v1/users/${m.user_id}/password-reset`)).data;
    fill(handover, h('div', { class: 'one-time', role: 'status' },
      h('p', {}, t('setup.one_time_for', { name: m.name })),
      h('p', { class: 'password' }, h('code', { class: 'one-time-password' }, answer.initial_password)),
      h('p', { class: 'muted' }, t('setup.one_time_hint')),
      h('button', { type: 'button', class: 'quiet', onclick: () => fill(handover) }, t('school.handed_over'))));
    handover.scrollIntoView({ block: 'center' });
  }));
  const end = h('button', { type: 'button', class: 'end-sessions', dataset: { user: m.user_id } }, t('school.end_sessions'));
  end.addEventListener('click', () => act(end, async () => {
    if (!confirm(t('school.end_confirm', { name: m.name }))) return;
    await call('POST', `/v1/users/${m.user_id}/sessions/end`);
    fill(handover, h('p', { class: 'ok sessions-ended', role: 'status' }, t('school.sessions_ended', { name: m.name })));
  }));
  const roles = h('button', { type: 'button', class: 'edit-roles', dataset: { member: m.id } }, t('school.edit_roles'));
  roles.addEventListener('click', () => fill(handover, rolesForm(m, handover, refresh)));
  return h('span', { class: 'actions' }, roles, ' ', reset, ' ', end, out);
}

/** The roles a person holds in the school, as boxes to tick (`PUT /v1/memberships/{id}/roles`). */
function rolesForm(m, handover, refresh) {
  const out = h('div', { class: 'result' });
  const boxes = SCHOOL_ROLES.map((r) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'roles', value: r, checked: m.roles.includes(r) }), roleName(r)));
  const form = h('form', { id: 'roles-form', class: 'card setup-form' },
    h('fieldset', { class: 'roles' }, h('legend', {}, t('school.roles_of', { name: m.name })), boxes),
    h('button', { type: 'submit', class: 'primary' }, t('core.save')), ' ',
    h('button', { type: 'button', class: 'quiet', onclick: () => fill(handover) }, t('core.cancel')), out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = new FormData(form).getAll('roles');
    try {
      await call('PUT', `/v1/memberships/${m.id}/roles`, { roles: chosen });
      fill(handover, h('p', { class: 'ok roles-saved', role: 'status' }, t('school.roles_saved', { name: m.name })));
      await refresh();
    } catch (error) {
      fill(out, refusal(error));
    }
  });
  return form;
}

// ---------------------------------------------------------------------------------------------
// Groups.

async function groupsSection(schoolId, groups) {
  const members = await getAll(`/v1/schools/${schoolId}/members`);
  const list = h('div', { id: 'groups' });
  const draw = () => fill(list, table([
    [t('school.group'), (g) => h('span', { class: 'group-name' }, g.name)],
    [t('school.group_kind'), (g) => groupKindName(g.kind)],
    [t('school.subject_grade'), (g) => [g.subject, g.grade].filter(Boolean).join(' · ')],
    [t('school.group_people'), (g) => g.members.map((p) => (p.leader ? `${p.name}（${t('school.leader')}）` : p.name)).join('、')],
    [t('school.actions'), (g) => h('button', { type: 'button', class: 'edit-group', onclick: () => edit(g) }, t('school.edit'))],
  ], groups, t('school.no_groups')));
  const editor = h('div', { id: 'group-editor' });
  const edit = (g) => {
    const out = h('div', { class: 'result' });
    const inGroup = new Map(g.members.map((p) => [p.user_id, p.leader]));
    const people = [...new Map(members.map((m) => [m.user_id, m])).values()];
    const rows = people.map((p) => h('tr', {},
      h('td', {}, h('input', { type: 'checkbox', name: 'member', value: p.user_id, checked: inGroup.has(p.user_id), 'aria-label': p.name })),
      h('td', {}, p.name),
      h('td', {}, h('input', { type: 'checkbox', name: 'leader', value: p.user_id, checked: !!inGroup.get(p.user_id), 'aria-label': `${p.name} ${t('school.leader')}` }))));
    const form = h('form', { id: 'group-edit', class: 'card' },
      h('h3', {}, t('school.edit_group', { name: g.name })),
      h('div', { class: 'row' },
        field(t('school.group'), input('name', { value: g.name, required: true, maxlength: 50 })),
        g.subject !== null ? field(t('school.subject'), input('subject', { value: g.subject, maxlength: 20 })) : null,
        g.grade !== null ? field(t('school.grade'), input('grade', { value: g.grade, maxlength: 20 })) : null),
      h('table', { class: 'grid compact' },
        h('thead', {}, h('tr', {}, [t('school.in_group'), t('setup.person'), t('school.leader')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)),
      h('button', { type: 'submit', class: 'primary' }, t('core.save')), ' ',
      h('button', { type: 'button', onclick: () => fill(editor) }, t('core.cancel')), out);
    onSubmit(form, out, async (data) => {
      const current = await call('GET', `/v1/groups/${g.id}`);
      let tag = current.etag;
      const change = {};
      for (const key of ['name', 'subject', 'grade']) {
        if (data.has(key) && data.get(key) !== (current.data[key] ?? '')) change[key] = data.get(key);
      }
      if (Object.keys(change).length) {
        tag = (await call('PATCH', `/v1/groups/${g.id}`, change, { 'If-Match': tag })).etag;
      }
      const leaders = new Set(data.getAll('leader'));
      const chosen = data.getAll('member').map((userId) => ({ user_id: userId, leader: leaders.has(userId) }));
      const saved = (await call('PUT', `/v1/groups/${g.id}/members`, { members: chosen }, { 'If-Match': tag })).data;
      Object.assign(g, saved);
      draw();
      return saved;
    }, (saved) => h('p', { class: 'ok', role: 'status' }, t('school.group_saved', { name: saved.name })));
    fill(editor, form);
    form.querySelector('input[name=name]').focus();
  };
  draw();

  const out = h('div', { class: 'result' });
  const create = onSubmit(
    smallForm('new-group', t('school.add_group'), [
      field(t('school.group_kind'), select('kind', ['subject', 'preparation', 'grade'].map((k) => [k, groupKindName(k)]))),
      field(t('school.group'), input('name', { required: true, maxlength: 50 })),
      field(t('school.subject'), input('subject', { maxlength: 20, placeholder: t('school.subject_hint') })),
      field(t('school.grade'), input('grade', { maxlength: 20, placeholder: t('school.grade_hint') })),
      field(t('school.group_leader'), select('leader', [...new Map(members.map((m) => [m.user_id, m.name])).entries()])),
    ], out),
    out,
    async (form) => {
      const body = { kind: form.get('kind'), name: form.get('name'), members: [{ user_id: form.get('leader'), leader: true }] };
      if (form.get('subject')) body.subject = form.get('subject');
      if (form.get('grade')) body.grade = form.get('grade');
      const g = (await call('POST', `/v1/schools/${schoolId}/groups`, body)).data;
      groups.push(g);
      draw();
      return g;
    },
    (g) => h('p', { class: 'ok', role: 'status' }, t('school.group_added', { name: g.name })),
  );
  return h('section', { class: 'card' }, h('h2', {}, t('school.groups')), list, editor, create);
}

// ---------------------------------------------------------------------------------------------
// The school's own quota rules (stricter than the district's) and its days off.

function schoolRules(schoolId, rules, defaults) {
  const district = rules.data.items.filter((r) => r.source === 'district');
  let own = rules.data.items.filter((r) => r.source === 'school');
  let tag = rules.etag;
  const editorBox = h('div', {});
  const drawEditor = () => fill(editorBox, rulesEditor('school-rules', own, district, tag, async (chosen, etag) => {
    const res = await call('PUT', `/v1/schools/${schoolId}/quota-rules`, { rules: chosen }, etag ? { 'If-Match': etag } : {});
    tag = res.etag;
    own = res.data.items.filter((r) => r.source === 'school');
    return res;
  }, { withDefaults: false, defaultLabel: t('school.district_minimum') }));
  drawEditor();
  const stricter = h('form', { id: 'add-stricter', class: 'row' },
    field(t('school.stricter_of'), select('duty', district.map((r, i) => [String(i),
      `${whom(r)} · ${what(r)} · ${per(r)} ≥ ${r.minimum}`]))),
    h('button', { type: 'submit' }, t('school.add_stricter')));
  stricter.addEventListener('submit', (event) => {
    event.preventDefault();
    const r = district[Number(new FormData(stricter).get('duty'))];
    if (!r) return;
    // A new row of the school's own, saved with the others.
    own = [...own, { ...r, source: 'school', school_id: schoolId, minimum: r.minimum + 1 }];
    drawEditor();
  });
  const policy = (r) => defaults.items.find((d) => d.activity === r.activity && d.period === r.period
    && d.role === r.role && d.qualifier === r.qualifier && d.group_kind === r.group_kind && d.target === r.target);
  return h('section', { class: 'card' }, h('h2', {}, t('school.own_rules')),
    h('p', { class: 'muted' }, t('school.own_rules_hint')),
    h('details', {}, h('summary', {}, t('school.district_rules', { n: district.length })),
      table([
        [t('setup.rule_whom'), whom],
        [t('setup.rule_what'), what],
        [t('setup.rule_per'), per],
        [t('setup.rule_minimum'), (r) => String(r.minimum)],
        [t('setup.rule_default'), (r) => String(policy(r)?.minimum ?? t('setup.no_default'))],
      ], district)),
    editorBox, stricter);
}

function daysOff(schoolId, terms) {
  const box = h('div', { id: 'days-off' });
  const choose = select('term', terms.map((x) => [x.id, x.name]));
  const today = new Date().toISOString().slice(0, 10);
  const current = terms.find((x) => x.starts_on <= today && today <= x.ends_on) || terms[terms.length - 1];
  if (current) choose.value = current.id;
  const load = async () => {
    const termId = choose.value;
    if (!termId) { fill(box, h('p', { class: 'empty' }, t('setup.no_terms'))); return; }
    try {
      const answer = await call('GET', withQuery(`/v1/terms/${termId}/calendar`, { school_id: schoolId }));
      let tag = answer.etag;
      const editor = daysEditor(answer.data.entries.filter((e) => e.source === 'school'), ['day_off']);
      const weeks = h('div', {}, weeksTable(answer.data));
      const out = h('div', { class: 'result' });
      const form = onSubmit(h('form', { id: 'school-days' }, editor,
        h('button', { type: 'submit', class: 'primary' }, t('core.save')), out), out, async () => {
        const res = await call('PUT', `/v1/schools/${schoolId}/calendar`, { term_id: termId, entries: editor.entries() },
          tag ? { 'If-Match': tag } : {});
        tag = res.etag;
        fill(weeks, weeksTable(res.data));
        return res.data;
      }, (c) => h('p', { class: 'ok', role: 'status' }, t('setup.calendar_saved', { n: c.teaching_weeks })));
      fill(box, h('p', {}, link(`/console/terms/${termId}/calendar`, t('school.district_calendar'))), form, weeks);
    } catch (error) {
      fill(box, refusal(error));
    }
  };
  choose.addEventListener('change', load);
  load();
  return h('section', { class: 'card' }, h('h2', {}, t('school.days_off')), field(t('school.term'), choose), box);
}

// ---------------------------------------------------------------------------------------------
// /console/schools/:id/rubric

route('/console/schools/:id/rubric', async (main, { id }) => {
  const [school, answer] = await Promise.all([get(`/v1/schools/${id}`), call('GET', `/v1/schools/${id}/rubric`)]);
  setTitle(`${t('school.rubric')} · ${school.name}`);
  let rubric = answer.data;
  let tag = answer.etag;
  const version = h('p', { id: 'rubric-version' });
  const showVersion = () => fill(version, t('school.rubric_version', { n: rubric.version }));
  showVersion();
  const tbody = h('tbody', {});
  const total = h('span', { id: 'rubric-total' });
  const sum = () => fill(total, t('school.rubric_total', {
    n: [...tbody.querySelectorAll('input[name=max_score]')].reduce((a, el) => a + (Number(el.value) || 0), 0),
  }));
  const addRow = (item = { key: '', title: '', max_score: 10, dimension: 'teacher_ability' }) => {
    const dim = select('dimension', ['teacher_ability', 'student_goals'].map((d) => [d, t(`school.dimension.${d}`)]), { 'aria-label': t('school.dimension') });
    dim.value = item.dimension;
    const row = h('tr', { class: 'rubric-item' },
      h('td', {}, input('key', { value: item.key, required: true, pattern: '[a-z][a-z0-9_]{0,39}', 'aria-label': t('school.item_key') })),
      h('td', {}, input('title', { value: item.title, required: true, maxlength: 50, 'aria-label': t('school.item_title') })),
      h('td', {}, input('max_score', { type: 'number', min: 1, max: 100, value: String(item.max_score), class: 'num', 'aria-label': t('school.item_score'), oninput: sum })),
      h('td', {}, dim),
      h('td', {}, h('button', { type: 'button', class: 'quiet', onclick: () => { row.remove(); sum(); } }, t('setup.remove'))));
    tbody.append(row);
  };
  rubric.items.forEach((item) => addRow(item));
  sum();
  const passLine = input('pass_line', { type: 'number', min: 1, value: rubric.pass_line ?? '', class: 'num' });
  const out = h('div', { class: 'result', id: 'rubric-result' });
  const form = onSubmit(h('form', { id: 'rubric', class: 'card' },
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, [t('school.item_key'), t('school.item_title'), t('school.item_score'), t('school.dimension'), '']
        .map((x) => h('th', { scope: 'col' }, x)))), tbody),
    h('p', {}, h('button', { type: 'button', class: 'add-item', onclick: () => addRow() }, t('school.add_item')), ' ', total),
    field(t('school.pass_line'), passLine, t('school.pass_line_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('school.save_version')), out), out,
  async () => {
    const items = [...tbody.querySelectorAll('tr')].map((tr) => ({
      key: tr.querySelector('[name=key]').value,
      title: tr.querySelector('[name=title]').value,
      max_score: Number(tr.querySelector('[name=max_score]').value),
      dimension: tr.querySelector('[name=dimension]').value,
    }));
    const body = { items };
    if (passLine.value !== '') body.pass_line = Number(passLine.value);
    const res = await call('PUT', `/v1/schools/${id}/rubric`, body, tag ? { 'If-Match': tag } : {});
    rubric = res.data;
    tag = res.etag;
    showVersion();
    return rubric;
  }, (r) => h('p', { class: 'ok', role: 'status' }, t('school.rubric_saved', { n: r.version })));
  fill(main,
    h('h1', {}, t('school.rubric'), ' · ', school.name),
    version,
    h('p', { class: 'muted' }, t('school.rubric_hint')),
    form,
    h('p', {}, link(`/console/schools/${id}`, t('core.back'))));
});

addStrings({
  zh: {
    'school.rubric': '评课量表', 'school.compliance': '考核完成情况', 'school.reviews': '评课记录',
    'school.people': '人员', 'school.search': '按姓名或手机号搜索', 'school.search_hint': '姓名或手机号的一部分',
    'school.none_found': '没有找到“{q}”', 'school.subjects': '学科', 'school.subjects_hint': '语文、数学',
    'school.actions': '操作', 'school.add_person': '添加人员',
    'school.second_school_hint': '若该手机号已有账号（如其他学校的教师），此人将以原账号兼任本校，姓名须与原账号一致。',
    'school.not_done': '未能对 {name} 执行：', 'school.reset': '重置密码', 'school.reset_confirm': '为 {name} 重置密码？其所有登录将被退出。',
    'school.handed_over': '已交给本人，隐藏', 'school.end_sessions': '退出其所有登录',
    'school.edit_roles': '角色', 'school.roles_of': '{name} 在本校的角色', 'school.roles_saved': '已保存 {name} 的角色。',
    'school.end_confirm': '退出 {name} 在所有设备上的登录？', 'school.sessions_ended': '{name} 的所有登录已退出。',
    'school.groups': '教研组、备课组、年级组', 'school.group': '组名', 'school.group_kind': '类别',
    'school.subject_grade': '学科·年级', 'school.group_people': '成员', 'school.leader': '组长',
    'school.no_groups': '暂无分组', 'school.edit': '编辑', 'school.edit_group': '编辑“{name}”',
    'school.subject': '学科', 'school.grade': '年级', 'school.group_leader': '组长（之后可在“编辑”中加人）', 'school.in_group': '在组内',
    'school.subject_hint': '教研组、备课组填写', 'school.grade_hint': '备课组、年级组填写',
    'school.group_saved': '“{name}”已保存。', 'school.add_group': '新建分组', 'school.group_added': '已新建“{name}”。',
    'school.own_rules': '本校考核要求', 'school.own_rules_hint': '本校可在区县要求之上设更严的要求（听课、推门听课、汇报课）。',
    'school.district_rules': '区县要求（{n} 条）', 'school.district_minimum': '区县要求', 'school.stricter_of': '在此区县要求上从严', 'school.add_stricter': '添加',
    'school.days_off': '本校放假日', 'school.term': '学期', 'school.district_calendar': '区县校历',
    'school.rubric_version': '当前为第 {n} 版', 'school.rubric_total': '满分合计 {n}',
    'school.item_key': '代码', 'school.item_title': '项目', 'school.item_score': '分值', 'school.dimension': '维度',
    'school.dimension.teacher_ability': '教师教学', 'school.dimension.student_goals': '学生学习',
    'school.add_item': '添加项目', 'school.pass_line': '达标线', 'school.pass_line_hint': '总分低于此线的课可跟进；留空表示不设。',
    'school.save_version': '保存为新版本', 'school.rubric_saved': '已保存为第 {n} 版。',
    'school.rubric_hint': '量表按版本保存：已提交的评课仍按其当时的版本计分。',
  },
  en: {
    'school.rubric': 'Rubric', 'school.compliance': 'Compliance', 'school.reviews': 'Reviews',
    'school.people': 'People', 'school.search': 'Search by name or phone', 'school.search_hint': 'Part of a name or phone number',
    'school.none_found': 'Nobody matches “{q}”', 'school.subjects': 'Subjects', 'school.subjects_hint': 'Chinese, maths',
    'school.actions': 'Actions', 'school.add_person': 'Add a person',
    'school.second_school_hint': 'A phone that has an account already (a teacher of another school) joins this school as a second school; the name must be theirs.',
    'school.not_done': 'Not done for {name}:', 'school.reset': 'Reset password', 'school.reset_confirm': 'Reset the password of {name}? Every login of theirs ends.',
    'school.handed_over': 'Handed over; hide it', 'school.end_sessions': 'End their sessions',
    'school.edit_roles': 'Roles', 'school.roles_of': 'Roles of {name} in the school', 'school.roles_saved': 'The roles of {name} are saved.',
    'school.end_confirm': 'End every session of {name}, phones included?', 'school.sessions_ended': 'Every session of {name} has ended.',
    'school.groups': 'Subject, preparation and grade groups', 'school.group': 'Group', 'school.group_kind': 'Kind',
    'school.subject_grade': 'Subject · grade', 'school.group_people': 'People', 'school.leader': 'leader',
    'school.no_groups': 'No groups yet', 'school.edit': 'Edit', 'school.edit_group': 'Edit “{name}”',
    'school.subject': 'Subject', 'school.grade': 'Grade', 'school.group_leader': 'Leader (add people with “Edit” after)', 'school.in_group': 'In the group',
    'school.subject_hint': 'subject and preparation groups', 'school.grade_hint': 'preparation and grade groups',
    'school.group_saved': '“{name}” saved.', 'school.add_group': 'New group', 'school.group_added': '“{name}” created.',
    'school.own_rules': 'The school’s own quota rules', 'school.own_rules_hint': 'A school may ask more than the district (observations, unannounced observations, report lessons).',
    'school.district_rules': 'The district’s rules ({n})', 'school.district_minimum': 'District asks', 'school.stricter_of': 'Stricter than this district rule', 'school.add_stricter': 'Add',
    'school.days_off': 'The school’s days off', 'school.term': 'Term', 'school.district_calendar': 'The district’s calendar',
    'school.rubric_version': 'Version {n}', 'school.rubric_total': 'Total of the items: {n}',
    'school.item_key': 'Key', 'school.item_title': 'Item', 'school.item_score': 'Points', 'school.dimension': 'Dimension',
    'school.dimension.teacher_ability': 'Teaching', 'school.dimension.student_goals': 'Learning',
    'school.add_item': 'Add an item', 'school.pass_line': 'Pass line', 'school.pass_line_hint': 'Lessons scored below it may be followed up; empty for none.',
    'school.save_version': 'Save as a new version', 'school.rubric_saved': 'Saved as version {n}.',
    'school.rubric_hint': 'The rubric is kept in versions: observations submitted keep the version they were scored with.',
  },
});
