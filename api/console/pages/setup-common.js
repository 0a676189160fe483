// Pieces shared by the setup pages (districts, terms, schools, rubric): a form that shows the
// API's answer next to itself, quota rules beside the policy's defaults, and a calendar's days.
// Nothing here decides who may do what: the API answers 403 and the form says so.
import {
  ApiError, activityName, addStrings, call, field, fill, get, groupKindName, h, periodName, problem,
  qualifierName, roleName, t,
} from '../core.js';

/**
 * Runs `action` when `form` is submitted: the submit button waits, then `out` shows the API's
 * error (a 403 as `h1.forbidden`) or `ok(result)`'s success.
 */
export function onSubmit(form, out, action, ok) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    fill(out);
    try {
      const result = await action(new FormData(form));
      // A create form is emptied for the next one; an editor keeps what it shows.
      if (form.dataset.reset === 'true') form.reset();
      fill(out, ok ? ok(result) : h('p', { class: 'ok', role: 'status' }, t('core.saved')));
    } catch (error) {
      fill(out, refusal(error));
    } finally {
      if (out.scrollIntoView && out.childNodes.length) out.scrollIntoView({ block: 'nearest' });
      if (button) button.disabled = false;
    }
  });
  return form;
}

/**
 * An error as a form shows it: a refusal says so as the page's own refusal would; a save over
 * a newer version (412) says what happened and offers to reload.
 */
export function refusal(error) {
  const status = error instanceof ApiError ? error.status : 0;
  const forbidden = status === 403 && error.code === 'forbidden';
  return [
    forbidden ? h('h1', { class: 'forbidden' }, t('setup.refused')) : null,
    problem(error),
    status === 412 ? h('p', { class: 'stale' }, t('setup.stale'), ' ',
      h('button', { type: 'button', onclick: () => location.reload() }, t('setup.reload'))) : null,
  ];
}

/** A small form: `fields` are `field(...)` elements; `label` names its submit button. */
export function smallForm(id, label, fields, out) {
  return h('form', { id, class: 'card setup-form', dataset: { reset: 'true' } },
    h('div', { class: 'row' }, fields),
    h('button', { type: 'submit', class: 'primary' }, label), out);
}

export const input = (name, attrs = {}) => h('input', { name, ...attrs });

export function select(name, options, attrs = {}) {
  return h('select', { name, ...attrs },
    options.map(([value, text]) => h('option', { value }, text)));
}

// ---------------------------------------------------------------------------------------------
// Quota rules: each rule with the policy's default for the same duty next to it.

/** The key of a rule's duty: whom it binds, what it counts and per what. */
const duty = (r) => [r.target, r.role, r.qualifier, r.group_kind, r.activity, r.period].join('|');

export function whom(r) {
  if (r.target === 'group') return groupKindName(r.group_kind);
  if (r.target === 'school') return t('setup.target.school');
  const q = r.qualifier ? `（${qualifierName(r.qualifier)}）` : '';
  return `${roleName(r.role)}${q}`;
}

export const what = (r) => activityName(r.activity);
export const per = (r) => periodName(r.period);

/** The rule as `PUT …/quota-rules` takes it. */
export const ruleInput = (r, minimum, feedback) => ({
  target: r.target, role: r.role ?? undefined, qualifier: r.qualifier ?? undefined,
  group_kind: r.group_kind ?? undefined, activity: r.activity, period: r.period,
  minimum, feedback_min_chars: feedback ?? undefined,
});

/**
 * A district's rules (or a school's own) as an editable table: each rule set, and each default
 * the policy has that is not set (unticked), with the default's minimum beside what is set.
 * `save(rules, etag)` puts the ticked rows; answers the element.
 */
export function rulesEditor(id, rules, defaults, etag, save, options = {}) {
  const byDuty = new Map(defaults.map((d) => [duty(d), d]));
  const rows = rules.map((r) => ({ rule: r, set: true }));
  const seen = new Set(rules.map(duty));
  if (options.withDefaults !== false) {
    for (const d of defaults) if (!seen.has(duty(d))) rows.push({ rule: d, set: false });
  }
  const out = h('div', { class: 'result' });
  let tag = etag;
  const lines = rows.map(({ rule, set }, i) => {
    const def = byDuty.get(duty(rule));
    const on = h('input', { type: 'checkbox', name: `on-${i}`, checked: set, 'aria-label': t('setup.rule_in_force') });
    const min = h('input', { type: 'number', name: `min-${i}`, min: 1, max: 1000, value: String(rule.minimum), class: 'num', 'aria-label': t('setup.rule_minimum') });
    const fb = h('input', { type: 'number', name: `fb-${i}`, min: 1, max: 5000, value: rule.feedback_min_chars ?? '', class: 'num', 'aria-label': t('setup.rule_feedback') });
    return { rule, on, min, fb, def };
  });
  const body = lines.map(({ rule, on, min, fb, def }) => h('tr', { class: on.checked ? '' : 'unset', dataset: { duty: duty(rule) } },
    h('td', {}, on), h('td', {}, whom(rule)), h('td', {}, what(rule)), h('td', {}, per(rule)),
    h('td', { class: 'default' }, def ? String(def.minimum) : t('setup.no_default')),
    h('td', {}, min), h('td', {}, fb,
      def?.feedback_min_chars ? h('small', {}, ` ${t('setup.default_is', { n: def.feedback_min_chars })}`) : null)));
  const form = h('form', { id, class: 'rules' },
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, [t('setup.rule_in_force'), t('setup.rule_whom'), t('setup.rule_what'),
        t('setup.rule_per'), options.defaultLabel || t('setup.rule_default'), t('setup.rule_minimum'), t('setup.rule_feedback')]
        .map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, body)),
    h('button', { type: 'submit', class: 'primary' }, t('setup.rules_save')), out);
  return onSubmit(form, out, async () => {
    const chosen = lines.filter((l) => l.on.checked).map((l) => ruleInput(l.rule,
      Number(l.min.value), l.fb.value === '' ? null : Number(l.fb.value)));
    const answer = await save(chosen, tag);
    tag = answer.etag;
    return answer;
  });
}

// ---------------------------------------------------------------------------------------------
// Calendar days: an editable list of entries (kind, from, to, name).

/** Rows of calendar entries to edit, with `kinds` to choose from; `.entries()` reads them. */
export function daysEditor(entries, kinds) {
  const tbody = h('tbody', {});
  const addRow = (e = {}) => {
    const row = h('tr', { class: 'day' },
      h('td', {}, select('kind', kinds.map((k) => [k, t(`setup.day.${k}`)]), { 'aria-label': t('setup.day_kind') })),
      h('td', {}, input('starts_on', { type: 'date', value: e.starts_on || '', 'aria-label': t('setup.day_from') })),
      h('td', {}, input('ends_on', { type: 'date', value: e.ends_on || '', 'aria-label': t('setup.day_to') })),
      h('td', {}, input('name', { value: e.name || '', maxlength: 50, 'aria-label': t('setup.day_name') })),
      h('td', {}, h('button', { type: 'button', class: 'quiet', onclick: () => row.remove() }, t('setup.remove'))));
    row.querySelector('select').value = e.kind || kinds[0];
    tbody.append(row);
  };
  entries.forEach(addRow);
  const el = h('div', { class: 'days' },
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, [t('setup.day_kind'), t('setup.day_from'), t('setup.day_to'), t('setup.day_name'), '']
        .map((x) => h('th', { scope: 'col' }, x)))), tbody),
    h('button', { type: 'button', class: 'add-day', onclick: () => addRow() }, t('setup.add_day')));
  el.entries = () => [...tbody.querySelectorAll('tr')].map((tr) => ({
    kind: tr.querySelector('[name=kind]').value,
    starts_on: tr.querySelector('[name=starts_on]').value,
    ends_on: tr.querySelector('[name=ends_on]').value || tr.querySelector('[name=starts_on]').value,
    name: tr.querySelector('[name=name]').value,
  }));
  return el;
}

/** The weeks of a calendar: teaching week numbers, and the weeks without teaching. */
export function weeksTable(cal) {
  return h('details', { class: 'weeks' },
    h('summary', {}, t('setup.weeks', { n: cal.teaching_weeks })),
    h('ol', { class: 'week-list' }, cal.weeks.map((w) => h('li', { class: w.teaching_week ? '' : 'off' },
      `${w.starts_on} – ${w.ends_on}：`, w.teaching_week ? t('setup.week_n', { n: w.teaching_week }) : t('setup.week_off')))));
}

/** After adding a person: their one-time password (once), or that they joined as they are. */
export function oneTimeOrJoined(m) {
  if (m.initial_password) {
    return h('div', { class: 'one-time', role: 'status' },
      h('p', {}, t('setup.one_time_for', { name: m.name })),
      h('p', { class: 'password' }, h('code', { class: 'one-time-password' }, m.initial_password)),
      h('p', { class: 'muted' }, t('setup.one_time_hint')));
  }
  return h('p', { class: 'ok joined', role: 'status' }, t('setup.joined', { name: m.name }));
}

export { field, get, call };

addStrings({
  zh: {
    'setup.remove': '删除',
    'setup.refused': '您没有权限进行此操作。',
    'setup.stale': '有人在您打开此页后保存了新的版本；请重新加载，再修改。', 'setup.reload': '重新加载',
    'setup.add_day': '添加日期',
    'setup.day_kind': '类别', 'setup.day_from': '开始', 'setup.day_to': '结束', 'setup.day_name': '名称',
    'setup.day.holiday': '节假日', 'setup.day.exam': '考试', 'setup.day.workday': '调休上班', 'setup.day.day_off': '本校放假',
    'setup.weeks': '教学周：共 {n} 周', 'setup.week_n': '第 {n} 教学周', 'setup.week_off': '非教学周',
    'setup.rule_in_force': '启用', 'setup.rule_whom': '对象', 'setup.rule_what': '内容', 'setup.rule_per': '周期',
    'setup.rule_default': '政策默认', 'setup.rule_minimum': '要求次数', 'setup.rule_feedback': '评语最少字数',
    'setup.no_default': '无默认', 'setup.default_is': '（默认 {n}）', 'setup.rules_save': '保存考核要求',
    'setup.target.school': '学校',
  },
  en: {
    'setup.remove': 'Remove',
    'setup.refused': 'You may not do this.',
    'setup.stale': 'Someone saved a newer version after you opened this page; reload it, then make your change.', 'setup.reload': 'Reload',
    'setup.add_day': 'Add a date',
    'setup.day_kind': 'Kind', 'setup.day_from': 'From', 'setup.day_to': 'To', 'setup.day_name': 'Name',
    'setup.day.holiday': 'Holiday', 'setup.day.exam': 'Exams', 'setup.day.workday': 'Make-up working day', 'setup.day.day_off': 'School day off',
    'setup.weeks': 'Teaching weeks: {n}', 'setup.week_n': 'teaching week {n}', 'setup.week_off': 'no teaching',
    'setup.rule_in_force': 'In force', 'setup.rule_whom': 'Who', 'setup.rule_what': 'What', 'setup.rule_per': 'Per',
    'setup.rule_default': 'Policy default', 'setup.rule_minimum': 'Minimum', 'setup.rule_feedback': 'Feedback, least characters',
    'setup.no_default': 'none', 'setup.default_is': '(default {n})', 'setup.rules_save': 'Save the quota rules',
    'setup.target.school': 'School',
  },
});
