// Copied plans (issue 24): the pairs of teachers with the most pages found to be the same page in
// a term, for a school's leaders (`GET /v1/schools/{id}/same-pages`) and for the district's
// staff (`GET /v1/districts/{id}/same-pages`), the pages side by side. The API finds the pairs and
// decides who may see them; this page only lays them out. Reached from the compliance pages.
import {
  addStrings, fill, get, getAll, h, isAdmin, link, route, setTitle, staffDistricts, t, withQuery,
} from '../core.js';
import { noTerm, termPicker, termsOf } from './compliance.js';

route('/console/districts/:id/same-pages', async (main, params) => {
  setTitle(t('copies.title'));
  const { terms, term } = await termsOf(params.id, params.term_id);
  if (!term) { fill(main, h('h1', {}, t('copies.title')), noTerm()); return; }
  const report = await get(withQuery(`/v1/districts/${params.id}/same-pages`, { term_id: term.id }));
  const schools = await schoolNames();
  fill(main,
    h('p', { class: 'crumbs' },
      link(withQuery(`/console/districts/${params.id}/compliance`, { term_id: term.id }), t('copies.district')), ' › ', t('copies.title')),
    h('h1', {}, t('copies.title')),
    h('div', { class: 'toolbar' }, termPicker(terms, term)),
    h('p', { class: 'lead' }, t('copies.about_district')),
    pairSections(report.pairs, schools));
});

route('/console/schools/:id/same-pages', async (main, params) => {
  setTitle(t('copies.title'));
  const school = await get(`/v1/schools/${params.id}`);
  const { terms, term } = await termsOf(school.district_id, params.term_id);
  if (!term) { fill(main, h('h1', {}, school.name), noTerm()); return; }
  const report = await get(withQuery(`/v1/schools/${params.id}/same-pages`, { term_id: term.id }));
  setTitle(`${school.name} · ${t('copies.title')}`);
  const district = staffDistricts().includes(school.district_id) || isAdmin();
  fill(main,
    h('p', { class: 'crumbs' },
      district ? [link(withQuery(`/console/districts/${school.district_id}/same-pages`, { term_id: term.id }), t('copies.district')), ' › '] : null,
      link(withQuery(`/console/schools/${params.id}/compliance`, { term_id: term.id }), school.name), ' › ', t('copies.title')),
    h('h1', {}, school.name, ' · ', t('copies.title')),
    h('div', { class: 'toolbar' }, termPicker(terms, term)),
    h('p', { class: 'lead' }, t('copies.about_school')),
    pairSections(report.pairs, new Map([[school.id, school.name]])));
});

/** The schools the person may see, by id, to name each side's school. */
async function schoolNames() {
  return new Map((await getAll('/v1/schools?limit=200')).map((s) => [s.id, s.name]));
}

/** Two teachers' pages first, then a teacher's own pages used again, each list most pages first. */
function pairSections(pairs, schools) {
  const copied = pairs.filter((p) => p.kind === 'other_teacher');
  const reused = pairs.filter((p) => p.kind === 'reused');
  return [
    h('section', { class: 'copies-other' },
      h('h2', {}, t('copies.other_teacher', { n: copied.length })),
      copied.length ? copied.map((p) => pairBox(p, schools)) : h('p', { class: 'empty' }, t('copies.none'))),
    h('section', { class: 'copies-reused' },
      h('h2', {}, t('copies.reused', { n: reused.length })),
      h('p', { class: 'muted' }, t('copies.reused_about')),
      reused.length ? reused.map((p) => pairBox(p, schools)) : h('p', { class: 'empty' }, t('copies.none'))),
  ];
}

/** One pair of teachers: how many pages, and the strongest of them side by side (open on click). */
function pairBox(pair, schools) {
  const names = pair.kind === 'reused'
    ? pair.teacher_name
    : `${pair.teacher_name} ↔ ${pair.other_teacher_name}`;
  const shown = pair.matches.length < pair.pages ? t('copies.shown', { n: pair.matches.length }) : '';
  return h('details', { class: 'copies-pair', 'data-kind': pair.kind },
    h('summary', {}, h('strong', {}, names), ' · ', t('copies.pages', { n: pair.pages }), shown ? ` · ${shown}` : ''),
    pair.matches.map((m) => h('figure', { class: 'work-pair' },
      h('figcaption', {}, t('copies.strength', { n: m.strength })),
      h('div', { class: 'side-by-side' }, side(m.page, schools), side(m.other, schools)))));
}

/** A page of a pair: its thumbnail, its school, and a link to its document. */
function side(page, schools) {
  const school = schools.get(page.school_id) || '';
  return h('div', { class: 'copies-side' },
    h('img', { src: page.thumbnail_url, alt: t('copies.page_alt', { school }), loading: 'lazy' }),
    h('p', {}, link(`/console/documents/${encodeURIComponent(page.document_id)}`, t('copies.open_document'), { class: 'copies-document' }),
      school ? ` · ${school}` : ''));
}

addStrings({
  zh: {
    'copies.title': '相同页面',
    'copies.district': '区县',
    'copies.about_district': '本学期在区内各校上传、被识别为同一张手写页面的教师两两配对，页面多的在前。只列出已提交的文件。',
    'copies.about_school': '本学期本校教师之间被识别为同一张手写页面的配对，页面多的在前。只列出已提交的文件。',
    'copies.other_teacher': '两位教师的相同页面（{n} 对）',
    'copies.reused': '同一教师在不同文件中重复使用（{n} 位）',
    'copies.reused_about': '例如去年的教案今年再次上传：与抄袭他人分开列出。',
    'copies.none': '本学期没有发现相同页面。',
    'copies.pages': '{n} 页相同',
    'copies.shown': '显示最相近的 {n} 页',
    'copies.strength': '吻合特征点 {n} 个',
    'copies.page_alt': '{school}的页面',
    'copies.open_document': '打开文件',
  },
  en: {
    'copies.title': 'Same pages',
    'copies.district': 'District',
    'copies.about_district': 'Pairs of teachers anywhere in the district whose pages this term were found to be the same handwritten page, most pages first. Submitted documents only.',
    'copies.about_school': 'Pairs of this school\'s teachers whose pages this term were found to be the same handwritten page, most pages first. Submitted documents only.',
    'copies.other_teacher': 'Two teachers, the same pages ({n} pairs)',
    'copies.reused': 'A teacher\'s own pages used again in another document ({n})',
    'copies.reused_about': 'Last year\'s plan uploaded again, for instance: listed apart from copying another\'s.',
    'copies.none': 'No same pages found this term.',
    'copies.pages': '{n} pages the same',
    'copies.shown': 'the {n} closest shown',
    'copies.strength': '{n} keypoints agree',
    'copies.page_alt': 'A page of {school}',
    'copies.open_document': 'Open the document',
  },
});
