// Reading and reviewing work at a desk (issue 22): the review queue and the overdue list, a
// document's pages in a viewer (zoom, turn, previous/next) with the pages they resemble side by
// side, its reviews and the forms to review, approve and sign off. Observations, mentorships and
// a teacher's archive are in work-records.js. The API decides who sees and does what.
import {
  ApiError, addStrings, call, field, fill, fmtDate, fmtDay, get, getAll, h, isAdmin, leaderSchools,
  link, problem, roles, route, session, setTitle, staffDistricts, t, table, withQuery,
} from '../core.js';
import { kindName, label, statusName, verdictName } from './work-common.js';
import './work-records.js';

export function nav(me) {
  const leads = (me.memberships || []).some((m) => m.roles.some((r) => ['principal', 'vice_principal', 'dean', 'grade_leader'].includes(r)));
  if (!(me.is_admin || leads || staffDistricts().length)) return [];
  return [['/console/reviews', t('work.nav')]];
}

// ---------------------------------------------------------------------------------------------
// The review queue and the overdue list.

/** The schools the person may pick from: led ones, or all the visible ones for admins and staff. */
async function schoolChoices() {
  const all = await getAll('/v1/schools');
  if (isAdmin() || staffDistricts().length) return all;
  const mine = new Set([
    ...leaderSchools(),
    ...(session.me.memberships || []).filter((m) => m.school_id).map((m) => m.school_id),
  ]);
  return all.filter((s) => mine.has(s.id));
}

route('/console/reviews', async (main, params) => {
  setTitle(t('work.reviews.title'));
  const schools = await schoolChoices();
  const led = leaderSchools();
  const schoolId = params.school_id
    || (schools.find((s) => led.includes(s.id)) || (schools.length === 1 ? schools[0] : null))?.id
    || (roles().length && !isAdmin() && !staffDistricts().length ? schools[0]?.id : null);
  const picker = h('form', { class: 'row no-print', method: 'get', action: '/console/reviews', id: 'work-school' },
    field(t('work.school'), h('select', { name: 'school_id' },
      h('option', { value: '' }, t('work.pick_school')),
      schools.map((s) => h('option', { value: s.id, selected: s.id === schoolId }, s.name)))),
    h('button', { type: 'submit' }, t('work.show')));
  if (!schoolId) {
    fill(main, h('h1', {}, t('work.reviews.title')), picker);
    return;
  }
  // The overdue list first: the API refuses it to those who do not review the school.
  const overdue = await get(`/v1/schools/${encodeURIComponent(schoolId)}/reviews/overdue`);
  const me = session.me.id;
  const waiting = [];
  for (const status of ['submitted', 'grade_approved']) {
    const items = await getAll(withQuery('/v1/documents', { school_id: schoolId, status }));
    waiting.push(...items.filter((d) => d.teacher_id !== me && d.kind !== 'activity_record'
      && d.kind !== 'homework' && d.kind !== 'rectification_evidence'));
  }
  waiting.sort((a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)));
  let late = [];
  try {
    late = (await get(`/v1/schools/${encodeURIComponent(schoolId)}/overdue`)).items.filter((i) => i.kind !== 'review');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  const school = schools.find((s) => s.id === schoolId);
  fill(main,
    h('h1', {}, t('work.reviews.title'), school ? h('small', { class: 'work-sub' }, ` · ${school.name}`) : null),
    schools.length > 1 ? picker : null,
    h('p', { class: 'no-print' }, link(`/console/schools/${encodeURIComponent(schoolId)}/mentorships`, t('work.pairs_link'))),
    h('h2', {}, t('work.queue', { n: waiting.length })),
    table([
      [t('work.submitted_at'), (d) => fmtDate(d.submitted_at)],
      [t('work.teacher'), (d) => d.teacher_name],
      [t('work.kind'), (d) => kindName(d.kind)],
      [t('work.topic'), (d) => link(`/console/documents/${encodeURIComponent(d.id)}`, d.topic || t('work.untitled'), { class: 'work-doc' })],
      [t('work.subject'), (d) => `${d.subject} · ${d.grade}`],
      [t('work.lesson_date'), (d) => fmtDay(d.lesson_date)],
      [t('work.status'), (d) => statusName(d.status)],
    ], waiting, t('work.queue_empty')),
    h('h2', {}, t('work.overdue', { n: overdue.items.length })),
    table([
      [t('work.rectify_by'), (o) => fmtDay(o.rectify_by)],
      [t('work.days_overdue'), (o) => h('span', { class: 'bad' }, t('work.days', { n: o.days_overdue }))],
      [t('work.teacher'), (o) => o.teacher_name],
      [t('work.kind'), (o) => kindName(o.kind)],
      [t('work.topic'), (o) => link(`/console/documents/${encodeURIComponent(o.document_id)}`, o.topic || t('work.untitled'))],
    ], overdue.items, t('work.overdue_empty')),
    late.length ? [
      h('h2', {}, t('work.late_other', { n: late.length })),
      table([
        [t('work.due_on'), (i) => fmtDay(i.due_on)],
        [t('work.days_overdue'), (i) => h('span', { class: 'bad' }, t('work.days', { n: i.days_overdue }))],
        [t('work.what'), (i) => label('work.late_kind', i.kind)],
        [t('work.teacher'), (i) => i.teacher_name || '—'],
        [t('work.title'), (i) => (i.observation_id
          ? link(`/console/observations/${encodeURIComponent(i.observation_id)}`, i.title)
          : i.document_id ? link(`/console/documents/${encodeURIComponent(i.document_id)}`, i.title) : i.title)],
      ], late),
    ] : null);
});

// ---------------------------------------------------------------------------------------------
// One document.

route('/console/documents/:id', async (main, params) => {
  const { data, etag } = await call('GET', `/v1/documents/${encodeURIComponent(params.id)}`);
  drawDocument(main, data, etag, Number(params.page) || 1);
});

const ZOOMS = [1, 1.5, 2, 3];

function drawDocument(main, doc, etag, startPage, notice) {
  setTitle(doc.topic || t('work.document'));
  const state = { doc, etag };
  const pages = doc.pages || [];
  const viewer = pages.length ? pageViewer(pages, Math.min(Math.max(startPage, 1), pages.length)) : null;
  fill(main,
    h('p', { class: 'no-print' }, link('/console/reviews', `← ${t('work.reviews.title')}`)),
    h('h1', {}, doc.topic || t('work.untitled'), h('span', { class: `work-status work-status-${doc.status}` }, statusName(doc.status))),
    notice || null,
    similarNotice(pages),
    h('dl', { class: 'work-facts' },
      fact(t('work.teacher'), link(`/console/people/${encodeURIComponent(doc.teacher_id)}/archive`, doc.teacher_name)),
      fact(t('work.kind'), kindName(doc.kind)),
      fact(t('work.subject'), `${doc.subject} · ${doc.grade}`),
      fact(t('work.lesson_date'), fmtDay(doc.lesson_date)),
      fact(t('work.submitted_at'), doc.submitted_at ? fmtDate(doc.submitted_at) : '—'),
      fact(t('work.pages'), String(pages.length))),
    h('h2', {}, t('work.pages')),
    viewer ? viewer.element : h('p', { class: 'empty' }, t('work.no_pages')),
    similarSection(pages),
    h('h2', {}, t('work.reviews')),
    table([
      [t('work.when'), (r) => fmtDate(r.created_at)],
      [t('work.reviewer'), (r) => r.reviewer_name],
      [t('work.verdict'), (r) => h('span', { class: r.verdict === 'approved' ? 'ok' : 'bad' }, verdictName(r.verdict))],
      [t('work.comments'), (r) => h('div', { class: 'work-text' }, r.comments || '—')],
      [t('work.guidance'), (r) => h('div', { class: 'work-text' }, r.guidance || '—')],
      [t('work.rectify_by'), (r) => (r.rectify_by ? [fmtDay(r.rectify_by), r.resolved_at ? h('small', {}, ` ${t('work.resolved', { at: fmtDate(r.resolved_at) })}`) : null] : '—')],
    ], doc.reviews || [], t('work.no_reviews')),
    actions(main, state));
}

const fact = (name, value) => [h('dt', {}, name), h('dd', {}, value)];

/** Near the top: how many pages resemble pages of other documents, linking to them below. */
function similarNotice(pages) {
  const alike = pages.filter((p) => lookalikes(p).length);
  if (!alike.length) return null;
  const exact = alike.some((p) => (p.similar_pages || []).some((s) => s.exact));
  const district = alike.some((p) => (p.same_pages || []).some((s) => s.kind === 'other_teacher'));
  const key = exact ? 'work.similar_notice_exact' : district ? 'work.same_notice' : 'work.similar_notice';
  return h('p', { class: 'notice work-similar-notice', role: 'note' },
    t(key, { n: alike.length }), ' ', link('#work-similar', t('work.similar_see')));
}

/**
 * A page's lookalikes, as `{ document_id, page_id, how, bad }`: the school's nearly equal
 * pictures (`similar_pages`), then the same handwritten page photographed again anywhere in the
 * district (`same_pages`, issue 24: ids null when in a school the person does not read).
 */
function lookalikes(page) {
  const similar = (page.similar_pages || []).map((s) => ({
    document_id: s.document_id,
    page_id: s.page_id,
    how: s.exact ? t('work.same_file') : t('work.near_picture', { bits: s.distance }),
    bad: s.exact,
  }));
  const listed = new Set(similar.map((s) => s.page_id));
  const same = (page.same_pages || []).filter((s) => !s.page_id || !listed.has(s.page_id)).map((s) => ({
    document_id: s.document_id,
    page_id: s.page_id,
    how: t(s.kind === 'reused' ? 'work.same_reused' : 'work.same_other', { n: s.strength }),
    bad: s.kind === 'other_teacher',
  }));
  return [...similar, ...same];
}

/** The page viewer: one page at a time on a canvas, zoom and turn by buttons and keys. */
function pageViewer(pages, start) {
  const view = { index: start - 1, zoom: 0, turn: 0 };
  const canvas = h('canvas', { class: 'work-canvas', role: 'img' });
  const picture = new Image();
  const counter = h('span', { class: 'work-counter', 'aria-live': 'polite' });
  const stage = h('div', { class: 'work-stage', tabindex: '0', 'aria-label': t('work.viewer_help') }, canvas);
  const button = (cls, text, title, action) => h('button', {
    type: 'button', class: cls, title, 'aria-label': title, onclick: () => { action(); draw(); },
  }, text);
  const prev = button('work-prev', '‹', t('work.prev'), () => { view.index = Math.max(0, view.index - 1); load(); });
  const next = button('work-next', '›', t('work.next'), () => { view.index = Math.min(pages.length - 1, view.index + 1); load(); });
  const zoomIn = button('work-zoom-in', '+', t('work.zoom_in'), () => { view.zoom = Math.min(ZOOMS.length - 1, view.zoom + 1); });
  const zoomOut = button('work-zoom-out', '−', t('work.zoom_out'), () => { view.zoom = Math.max(0, view.zoom - 1); });
  const turnLeft = button('work-turn-left', '↺', t('work.turn_left'), () => { view.turn = (view.turn + 270) % 360; });
  const turnRight = button('work-turn-right', '↻', t('work.turn_right'), () => { view.turn = (view.turn + 90) % 360; });
  const zoomText = h('span', { class: 'work-zoom-text' });
  const element = h('section', { class: 'work-viewer', 'aria-label': t('work.viewer') },
    h('div', { class: 'work-tools no-print' }, prev, counter, next, h('span', { class: 'work-gap' }),
      zoomOut, zoomText, zoomIn, turnLeft, turnRight),
    stage,
    h('p', { class: 'work-keys no-print' }, h('small', {}, t('work.viewer_help'))));

  function draw() {
    const page = pages[view.index];
    const { naturalWidth: w, naturalHeight: hgt } = picture;
    element.dataset.page = String(page.index);
    element.dataset.zoom = String(ZOOMS[view.zoom]);
    element.dataset.turn = String(view.turn);
    counter.textContent = t('work.page_of', { n: view.index + 1, total: pages.length });
    zoomText.textContent = `${Math.round(ZOOMS[view.zoom] * 100)}%`;
    prev.disabled = view.index === 0;
    next.disabled = view.index === pages.length - 1;
    zoomOut.disabled = view.zoom === 0;
    zoomIn.disabled = view.zoom === ZOOMS.length - 1;
    canvas.className = `work-canvas work-zoom-${view.zoom}`;
    canvas.setAttribute('aria-label', t('work.page_alt', { n: page.index, turn: view.turn }));
    if (!w || !hgt) return;
    const sideways = view.turn % 180 !== 0;
    canvas.width = sideways ? hgt : w;
    canvas.height = sideways ? w : hgt;
    const ctx = canvas.getContext('2d');
    ctx.save();
    ctx.translate(canvas.width / 2, canvas.height / 2);
    ctx.rotate((view.turn * Math.PI) / 180);
    ctx.drawImage(picture, -w / 2, -hgt / 2);
    ctx.restore();
  }
  function load() {
    picture.onload = draw;
    picture.src = pages[view.index].image_url;
    const url = new URL(location.href);
    url.searchParams.set('page', String(pages[view.index].index));
    history.replaceState(null, '', url);
  }
  stage.addEventListener('keydown', (e) => {
    const keys = {
      '+': zoomIn, '=': zoomIn, '-': zoomOut, r: turnRight, R: turnLeft, l: turnLeft,
      ArrowRight: next, PageDown: next, ArrowLeft: prev, PageUp: prev,
    };
    const target = keys[e.key];
    if (!target || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    if (!target.disabled) target.click();
  });
  load();
  draw();
  return { element };
}

/** Each page's lookalikes in other documents, side by side, with a link when the caller may see it. */
function similarSection(pages) {
  const pairs = pages.flatMap((p) => lookalikes(p).map((similar) => ({ page: p, similar })));
  if (!pairs.length) return null;
  const box = h('div', { class: 'work-similar' }, h('p', { class: 'loading' }, t('core.loading')));
  const others = new Map();
  (async () => {
    const named = pairs.map((x) => x.similar.document_id).filter(Boolean);
    for (const id of new Set(named)) {
      try {
        others.set(id, await get(`/v1/documents/${encodeURIComponent(id)}`));
      } catch (error) {
        others.set(id, error instanceof ApiError && [403, 404].includes(error.status) ? null : error);
      }
    }
    fill(box, pairs.map(({ page, similar }) => {
      const other = similar.document_id ? others.get(similar.document_id) : null;
      const otherPage = other && !(other instanceof Error)
        ? (other.pages || []).find((p) => p.id === similar.page_id) : null;
      const hidden = similar.document_id ? t('work.other_hidden') : t('work.other_school');
      return h('figure', { class: 'work-pair' },
        h('figcaption', {}, h('strong', { class: similar.bad ? 'bad' : 'work-warn' }, similar.how), ' · ',
          t('work.this_page', { n: page.index }), ' ↔ ',
          other && !(other instanceof Error)
            ? link(`/console/documents/${encodeURIComponent(other.id)}?page=${otherPage ? otherPage.index : 1}`,
              t('work.other_doc', { topic: other.topic, teacher: other.teacher_name, n: otherPage ? otherPage.index : '?' }), { class: 'work-other' })
            : h('span', { class: 'muted' }, other instanceof Error ? other.message : hidden)),
        h('div', { class: 'side-by-side' },
          h('img', { src: page.thumbnail_url, alt: t('work.page_alt', { n: page.index, turn: 0 }) }),
          otherPage ? h('img', { src: otherPage.thumbnail_url, alt: t('work.other_alt', { topic: other.topic }) })
            : h('div', { class: 'work-hidden' }, hidden)));
    }));
  })();
  return [h('h2', { id: 'work-similar', tabindex: '-1' }, t('work.similar', { n: pairs.length })), box];
}

/** The forms that change the document: review, approve, sign off (the API says who may). */
function actions(main, state) {
  const { doc } = state;
  const reviewable = ['lesson_plan', 'guided_learning_sheet'].includes(doc.kind);
  if (!reviewable || doc.teacher_id === session.me.id) return null;
  const out = h('div', { class: 'work-result', 'aria-live': 'polite' });
  const send = async (path, body, form) => {
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    fill(out);
    try {
      const headers = { 'Idempotency-Key': crypto.randomUUID() };
      if (state.etag) headers['If-Match'] = state.etag;
      const { data, etag } = await call('POST', path, body, headers);
      drawDocument(main, data, etag, 1, h('p', { class: 'notice work-done', role: 'status' }, t('core.saved')));
      main.querySelector('.work-done')?.focus?.();
    } catch (error) {
      buttons.forEach((b) => { b.disabled = false; });
      const stale = error instanceof ApiError && [409, 412].includes(error.status);
      fill(out, problem(error), stale ? h('p', {}, t(error.status === 412 ? 'work.stale' : 'work.conflict'), ' ',
        h('button', { type: 'button', onclick: () => location.reload() }, t('work.reload'))) : null);
      out.scrollIntoView({ block: 'center' });
    }
  };
  const base = `/v1/documents/${encodeURIComponent(doc.id)}`;
  const parts = [];
  if (doc.status === 'submitted') {
    const verdict = h('select', { name: 'verdict' },
      h('option', { value: 'approved' }, verdictName('approved')),
      h('option', { value: 'needs_revision' }, verdictName('needs_revision')));
    const comments = h('textarea', { name: 'comments', maxlength: '5000' });
    const guidance = h('textarea', { name: 'guidance', maxlength: '5000' });
    const rectify = h('input', { type: 'date', name: 'rectify_by' });
    const form = h('form', { id: 'work-review', class: 'card' },
      h('h3', {}, t('work.write_review')),
      field(t('work.verdict'), verdict),
      field(t('work.comments'), comments),
      field(t('work.guidance'), guidance, t('work.guidance_hint')),
      field(t('work.rectify_by'), rectify, t('work.rectify_hint')),
      h('button', { type: 'submit', class: 'primary' }, t('work.send_review')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { verdict: verdict.value, comments: comments.value, guidance: guidance.value };
      if (verdict.value === 'needs_revision' && rectify.value) body.rectify_by = rectify.value;
      send(`${base}/reviews`, body, form);
    });
    parts.push(form);
  }
  const chain = (cls, text, hint, path) => {
    const form = h('form', { class: `card ${cls}` }, h('p', {}, hint), h('button', { type: 'submit', class: 'primary' }, text));
    form.addEventListener('submit', (e) => { e.preventDefault(); send(path, undefined, form); });
    return form;
  };
  if (doc.kind === 'guided_learning_sheet' && doc.status === 'submitted') {
    parts.push(chain('work-approve', t('work.approve'), t('work.approve_hint'), `${base}/approve`));
  }
  if (doc.kind === 'guided_learning_sheet' && doc.status === 'grade_approved') {
    parts.push(chain('work-sign-off', t('work.sign_off'), t('work.sign_off_hint'), `${base}/sign-off`));
  }
  if (!parts.length) return null;
  return h('section', { class: 'work-actions no-print' }, h('h2', {}, t('work.your_review')), parts, out);
}

addStrings({
  zh: {
    'work.nav': '审阅',
    'work.reviews.title': '审阅',
    'work.school': '学校',
    'work.pairs_link': '本校师徒结对 →',
    'work.pick_school': '请选择学校',
    'work.show': '查看',
    'work.queue': '待我审阅（{n}）',
    'work.queue_empty': '没有等待审阅的教案或导学案。',
    'work.overdue': '逾期未整改（{n}）',
    'work.overdue_empty': '没有逾期未整改的审阅意见。',
    'work.late_other': '其他逾期事项（{n}）',
    'work.submitted_at': '提交时间',
    'work.teacher': '教师',
    'work.kind': '类型',
    'work.topic': '课题',
    'work.title': '事项',
    'work.what': '类别',
    'work.subject': '学科、年级',
    'work.lesson_date': '上课日期',
    'work.status': '状态',
    'work.rectify_by': '整改期限',
    'work.due_on': '期限',
    'work.days_overdue': '逾期',
    'work.days': '{n} 天',
    'work.untitled': '（无课题）',
    'work.document': '教案',
    'work.pages': '页面',
    'work.no_pages': '此文档没有页面。',
    'work.reviews': '审阅意见',
    'work.no_reviews': '尚无审阅意见。',
    'work.when': '时间',
    'work.reviewer': '审阅人',
    'work.verdict': '结论',
    'work.comments': '评语',
    'work.guidance': '修改指导',
    'work.guidance_hint': '要求修改时，告诉教师改什么。',
    'work.rectify_hint': '要求修改时必填，不能早于今天。',
    'work.resolved': '（已于 {at} 重新提交）',
    'work.viewer': '页面查看器',
    'work.viewer_help': '键盘：← → 翻页，+ − 缩放，R 向右旋转，L 向左旋转',
    'work.prev': '上一页',
    'work.next': '下一页',
    'work.zoom_in': '放大',
    'work.zoom_out': '缩小',
    'work.turn_left': '向左旋转 90°',
    'work.turn_right': '向右旋转 90°',
    'work.page_of': '第 {n} 页，共 {total} 页',
    'work.page_alt': '第 {n} 页（旋转 {turn}°）',
    'work.similar': '相似页面（{n}）',
    'work.similar_notice': '有 {n} 页与本校其他文档的页面几乎相同。',
    'work.similar_notice_exact': '有 {n} 页与本校其他文档的页面相同或几乎相同（含同一文件）。',
    'work.similar_see': '对照查看 ↓',
    'work.same_file': '同一文件',
    'work.near_picture': '图片几乎相同（相差 {bits} 位）',
    'work.this_page': '本文档第 {n} 页',
    'work.other_doc': '{teacher}《{topic}》第 {n} 页',
    'work.other_alt': '《{topic}》中的相似页面',
    'work.other_hidden': '您无权查看的文档',
    'work.other_school': '区内另一所学校的页面（不显示是谁的）',
    'work.same_notice': '有 {n} 页与区内其他教师上传的页面是同一张手写页面。',
    'work.same_other': '同一张手写页面，另一位教师（吻合 {n} 个特征点）',
    'work.same_reused': '同一张手写页面，本人在另一文件中用过（吻合 {n} 个特征点）',
    'work.your_review': '审阅',
    'work.write_review': '填写审阅意见',
    'work.send_review': '提交审阅意见',
    'work.approve': '年级组审核通过',
    'work.approve_hint': '作为年级组长审核通过此导学案。',
    'work.sign_off': '签发使用',
    'work.sign_off_hint': '签发此导学案，供课堂使用。',
    'work.stale': '此文档在您打开后已被修改，请重新加载后再操作。',
    'work.conflict': '此文档的状态已不允许这一操作，请重新加载查看。',
    'work.reload': '重新加载',
  },
  en: {
    'work.nav': 'Reviews',
    'work.reviews.title': 'Reviews',
    'work.school': 'School',
    'work.pairs_link': 'The school’s mentorships →',
    'work.pick_school': 'Choose a school',
    'work.show': 'Show',
    'work.queue': 'Waiting for review ({n})',
    'work.queue_empty': 'No lesson plan or sheet is waiting for review.',
    'work.overdue': 'Revisions overdue ({n})',
    'work.overdue_empty': 'No request for revision is overdue.',
    'work.late_other': 'Other late items ({n})',
    'work.submitted_at': 'Submitted',
    'work.teacher': 'Teacher',
    'work.kind': 'Kind',
    'work.topic': 'Topic',
    'work.title': 'Item',
    'work.what': 'Kind',
    'work.subject': 'Subject, grade',
    'work.lesson_date': 'Lesson date',
    'work.status': 'Status',
    'work.rectify_by': 'Revise by',
    'work.due_on': 'Due',
    'work.days_overdue': 'Overdue',
    'work.days': '{n} days',
    'work.untitled': '(no topic)',
    'work.document': 'Document',
    'work.pages': 'Pages',
    'work.no_pages': 'This document has no pages.',
    'work.reviews': 'Reviews',
    'work.no_reviews': 'No review yet.',
    'work.when': 'When',
    'work.reviewer': 'Reviewer',
    'work.verdict': 'Verdict',
    'work.comments': 'Comments',
    'work.guidance': 'Guidance',
    'work.guidance_hint': 'When asking for a revision, what the teacher should change.',
    'work.rectify_hint': 'Needed to ask for a revision; not before today.',
    'work.resolved': '(resubmitted {at})',
    'work.viewer': 'Page viewer',
    'work.viewer_help': 'Keys: ← → turn the page, + − zoom, R turn right, L turn left',
    'work.prev': 'Previous page',
    'work.next': 'Next page',
    'work.zoom_in': 'Zoom in',
    'work.zoom_out': 'Zoom out',
    'work.turn_left': 'Turn 90° left',
    'work.turn_right': 'Turn 90° right',
    'work.page_of': 'Page {n} of {total}',
    'work.page_alt': 'Page {n} (turned {turn}°)',
    'work.similar': 'Similar pages ({n})',
    'work.similar_notice': '{n} pages look nearly the same as pages of other documents of the school.',
    'work.similar_notice_exact': '{n} pages are the same as, or look nearly the same as, pages of other documents of the school (the very same file included).',
    'work.similar_see': 'Compare them ↓',
    'work.same_file': 'The same file',
    'work.near_picture': 'Nearly the same picture ({bits} bits apart)',
    'work.this_page': 'page {n} here',
    'work.other_doc': '{teacher}, “{topic}”, page {n}',
    'work.other_alt': 'The similar page in “{topic}”',
    'work.other_hidden': 'A document you may not see',
    'work.other_school': 'A page in another school of the district (not whose)',
    'work.same_notice': '{n} pages are the same handwritten page as pages another teacher of the district uploaded.',
    'work.same_other': 'The same handwritten page, another teacher\'s ({n} keypoints agree)',
    'work.same_reused': 'The same handwritten page, used by the same teacher in another document ({n} keypoints agree)',
    'work.your_review': 'Review',
    'work.write_review': 'Write a review',
    'work.send_review': 'Send the review',
    'work.approve': 'Approve for the grade group',
    'work.approve_hint': 'Approve this guided-learning sheet as the grade group’s leader.',
    'work.sign_off': 'Sign off for use',
    'work.sign_off_hint': 'Sign off this guided-learning sheet for use in class.',
    'work.stale': 'The document changed after you opened it: reload it and try again.',
    'work.conflict': 'The document’s status no longer allows this: reload it to see.',
    'work.reload': 'Reload',
  },
});
