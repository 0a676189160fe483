// Logging in, and choosing one's own password the first time (a one-time password from an import
// or a reset): the same login and the same limits as the phone's.
import { addStrings, call, field, fill, h, problem, route, session, setTitle, t } from '../core.js';

function next() {
  const target = new URLSearchParams(location.search).get('next') || '/console';
  // Only a page of the console: never a link out of it.
  return target.startsWith('/console') && !target.startsWith('//') ? target : '/console';
}

route('/console/login', async (main) => {
  setTitle(t('login.title'));
  const phone = h('input', { name: 'phone', type: 'tel', autocomplete: 'username', required: true, inputmode: 'numeric' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('div', { 'aria-live': 'polite' });
  const submit = async (event) => {
    event.preventDefault();
    message.replaceChildren();
    try {
      const { data } = await call('POST', '/console/session', { phone: phone.value.trim(), password: password.value });
      session.csrf = data.csrf_token;
      const target = next();
      location.assign(data.password_change_required
        ? `/console/password?next=${encodeURIComponent(target)}` : target);
    } catch (error) {
      fill(message, problem(error));
      password.select();
    }
  };
  fill(main, h('section', { class: 'narrow' },
    h('h1', {}, t('login.title')),
    h('form', { id: 'login', onsubmit: submit },
      field(t('login.phone'), phone),
      field(t('login.password'), password),
      h('button', { type: 'submit', class: 'primary' }, t('login.submit'))),
    message));
  phone.focus();
}, { public: true });

route('/console/password', async (main) => {
  setTitle(t('password.title'));
  const first = !!session.me?.password_change_required;
  const old = h('input', { name: 'old_password', type: 'password', autocomplete: 'current-password', required: true });
  const fresh = h('input', { name: 'new_password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  const again = h('input', { name: 'again', type: 'password', autocomplete: 'new-password', required: true });
  const message = h('div', { 'aria-live': 'polite' });
  const submit = async (event) => {
    event.preventDefault();
    if (fresh.value !== again.value) {
      fill(message, h('div', { class: 'problem', role: 'alert' }, t('password.mismatch')));
      return;
    }
    try {
      await call('POST', '/v1/me/password', { old_password: old.value, new_password: fresh.value });
      location.assign(next());
    } catch (error) {
      fill(message, problem(error));
    }
  };
  fill(main, h('section', { class: 'narrow' },
    h('h1', {}, t('password.title')),
    first ? h('p', { class: 'notice' }, t('password.first')) : null,
    h('form', { id: 'password', onsubmit: submit },
      field(first ? t('password.one_time') : t('password.old'), old),
      field(t('password.new'), fresh, t('password.rule')),
      field(t('password.again'), again),
      h('button', { type: 'submit', class: 'primary' }, t('password.submit'))),
    message));
  old.focus();
});

addStrings({
  zh: {
    'login.title': '登录',
    'login.phone': '手机号',
    'login.password': '密码',
    'login.submit': '登录',
    'password.title': '设置密码',
    'password.first': '这是您第一次登录：请把初始密码换成您自己的密码。',
    'password.one_time': '初始密码',
    'password.old': '当前密码',
    'password.new': '新密码',
    'password.rule': '至少 8 位，不能与初始密码相同。',
    'password.again': '再次输入新密码',
    'password.mismatch': '两次输入的新密码不一致。',
    'password.submit': '保存新密码',
  },
  en: {
    'login.title': 'Log in',
    'login.phone': 'Mobile number',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'password.title': 'Choose a password',
    'password.first': 'This is your first login: replace the one-time password with one of your own.',
    'password.one_time': 'One-time password',
    'password.old': 'Current password',
    'password.new': 'New password',
    'password.rule': 'At least 8 characters, not the one-time password.',
    'password.again': 'New password again',
    'password.mismatch': 'The two new passwords differ.',
    'password.submit': 'Save the new password',
  },
});
