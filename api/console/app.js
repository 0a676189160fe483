// The console's entry: who is logged in, the top bar, and the page for the path. Each area of
// the console is a module in pages/ that registers its routes and strings with core.js; add a
// new one to MODULES.
import {
  session, t, lang, setLang, h, fill, link, call, match, problem, toLogin, ApiError, addStrings,
} from './core.js';
import * as login from './pages/login.js';
import * as home from './pages/home.js';
import * as importWizard from './pages/import.js';
import * as compliance from './pages/compliance.js';
import * as work from './pages/work.js';
import * as setup from './pages/setup.js';
import * as copies from './pages/copies.js';

// The areas, in the order of the top bar (each module exports `nav(me)`: its links, if any).
const MODULES = [home, setup, compliance, work, copies, importWizard, login];

// What went wrong in the page: script errors and what the Content-Security-Policy refused, kept
// for the browser journeys (tests) to read.
window.tingkeErrors = [];
window.addEventListener('error', (e) => window.tingkeErrors.push(`error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => window.tingkeErrors.push(`rejection: ${e.reason}`));
document.addEventListener('securitypolicyviolation', (e) => {
  window.tingkeErrors.push(`csp: ${e.violatedDirective} ${e.blockedURI}`);
});

async function loadSession() {
  try {
    const { data } = await call('GET', '/console/session');
    session.me = data.user;
    session.csrf = data.csrf_token;
    return data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

function topBar() {
  const me = session.me;
  const other = lang() === 'en' ? 'zh' : 'en';
  const switchLang = h('button', {
    type: 'button', class: 'lang', lang: other === 'en' ? 'en' : 'zh-CN',
    onclick: () => { setLang(other); location.reload(); },
  }, other === 'en' ? 'English' : '中文');
  const links = me && !me.password_change_required
    ? MODULES.flatMap((m) => (m.nav ? m.nav(me) : []))
    : [];
  const here = location.pathname;
  const navLinks = links.map(([href, text]) => link(href, text, {
    'aria-current': here === href || (href !== '/console' && here.startsWith(href)) ? 'page' : false,
  }));
  const account = me ? [
    h('span', { class: 'who' }, me.name),
    h('button', { type: 'button', onclick: () => logOut(false) }, t('app.logout')),
    h('button', { type: 'button', class: 'quiet', onclick: () => logOut(true) }, t('app.logout_everywhere')),
  ] : [];
  return [
    link('/console', t('app.name'), { class: 'brand' }),
    h('nav', { 'aria-label': t('app.nav') }, navLinks),
    h('div', { class: 'account' }, account, switchLang),
  ];
}

async function logOut(everywhere) {
  if (everywhere && !confirm(t('app.logout_everywhere_confirm'))) return;
  try {
    await call('DELETE', everywhere ? '/console/session?everywhere=true' : '/console/session');
  } finally {
    location.assign('/console/login');
  }
}

async function draw() {
  setLang(lang());
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/console';
  const page = match(path);
  let current = null;
  try {
    current = await loadSession();
  } catch (error) {
    fill(main, problem(error));
    return;
  }
  if (!page?.public && !current) { toLogin(); return; }
  if (current?.password_change_required && path !== '/console/password') {
    location.assign(`/console/password?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  fill(document.getElementById('top'), topBar());
  if (!page) {
    fill(main, h('h1', { class: 'not-found' }, t('core.not_found')));
    main.dataset.ready = 'true';
    return;
  }
  fill(main, h('p', { class: 'loading' }, t('core.loading')));
  try {
    await page.render(main, page.params);
  } catch (error) {
    const forbidden = error instanceof ApiError && error.status === 403;
    fill(main, forbidden ? h('h1', { class: 'forbidden' }, t('core.forbidden')) : null, problem(error));
  }
  // When the page was drawn, in milliseconds since the navigation began (bench/console.sh).
  main.dataset.readyMs = String(Math.round(performance.now()));
  main.dataset.ready = 'true';
}

draw();

addStrings({
  zh: {
    'app.nav': '主菜单',
    'app.logout': '退出',
    'app.logout_everywhere': '退出所有设备',
    'app.logout_everywhere_confirm': '退出您在所有设备（包括手机）上的登录？',
  },
  en: {
    'app.nav': 'Main menu',
    'app.logout': 'Log out',
    'app.logout_everywhere': 'Log out everywhere',
    'app.logout_everywhere_confirm': 'Log out on every device, phones included?',
  },
});
