/**
 * The view model of the tip-off form (views/pages/public/report-form.hbs): every typed field echoed
 * back (escaped by handlebars), field messages placed next to their fields, spare empty rows.
 * Pure functions; the controller supplies regions, files and the CAPTCHA.
 */
import type { FieldErrors } from '../common/domain-error.js';
import { PROBLEM_CATEGORIES, REPORT_KINDS } from './report-enums.js';
import { LIMITS, cleanText } from './report-validation.js';

const KIND_HINTS: Record<string, string> = { denunciation: '反映别人的问题', accusation: '自己的权益受到侵害' };
/** Empty rows shown without JavaScript. */
const SPARE_SUBJECT_ROWS = 1;
const SPARE_BENEFICIARY_ROWS = 1;
const MIN_SUBJECT_ROWS = 2;
const MIN_BENEFICIARY_ROWS = 2;

export interface RegionStepView {
  level: number;
  label: string;
  placeholder: string;
  options: { code: string; name: string; selected: boolean }[];
}

export interface DraftFileView {
  id: number;
  originalName: string;
  size: number;
}

export interface FormExtras {
  csrfToken: string;
  draftToken: string;
  regionSteps: RegionStepView[];
  regionRoot: string;
  regionPathText: string;
  files: DraftFileView[];
  maxFiles: number;
  maxFileBytes: number;
  captcha: { id: string; imageDataUri: string } | null;
  errors?: FieldErrors;
  selfWarning?: string | null;
  info?: string | null;
  /** Rows to add because the citizen pressed "add a row". */
  addSubjectRows?: number;
  addBeneficiaryRows?: number;
}

export const LEVEL_LABELS: Record<number, string> = { 1: '省（自治区、直辖市）', 2: '市（州）', 3: '县（市、区）', 4: '乡镇（街道）', 5: '村（社区）' };

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/** Rows in order of their index as typed (arrays or `{ "0": …, "3": … }`), index kept for field messages. */
function indexedRows(v: unknown): { index: number; row: Record<string, unknown> }[] {
  const o = rec(v);
  return Object.keys(o)
    .filter((k) => /^\d+$/.test(k) && Number(k) < 100)
    .map((k) => ({ index: Number(k), row: rec(o[k]) }))
    .sort((a, b) => a.index - b.index);
}

function echo(v: unknown): string {
  return cleanText(v, { multiline: true });
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Builds the form's view model from the raw body (or `{}` for an empty form). */
export function buildFormView(raw: unknown, x: FormExtras): Record<string, unknown> {
  const body = rec(raw);
  const errors = x.errors ?? {};
  const category = echo(body.category);
  const kind = echo(body.kind);

  const personRows = (key: 'subjects' | 'beneficiaries', fields: string[], minRows: number, spare: number, add: number, max: number) => {
    const typed = indexedRows(body[key])
      .map(({ index, row }) => ({ index, values: Object.fromEntries(fields.map((f) => [f, echo(row[f])])) }))
      .filter((r) => fields.some((f) => r.values[f]) || fields.some((f) => errors[`${key}[${r.index}].${f}`]));
    let next = typed.length ? Math.max(...typed.map((r) => r.index)) + 1 : 0;
    const wanted = Math.min(max, Math.max(minRows, typed.length + spare + add));
    const rows = [...typed];
    while (rows.length < wanted) rows.push({ index: next++, values: Object.fromEntries(fields.map((f) => [f, ''])) });
    return {
      rows: rows.map((r, i) => ({
        index: r.index,
        number: i + 1,
        ...r.values,
        errors: Object.fromEntries(fields.map((f) => [f, errors[`${key}[${r.index}].${f}`]])),
      })),
      canAdd: rows.length < max,
    };
  };
  const subjects = personRows('subjects', ['name', 'position', 'unit'], MIN_SUBJECT_ROWS, SPARE_SUBJECT_ROWS, x.addSubjectRows ?? 0, LIMITS.subjects);
  const beneficiaries = personRows('beneficiaries', ['name', 'relation'], MIN_BENEFICIARY_ROWS, SPARE_BENEFICIARY_ROWS, x.addBeneficiaryRows ?? 0, LIMITS.beneficiaries);

  const anonymousRaw = body.anonymous;
  const reporter = rec(body.reporter);
  const fieldErrorCount = Object.keys(errors).length;
  return {
    title: '便民服务',
    csrfToken: x.csrfToken,
    draftToken: x.draftToken,
    limits: LIMITS,
    categories: Object.entries(PROBLEM_CATEGORIES).map(([value, label]) => ({ value, label, selected: value === category })),
    kinds: Object.entries(REPORT_KINDS).map(([value, label]) => ({ value, label, hint: KIND_HINTS[value], selected: value === kind })),
    regionSteps: x.regionSteps,
    regionRoot: x.regionRoot,
    regionPathText: x.regionPathText,
    subjects: subjects.rows,
    canAddSubject: subjects.canAdd,
    beneficiaries: beneficiaries.rows,
    canAddBeneficiary: beneficiaries.canAdd,
    description: echo(body.description),
    happenedAt: echo(body.happenedAt),
    anonymousChecked: anonymousRaw === '1' || anonymousRaw === 'true',
    realNameChecked: anonymousRaw === '0' || anonymousRaw === 'false',
    reporter: { name: echo(reporter.name), idNumber: echo(reporter.idNumber), phone: echo(reporter.phone), email: echo(reporter.email) },
    files: x.files.map((f) => ({ ...f, sizeText: sizeText(f.size) })),
    maxFiles: x.maxFiles,
    maxFileMb: Math.round(x.maxFileBytes / 1024 / 1024),
    remainingFiles: Math.max(0, x.maxFiles - x.files.length),
    canAddFiles: x.files.length < x.maxFiles,
    captcha: x.captcha,
    errors: {
      ...errors,
      reporterName: errors['reporter.name'],
      reporterIdNumber: errors['reporter.idNumber'],
      reporterPhone: errors['reporter.phone'],
      reporterEmail: errors['reporter.email'],
    },
    hasErrors: fieldErrorCount > 0,
    errorCount: fieldErrorCount,
    selfWarning: x.selfWarning ?? null,
    info: x.info ?? null,
  };
}
