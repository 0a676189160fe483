// Names of the API's values for the work pages (work.js, work-records.js), in both languages.
import { addStrings, t } from '../core.js';

/** The name of `value` under `prefix` in the chosen language; the value itself when unnamed. */
export function label(prefix, value) {
  if (value === null || value === undefined) return '—';
  const key = `${prefix}.${value}`;
  const text = t(key);
  return text === key ? String(value) : text;
}

export const kindName = (kind) => label('work.doc_kind', kind);
export const statusName = (status) => label('work.doc_status', status);
export const verdictName = (verdict) => label('work.verdict_name', verdict);

addStrings({
  zh: {
    'work.doc_kind.lesson_plan': '教案',
    'work.doc_kind.guided_learning_sheet': '导学案',
    'work.doc_kind.activity_record': '活动记录',
    'work.doc_kind.homework': '作业批改',
    'work.doc_kind.rectification_evidence': '整改材料',
    'work.doc_status.draft': '草稿',
    'work.doc_status.submitted': '待审阅',
    'work.doc_status.needs_revision': '需修改',
    'work.doc_status.approved': '已通过',
    'work.doc_status.grade_approved': '年级组已审核',
    'work.doc_status.in_use': '已签发使用',
    'work.verdict_name.approved': '通过',
    'work.verdict_name.needs_revision': '需修改',
    'work.late_kind.review': '逾期未整改',
    'work.late_kind.notice': '整改通知逾期',
    'work.late_kind.follow_up': '跟进听课逾期',
  },
  en: {
    'work.doc_kind.lesson_plan': 'Lesson plan',
    'work.doc_kind.guided_learning_sheet': 'Guided-learning sheet',
    'work.doc_kind.activity_record': 'Activity record',
    'work.doc_kind.homework': 'Marked homework',
    'work.doc_kind.rectification_evidence': 'Rectification evidence',
    'work.doc_status.draft': 'Draft',
    'work.doc_status.submitted': 'Waiting for review',
    'work.doc_status.needs_revision': 'Needs revision',
    'work.doc_status.approved': 'Approved',
    'work.doc_status.grade_approved': 'Approved by the grade group',
    'work.doc_status.in_use': 'Signed off, in use',
    'work.verdict_name.approved': 'Approved',
    'work.verdict_name.needs_revision': 'Needs revision',
    'work.late_kind.review': 'Revision overdue',
    'work.late_kind.notice': 'Notice overdue',
    'work.late_kind.follow_up': 'Follow-up overdue',
  },
});
