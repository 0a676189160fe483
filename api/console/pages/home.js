// The first page after login: the areas the person may use, by what they are.
import { addStrings, fill, getAll, h, may, roleName, route, session, setTitle, t } from '../core.js';

export function nav() {
  return [['/console', t('home.title')]];
}

route('/console', async (main) => {
  setTitle(t('home.title'));
  const me = session.me;
  const schools = new Map((await getAll('/v1/schools')).map((s) => [s.id, s.name]));
  const places = me.memberships.map((m) => h('li', {},
    m.school_id ? (schools.get(m.school_id) || m.school_id) : t('home.district'), '：',
    m.roles.map(roleName).join('、')));
  fill(main,
    h('h1', {}, t('home.hello', { name: me.name })),
    me.is_admin ? h('p', {}, roleName('admin')) : null,
    places.length ? h('ul', { class: 'places' }, places) : null,
    may.lead() ? null : h('p', { class: 'notice' }, t('home.phone_only')));
});

addStrings({
  zh: {
    'home.title': '首页',
    'home.district': '区县',
    'home.hello': '{name}，您好',
    'home.phone_only': '您的工作在手机应用中进行；管理台供学校和区县的管理人员使用。',
  },
  en: {
    'home.title': 'Home',
    'home.district': 'District',
    'home.hello': 'Hello, {name}',
    'home.phone_only': 'Your work is done in the phone app; the console is for the people who run schools and districts.',
  },
});
