// The import wizard: download the template, upload the filled workbook, read the preview (what
// would be created, changed, left alone and found missing, and every problem by sheet, row and
// column, in the API's words), commit it, and download the login sheet of the new people, once.
// The API decides everything (`POST /v1/districts/{id}/imports`, `GET /v1/imports/{id}`,
// `POST /v1/imports/{id}/commit`, `POST /v1/imports/{id}/login-sheet`).
import {
  addStrings, call, fill, get, getAll, h, isAdmin, link, problem, route, session, setTitle, t, table,
} from '../core.js';

// ---------------------------------------------------------------------------------------------
// The top bar: admins and principals import (the API refuses everyone else).

/** Schools where the person is principal (a principal imports their own school). */
function principalSchools() {
  return (session.me?.memberships || []).filter((m) => m.school_id && m.roles.includes('principal'));
}

export function nav() {
  const mine = principalSchools();
  if (!isAdmin() && mine.length === 0) return [];
  if (!isAdmin() && mine.length === 1) {
    return [[`/console/districts/${mine[0].district_id}/import?school_id=${mine[0].school_id}`, t('import.nav')]];
  }
  return [['/console/import', t('import.nav')]];
}

route('/console/import', async (main) => {
  setTitle(t('import.nav'));
  const schools = await getAll('/v1/schools?limit=200');
  const districts = isAdmin() ? await getAll('/v1/districts?limit=200') : [];
  const mine = principalSchools();
  fill(main,
    h('h1', {}, t('import.nav')),
    isAdmin() ? h('section', {},
      h('h2', {}, t('import.districts')),
      h('ul', { class: 'choices' }, districts.map((d) => h('li', {},
        link(`/console/districts/${d.id}/import`, d.name))))) : null,
    mine.length ? h('section', {},
      h('h2', {}, t('import.my_schools')),
      h('ul', { class: 'choices' }, mine.map((m) => h('li', {},
        link(`/console/districts/${m.district_id}/import?school_id=${m.school_id}`, schools.find((s) => s.id === m.school_id)?.name || m.school_id))))) : null,
    isAdmin() ? newDistrictForm() : null);
});

/** An admin starts a new district here: it is created (`POST /v1/districts`), then imported. */
function newDistrictForm() {
  const name = h('input', { name: 'name', required: true, maxlength: 100 });
  const status = h('div', { role: 'status' });
  const form = h('form', { id: 'new-district', class: 'upload' },
    h('h2', {}, t('import.new_district')),
    field(t('import.district_name'), name, t('import.new_district_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('import.create_district')), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const { data } = await call('POST', '/v1/districts', { name: name.value });
      location.assign(`/console/districts/${data.id}/import`);
    } catch (error) {
      fill(status, problem(error));
    }
  });
  return form;
}

// ---------------------------------------------------------------------------------------------
// Upload.

route('/console/districts/:id/import', async (main, params) => {
  setTitle(t('import.title'));
  const districtId = params.id;
  // A principal imports their school only: the school is named when they lead several there.
  const principalHere = principalSchools().filter((m) => m.district_id === districtId);
  const fixedSchool = params.school_id || (!isAdmin() && principalHere.length === 1 ? principalHere[0].school_id : '');
  // A principal of several schools here (and no school named) chooses which one to import.
  let schoolChoice = null;
  if (!fixedSchool && !isAdmin() && principalHere.length > 1) {
    const names = new Map((await getAll('/v1/schools?limit=200')).map((x) => [x.id, x.name]));
    schoolChoice = h('select', { name: 'school_id' },
      principalHere.map((m) => h('option', { value: m.school_id }, names.get(m.school_id) || m.school_id)));
  }
  const preview = h('section', { id: 'preview', 'aria-live': 'polite' });
  const status = h('div', { class: 'upload-status', role: 'status' });
  const file = h('input', {
    type: 'file', name: 'file', required: true,
    accept: '.xlsx,.xls,.ods,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('import.upload'));
  const form = h('form', { id: 'upload', class: 'upload' },
    h('p', {}, t('import.step_upload')),
    field(t('import.file'), file, t('import.file_hint')),
    schoolChoice ? field(t('import.school'), schoolChoice) : null,
    submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    const body = new FormData();
    body.append('file', file.files[0]);
    const schoolId = schoolChoice ? schoolChoice.value : fixedSchool;
    if (schoolId) body.append('school_id', schoolId);
    submit.disabled = true;
    fill(status, t('import.uploading'));
    try {
      const { data } = await call('POST', `/v1/districts/${districtId}/imports`, body);
      fill(status);
      showPreview(preview, data);
      preview.scrollIntoView({ block: 'start' });
    } catch (error) {
      fill(status, problem(error));
    } finally {
      submit.disabled = false;
      file.value = '';
    }
  });
  fill(main,
    h('h1', {}, t('import.title')),
    h('ol', { class: 'steps' },
      h('li', {}, t('import.step_template'), ' ',
        h('a', { href: '/v1/imports/template.xlsx', download: 'import-template.xlsx', class: 'template' }, t('import.template'))),
      h('li', {}, form),
      h('li', {}, t('import.step_check')),
      h('li', {}, t('import.step_commit'))),
    preview);
});

/** A labelled field, like core's `field` (kept here so the file input keeps its own name). */
function field(label, input, hint) {
  input.id = input.id || `import-${input.name}`;
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hint ? h('small', {}, hint) : null);
}

// ---------------------------------------------------------------------------------------------
// An import again (its preview, or its state once committed).

route('/console/imports/:id', async (main, params) => {
  setTitle(t('import.title'));
  const data = await get(`/v1/imports/${params.id}`);
  const preview = h('section', { id: 'preview', 'aria-live': 'polite' });
  fill(main,
    h('h1', {}, t('import.title')),
    h('p', {}, link(`/console/districts/${data.district_id}/import${data.school_id ? `?school_id=${data.school_id}` : ''}`, t('import.upload_another'))),
    preview);
  showPreview(preview, data);
});

// ---------------------------------------------------------------------------------------------
// The preview.

const KINDS = ['schools', 'terms', 'people', 'groups'];

function showPreview(section, data) {
  const s = data.summary;
  const problems = data.problems || [];
  const committed = data.status === 'committed';
  const missingChecks = new Map();
  const result = h('div', { class: 'commit-result', role: 'status' });
  const state = h('p', { class: `import-state ${committed ? 'committed' : problems.length ? 'blocked' : 'ready'}` },
    committed ? t('import.state_committed') : problems.length ? t('import.state_blocked', { n: problems.length }) : t('import.state_ready'));
  const commit = h('button', {
    type: 'button', class: 'primary commit', disabled: !data.committable,
    onclick: () => doCommit(data, commit, result, missingChecks, state),
  }, t('import.commit'));
  fill(section,
    h('h2', {}, t('import.preview_of', { file: data.file_name })),
    state,
    h('p', { class: 'permalink' }, link(`/console/imports/${data.id}`, t('import.permalink'))),
    h('table', { class: 'grid counts' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''),
        ['created', 'changed', 'unchanged'].map((c) => h('th', { scope: 'col' }, t(`import.${c}`))))),
      h('tbody', {}, KINDS.map((k) => h('tr', {},
        h('th', { scope: 'row' }, t(`import.kind.${k}`)),
        ['created', 'changed', 'unchanged'].map((c) => h('td', { class: `n-${c}` }, String(s[k]?.[c] ?? 0))))))),
    h('p', { class: 'missing-count' }, t('import.missing_count', { n: s.missing }), ' · ', t('import.problem_count', { n: s.problems })),
    problems.length ? h('section', { class: 'problems' },
      h('h3', {}, t('import.problems')),
      table([
        [t('import.sheet'), (p) => p.sheet],
        [t('import.row'), (p) => String(p.row)],
        [t('import.column'), (p) => p.column],
        [t('import.code'), (p) => h('code', {}, p.code)],
        [t('import.message'), (p) => p.message],
        [t('import.value'), (p) => p.value || ''],
      ], problems),
      h('p', {}, t('import.fix_and_upload'))) : null,
    lines(t(committed ? 'import.created_done' : 'import.created_lines'), data.created),
    lines(t(committed ? 'import.changed_done' : 'import.changed_lines'), data.changed, true),
    data.missing?.length ? h('details', { class: 'missing' },
      h('summary', {}, t('import.missing_lines', { n: data.missing.length })),
      h('p', {}, t('import.missing_hint')),
      table([
        [t('import.remove'), (m) => {
          const box = h('input', { type: 'checkbox', 'aria-label': `${t('import.remove')} ${m.name}`, disabled: committed || !data.committable });
          missingChecks.set(m.membership_id, box);
          return box;
        }],
        [t('import.name'), (m) => m.name],
        [t('import.phone'), (m) => m.phone],
        [t('import.school'), (m) => m.school],
      ], data.missing)) : null,
    committed ? null : h('div', { class: 'commit-bar' }, commit,
      data.committable ? null : h('small', {}, problems.length ? t('import.commit_blocked') : '')),
    result);
  if (committed) offerSheet(result, data.id, null);
}

function lines(title, list, withFields) {
  if (!list?.length) return null;
  return h('details', { class: 'lines' },
    h('summary', {}, `${title} (${list.length})`),
    table([
      [t('import.sheet'), (l) => l.sheet],
      [t('import.row'), (l) => String(l.row)],
      [t('import.what'), (l) => t(`import.line.${l.kind}`)],
      [t('import.name'), (l) => l.name],
      [t('import.phone'), (l) => l.phone || ''],
      [t('import.school'), (l) => l.school || ''],
      withFields ? [t('import.fields'), (l) => (l.fields || []).map((f) => t(`import.field.${f}`)).join('、')] : null,
    ].filter(Boolean), list));
}

async function doCommit(data, button, result, missingChecks, state) {
  const remove = [...missingChecks].filter(([, box]) => box.checked).map(([id]) => id);
  if (remove.length && !confirm(t('import.remove_confirm', { n: remove.length }))) return;
  button.disabled = true;
  fill(result, t('import.committing'));
  try {
    const { data: done } = await call('POST', `/v1/imports/${data.id}/commit`, { remove });
    button.remove();
    state.className = 'import-state committed';
    state.textContent = t('import.state_committed');
    for (const box of missingChecks.values()) box.disabled = true;
    offerSheet(result, data.id, done);
  } catch (error) {
    button.disabled = false;
    fill(result, problem(error));
  }
}

/**
 * After the commit: what was done and the login sheet's button. `done` is the commit's answer
 * (its key); reopened later, the commit is asked again, which answers the key once more as long
 * as the sheet has not been taken.
 */
function offerSheet(result, importId, done) {
  const area = h('div', { class: 'sheet-area' });
  const button = h('button', { type: 'button', class: 'primary login-sheet' }, t('import.login_sheet'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const answer = done || (await call('POST', `/v1/imports/${importId}/commit`, {})).data;
      const res = await call('POST', `/v1/imports/${importId}/login-sheet`, { key: answer.login_sheet.key });
      const blob = await res.response.blob();
      const name = fileName(res.response.headers.get('content-disposition')) || 'login-sheet.xlsx';
      const url = URL.createObjectURL(blob);
      const save = h('a', { href: url, download: name, class: 'sheet-file', dataset: { bytes: blob.size } },
        t('import.save_sheet', { name }));
      fill(area, h('p', { class: 'sheet-ready' }, t('import.sheet_once')), save);
      save.scrollIntoView({ block: 'center' });
      save.click();
    } catch (error) {
      button.disabled = false;
      fill(area, button, problem(error));
    }
  });
  const summary = done ? h('p', { class: 'committed-summary' },
    t('import.committed', {
      people: done.summary.people.created, changed: done.summary.people.changed,
      schools: done.summary.schools.created, removed: done.removed,
    })) : null;
  const people = done ? done.login_sheet.people : null;
  fill(area, button);
  fill(result,
    summary,
    people === 0 ? h('p', {}, t('import.no_new_people')) : area);
}

/** The file name of a `Content-Disposition` (`filename*=UTF-8''…` first, then `filename=`). */
function fileName(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try { return decodeURIComponent(star[1].trim()); } catch { /* fall through */ }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain ? plain[1].trim() : null;
}

addStrings({
  zh: {
    'import.nav': '导入',
    'import.title': '导入学校、人员和学期',
    'import.districts': '区县',
    'import.my_schools': '我的学校',
    'import.new_district': '新建区县',
    'import.district_name': '区县名称',
    'import.create_district': '创建并导入',
    'import.new_district_hint': '创建后进入它的导入页面，用模板导入学校、人员和学期。',
    'import.step_template': '下载模板，按说明填写学校、人员和学期。',
    'import.template': '下载模板（.xlsx）',
    'import.step_upload': '上传填好的表格（.xlsx，也可以是 .xls、.ods 或人员表的 .csv）。',
    'import.step_check': '核对预览：将新建、修改、不变和缺少的内容，以及每一处问题。有问题时改好表格重新上传。',
    'import.step_commit': '确认导入，然后下载新用户的登录表（只能下载一次）。',
    'import.file': '表格文件',
    'import.file_hint': '文件内容决定类型，与文件名无关。',
    'import.upload': '上传并预览',
    'import.uploading': '正在读取表格…',
    'import.upload_another': '上传另一份表格',
    'import.preview_of': '预览：{file}',
    'import.permalink': '此导入的链接（稍后可再打开）',
    'import.state_ready': '没有问题，可以确认导入。',
    'import.state_blocked': '有 {n} 处问题，改好后重新上传才能导入。',
    'import.state_committed': '已导入。',
    'import.created': '新建', 'import.changed': '修改', 'import.unchanged': '不变',
    'import.kind.schools': '学校', 'import.kind.terms': '学期', 'import.kind.people': '人员（行）', 'import.kind.groups': '组',
    'import.missing_count': '表格中缺少的现有成员：{n}',
    'import.problem_count': '问题：{n}',
    'import.problems': '问题',
    'import.sheet': '工作表', 'import.row': '行', 'import.column': '列', 'import.code': '代码',
    'import.message': '说明', 'import.value': '填写的内容',
    'import.fix_and_upload': '请在表格中改正以上各处，再上传一次。',
    'import.created_lines': '将新建', 'import.changed_lines': '将修改',
    'import.created_done': '已新建', 'import.changed_done': '已修改',
    'import.missing_lines': '表格中缺少的现有成员（{n}）',
    'import.missing_hint': '不勾选则保留；勾选的成员将在导入时移出学校。',
    'import.remove': '移出',
    'import.remove_confirm': '将 {n} 位成员移出学校？',
    'import.name': '姓名', 'import.phone': '手机号', 'import.school': '学校', 'import.what': '类别', 'import.fields': '变化',
    'import.line.school': '学校', 'import.line.term': '学期', 'import.line.person': '人员', 'import.line.group': '组',
    'import.field.name': '姓名', 'import.field.roles': '角色', 'import.field.subjects': '学科',
    'import.field.grades': '任教年级', 'import.field.groups': '加入组', 'import.field.school': '加入学校',
    'import.commit': '确认导入',
    'import.commit_blocked': '有问题时不能导入。',
    'import.committing': '正在导入…',
    'import.committed': '新建 {people} 行人员、修改 {changed} 行、新建 {schools} 所学校，移出 {removed} 位成员。',
    'import.no_new_people': '没有新用户，无需登录表。',
    'import.login_sheet': '下载登录表',
    'import.sheet_once': '登录表只能下载一次，请妥善保存并分发给各人。',
    'import.save_sheet': '保存 {name}',
  },
  en: {
    'import.nav': 'Import',
    'import.title': 'Import schools, people and terms',
    'import.districts': 'Districts',
    'import.my_schools': 'My schools',
    'import.new_district': 'A new district',
    'import.district_name': 'District name',
    'import.create_district': 'Create and import',
    'import.new_district_hint': 'Its import page opens next: import its schools, people and terms from the template.',
    'import.step_template': 'Download the template and fill in the schools, people and terms as its notes say.',
    'import.template': 'Download the template (.xlsx)',
    'import.step_upload': 'Upload the filled workbook (.xlsx, or .xls, .ods, or the people sheet as .csv).',
    'import.step_check': 'Check the preview: what would be created, changed, left alone and is missing, and every problem. Fix problems in the workbook and upload it again.',
    'import.step_commit': 'Commit, then download the new people\'s login sheet (once only).',
    'import.file': 'Workbook',
    'import.file_hint': 'The file\'s content tells its type, never its name.',
    'import.upload': 'Upload and preview',
    'import.uploading': 'Reading the workbook…',
    'import.upload_another': 'Upload another workbook',
    'import.preview_of': 'Preview of {file}',
    'import.permalink': 'Link to this import (to open it again later)',
    'import.state_ready': 'No problems: ready to commit.',
    'import.state_blocked': '{n} problems: fix them and upload again before committing.',
    'import.state_committed': 'Committed.',
    'import.created': 'Created', 'import.changed': 'Changed', 'import.unchanged': 'Left alone',
    'import.kind.schools': 'Schools', 'import.kind.terms': 'Terms', 'import.kind.people': 'People (rows)', 'import.kind.groups': 'Groups',
    'import.missing_count': 'Members missing from the workbook: {n}',
    'import.problem_count': 'Problems: {n}',
    'import.problems': 'Problems',
    'import.sheet': 'Sheet', 'import.row': 'Row', 'import.column': 'Column', 'import.code': 'Code',
    'import.message': 'Message', 'import.value': 'Value found',
    'import.fix_and_upload': 'Correct these cells in the workbook and upload it again.',
    'import.created_lines': 'To be created', 'import.changed_lines': 'To be changed',
    'import.created_done': 'Created', 'import.changed_done': 'Changed',
    'import.missing_lines': 'Members missing from the workbook ({n})',
    'import.missing_hint': 'Unticked members stay; ticked ones leave their school when you commit.',
    'import.remove': 'Remove',
    'import.remove_confirm': 'Remove {n} members from their schools?',
    'import.name': 'Name', 'import.phone': 'Phone', 'import.school': 'School', 'import.what': 'What', 'import.fields': 'Changes',
    'import.line.school': 'School', 'import.line.term': 'Term', 'import.line.person': 'Person', 'import.line.group': 'Group',
    'import.field.name': 'name', 'import.field.roles': 'roles', 'import.field.subjects': 'subjects',
    'import.field.grades': 'grades', 'import.field.groups': 'joins a group', 'import.field.school': 'joins a school',
    'import.commit': 'Commit the import',
    'import.commit_blocked': 'An import with problems cannot be committed.',
    'import.committing': 'Committing…',
    'import.committed': '{people} people rows created, {changed} changed, {schools} schools created, {removed} members removed.',
    'import.no_new_people': 'No new people: there is no login sheet.',
    'import.login_sheet': 'Download the login sheet',
    'import.sheet_once': 'The login sheet is handed out once: keep it safe and give each person their line.',
    'import.save_sheet': 'Save {name}',
  },
});
