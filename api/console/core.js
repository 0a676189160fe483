// The console's few shared pieces: calling the API with the session cookie, building DOM without
// innerHTML, the strings in Chinese and English, and the routes of the pages. Every page module
// (pages/*.js) imports from here and registers its routes and strings; app.js draws the page.
//
// Nothing here decides who may see or do what: the API answers 403 and the page shows it.

export const session = { me: null, csrf: null };

// ---------------------------------------------------------------------------------------------
// Strings: Chinese first, English when chosen (kept in this browser).

const strings = { zh: {}, en: {} };

export function addStrings(table) {
  for (const lang of ['zh', 'en']) Object.assign(strings[lang], table[lang] || {});
}

export function lang() {
  return localStorage.getItem('tingke.lang') === 'en' ? 'en' : 'zh';
}

export function setLang(value) {
  localStorage.setItem('tingke.lang', value);
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN';
}

/** The string `key` in the chosen language, with `{name}` replaced from `vars`. */
export function t(key, vars) {
  let text = strings[lang()][key] ?? strings.zh[key] ?? key;
  for (const [name, value] of Object.entries(vars || {})) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The API.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.message || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || `http_${status}`;
    this.problem = problem || {};
  }
}

function headersFor(method, extra) {
  const headers = { 'Accept-Language': lang() === 'en' ? 'en' : 'zh-CN', ...extra };
  if (!['GET', 'HEAD'].includes(method) && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  return headers;
}

/**
 * Calls the API; answers `{ data, etag, status, response }` or throws ApiError with the problem's
 * code. `body` may be an object (sent as JSON) or FormData (a file upload). A 401 (the session
 * ended: logged out elsewhere, expired) goes to the login page.
 */
export async function call(method, path, body, extraHeaders = {}) {
  const headers = headersFor(method, extraHeaders);
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401 && !path.startsWith('/console/session')) {
    toLogin();
    throw new ApiError(401, { code: 'session_ended' });
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  const type = response.headers.get('content-type') || '';
  let data = null;
  if (response.status !== 204 && type.includes('json')) data = await response.json();
  return { data, etag: response.headers.get('etag'), status: response.status, response };
}

/** GET `path` and answer its JSON. */
export async function get(path) {
  return (await call('GET', path)).data;
}

/** `path` with `query`'s non-empty values as its query string. */
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, v);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Every item of a paged list (`items` and `next_cursor`), up to `max` items. */
export async function getAll(path, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...(page.items || []));
    cursor = page.next_cursor || null;
  } while (cursor && items.length < max);
  return items;
}

export function toLogin() {
  const here = location.pathname + location.search;
  if (!location.pathname.startsWith('/console/login')) {
    location.assign(`/console/login?next=${encodeURIComponent(here)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Who is logged in: roles as the API gives them in memberships.

/** Roles of the person in a school, or anywhere (`schoolId` omitted). */
export function roles(schoolId) {
  const ms = session.me?.memberships || [];
  return ms.filter((m) => schoolId === undefined || m.school_id === schoolId).flatMap((m) => m.roles);
}

export const isAdmin = () => !!session.me?.is_admin;

/** Districts where the person is district staff (researcher, bureau leader or office head). */
export function staffDistricts() {
  const ms = session.me?.memberships || [];
  return [...new Set(ms.filter((m) => !m.school_id).map((m) => m.district_id))];
}

/** Schools where the person leads (principal, vice principal, dean). */
export function leaderSchools() {
  const lead = ['principal', 'vice_principal', 'dean'];
  const ms = session.me?.memberships || [];
  return ms.filter((m) => m.school_id && m.roles.some((r) => lead.includes(r))).map((m) => m.school_id);
}

/** Which areas the person may open at all, for the top bar (the API still decides each row). */
export const may = {
  district: () => isAdmin() || staffDistricts().length > 0,
  lead: () => isAdmin() || staffDistricts().length > 0 || leaderSchools().length > 0,
};

// ---------------------------------------------------------------------------------------------
// DOM: elements built with textContent only (no innerHTML), so no answer can inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A link inside the console (a real `<a href>`: keyboard, new tab and back all work). */
export const link = (href, text, attrs = {}) => h('a', { href, ...attrs }, text);

/** A table: `columns` of `[heading, (row) => cell]`; `empty` when there are no rows. */
export function table(columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty || t('core.empty'));
  return h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, columns.map(([heading]) => h('th', { scope: 'col' }, heading)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row)))))));
}

/** A labelled form field; `input` is the control (an `h('input', …)`, select or textarea). */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', {}, hint) : null);
}

/** An error as a person reads it: the API's message (in the chosen language) and its code. */
export function problem(error) {
  const text = error instanceof ApiError ? error.message : String(error?.message || error);
  const code = error instanceof ApiError ? error.code : '';
  const fields = error?.problem?.errors || [];
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', {}, text), code ? h('code', {}, code) : null,
    fields.length ? h('ul', {}, fields.map((f) => h('li', {}, `${f.field}: ${f.message || f.code}`))) : null);
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat(Infinity)) if (child) el.append(child);
  return el;
}

export function fmtDate(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtDay(value) {
  if (!value) return '';
  return String(value).slice(0, 10);
}

/** A role's name in the chosen language. */
export const roleName = (role) => t(`role.${role}`);

/** The names of a quota rule's parts (`QuotaRule`), shared by every page that shows rules. */
export const activityName = (activity) => t(`activity.${activity}`);
export const periodName = (period) => t(`period.${period}`);
export const qualifierName = (qualifier) => t(`qualifier.${qualifier}`);
export const groupKindName = (kind) => t(`group_kind.${kind}`);

// ---------------------------------------------------------------------------------------------
// Routes: a page module calls `route('/console/schools/:id', render)`; `render(main, params)`
// draws into `main` (params: the path's `:names` and the query string's values).

const routes = [];

export function route(pattern, render, options = {}) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
  routes.push({ re: new RegExp(`^${source}/?$`), names, render, public: !!options.public });
}

export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = Object.fromEntries(new URLSearchParams(location.search));
      r.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
      return { ...r, params };
    }
  }
  return null;
}

export function setTitle(text) {
  document.title = `${text} · ${t('app.name')}`;
}

addStrings({
  zh: {
    'app.name': '听课',
    'core.empty': '暂无内容',
    'core.loading': '加载中…',
    'core.save': '保存',
    'core.cancel': '取消',
    'core.saved': '已保存',
    'core.search': '搜索',
    'core.back': '返回',
    'core.export': '导出表格',
    'core.forbidden': '您没有权限查看此页面。',
    'core.not_found': '找不到此页面。',
    'role.principal': '校长', 'role.vice_principal': '副校长', 'role.dean': '教导主任',
    'role.grade_leader': '年级组长', 'role.teacher': '教师', 'role.researcher': '教研员',
    'role.bureau_leader': '局领导、科室负责人', 'role.mentor': '师傅', 'role.apprentice': '徒弟',
    'role.admin': '管理员',
    'activity.observations': '听课', 'activity.unannounced_observations': '推门听课',
    'activity.report_lessons_given': '上汇报课', 'activity.open_lessons_given': '上公开课',
    'activity.demonstration_lessons_given': '上示范课', 'activity.mentor_observes': '师傅听徒弟课',
    'activity.apprentice_observes': '徒弟听师傅课', 'activity.guidance': '师徒指导',
    'activity.research_activities': '教研活动', 'activity.collective_preparations': '集体备课',
    'activity.open_weeks': '教学开放周',
    'period.week': '每周', 'period.term': '每学期', 'period.school_year': '每学年',
    'qualifier.in_charge_of_teaching': '分管教学', 'qualifier.experienced': '骨干',
    'group_kind.subject': '教研组', 'group_kind.preparation': '备课组', 'group_kind.grade': '年级组',
  },
  en: {
    'app.name': 'Tingke',
    'core.empty': 'Nothing here yet',
    'core.loading': 'Loading…',
    'core.save': 'Save',
    'core.cancel': 'Cancel',
    'core.saved': 'Saved',
    'core.search': 'Search',
    'core.back': 'Back',
    'core.export': 'Export spreadsheet',
    'core.forbidden': 'You may not see this page.',
    'core.not_found': 'There is no such page.',
    'role.principal': 'Principal', 'role.vice_principal': 'Vice principal', 'role.dean': 'Dean',
    'role.grade_leader': 'Grade leader', 'role.teacher': 'Teacher', 'role.researcher': 'Researcher',
    'role.bureau_leader': 'Bureau leader or office head', 'role.mentor': 'Mentor', 'role.apprentice': 'Apprentice',
    'role.admin': 'Administrator',
    'activity.observations': 'Observations', 'activity.unannounced_observations': 'Unannounced observations',
    'activity.report_lessons_given': 'Report lessons given', 'activity.open_lessons_given': 'Open lessons given',
    'activity.demonstration_lessons_given': 'Demonstration lessons given', 'activity.mentor_observes': 'Mentor observes apprentice',
    'activity.apprentice_observes': 'Apprentice observes mentor', 'activity.guidance': 'Guidance sessions',
    'activity.research_activities': 'Research activities', 'activity.collective_preparations': 'Collective preparations',
    'activity.open_weeks': 'Open weeks',
    'period.week': 'each week', 'period.term': 'each term', 'period.school_year': 'each school year',
    'qualifier.in_charge_of_teaching': 'in charge of teaching', 'qualifier.experienced': 'experienced',
    'group_kind.subject': 'Subject group', 'group_kind.preparation': 'Preparation group', 'group_kind.grade': 'Grade group',
  },
});
