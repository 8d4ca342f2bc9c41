/**
 * Validation of a tip-off (DESIGN.md §3) — the ONE place used by the web form, the public JSON API and
 * the offline registration by intake officers. Pure and synchronous: the region's existence and scope
 * are checked by `ReportsService.validateSubmission`, which calls this first.
 *
 * Texts: Unicode NFC, control characters and invisible format characters (bidi overrides, zero-width
 * space, BOM — `stripInvisibleFormatChars`) removed (newlines and tabs kept in the description), lone
 * surrogates replaced by U+FFFD, surrounding white space trimmed; everything else is kept exactly
 * (emoji, 𠮷, markup — stored as text, escaped on output). Lengths are counted in code points
 * (`[...s].length`), so 𠮷 and 😡 count once.
 */
import { normaliseIdNumber, normaliseMainlandMobile } from '../common/id-number.js';
import { stripInvisibleFormatChars } from '../common/invisible-chars.js';
import type { FieldErrors } from '../common/domain-error.js';
import { PROBLEM_CATEGORIES, REPORT_KINDS, type ProblemCategory, type ReportKind } from './report-enums.js';

export const LIMITS = {
  descriptionMin: 20,
  descriptionMax: 5000,
  /** name, position, unit of a subject; name and relation of a beneficiary; reporter name. */
  personField: 50,
  happenedAt: 100,
  subjects: 10,
  beneficiaries: 10,
  email: 100,
} as const;

export interface SubjectInput {
  name: string;
  position: string;
  unit: string;
}
export interface BeneficiaryInput {
  name: string;
  relation: string;
}
/** A real-name reporter. `idNumber` is the normalised 18-character form; `phone` 11 digits. */
export interface ReporterInput {
  name: string;
  idNumber: string;
  phone: string;
  email?: string;
}

/** A validated tip-off, ready for `ReportsService.submit`. */
export interface SubmitReportInput {
  category: ProblemCategory;
  kind: ReportKind;
  /** 12 digits. */
  regionCode: string;
  subjects: SubjectInput[];
  beneficiaries: BeneficiaryInput[];
  description: string;
  happenedAt: string;
  anonymous: boolean;
  reporter: ReporterInput | null;
}

export interface SubmissionWarning {
  code: 'self_identifying';
  message: string;
}

export type ValidationOutcome =
  | { ok: true; value: SubmitReportInput; warnings: SubmissionWarning[] }
  | { ok: false; fields: FieldErrors; warnings: SubmissionWarning[] };

export const SELF_IDENTIFYING_MESSAGE =
  '您把自己（或“本人”）填成了受益人。被反映人看到反映的内容，可能据此推断出举报人就是您。若仍要这样提交，请勾选下方的确认框后再提交；也可以改写受益人一栏。';

/** Relations by which a reporter names themself as the beneficiary (控告 by the harmed person). */
const SELF_RELATIONS = new Set(['本人', '自己', '我', '我本人', '我自己', '我家', '我们家', '本人家庭', '本户', '我户', '本人家']);

/**
 * Removes control characters (C0 except tab/newline, DEL, C1) and invisible format characters (bidi
 * overrides, zero-width space…), folds CRLF, NFC, well-formed.
 */
export function cleanText(raw: unknown, opts: { multiline?: boolean } = {}): string {
  if (raw === undefined || raw === null) return '';
  let s = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : '';
  s = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD').replace(/\r\n?/g, '\n');
  s = opts.multiline
    ? s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    : s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return stripInvisibleFormatChars(s).normalize('NFC').trim();
}

/** Length in characters (code points), so 𠮷 counts once. */
export function codePointLength(s: string): number {
  return [...s].length;
}

/** Does the content name the reporter as a beneficiary (T04)? */
export function selfIdentifyingWarnings(beneficiaries: BeneficiaryInput[], reporterName: string | null): SubmissionWarning[] {
  const hit = beneficiaries.some(
    (b) => SELF_RELATIONS.has(b.relation.replace(/\s/g, '')) || (reporterName !== null && reporterName !== '' && b.name === reporterName),
  );
  return hit ? [{ code: 'self_identifying', message: SELF_IDENTIFYING_MESSAGE }] : [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Arrays arrive as arrays (JSON) or as objects keyed "0", "1", … (multipart `subjects[0][name]`). */
function rows(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isRecord(v)) {
    return Object.keys(v)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => v[k]);
  }
  return [];
}

function asBoolean(v: unknown): boolean | undefined {
  if (v === true || v === 'true' || v === '1' || v === 'on') return true;
  if (v === false || v === 'false' || v === '0') return false;
  return undefined;
}

/**
 * Validates a tip-off as submitted (JSON body, or the form's fields in the same shape:
 * `{ category, kind, regionCode, subjects[], beneficiaries[], description, happenedAt, anonymous, reporter }`).
 * Rows of subjects/beneficiaries whose fields are all empty are dropped (the form shows spare rows).
 *
 * @returns `{ ok: true, value, warnings }` or `{ ok: false, fields, warnings }` where `fields` maps a
 *   field path (`description`, `subjects[0].name`, `reporter.idNumber` …) to a Chinese message.
 *   `warnings` carries `self_identifying` when the reporter names themself as a beneficiary; whether
 *   that blocks is the caller's choice (the form asks for a confirmation, the API reports it).
 *   The region is only checked for form (12 digits) here; see `ReportsService.validateSubmission`.
 */
export function validateSubmissionShape(raw: unknown): ValidationOutcome {
  const fields: FieldErrors = {};
  const body = isRecord(raw) ? raw : {};

  const category = cleanText(body.category);
  if (!Object.hasOwn(PROBLEM_CATEGORIES, category)) fields.category = '请选择问题类别';
  const kind = cleanText(body.kind);
  if (!Object.hasOwn(REPORT_KINDS, kind)) fields.kind = '请选择“检举”或“控告”';

  const regionCode = cleanText(body.regionCode);
  if (!/^\d{12}$/.test(regionCode)) fields.regionCode = '请选择问题发生的地方（至少选到县（市、区），最好选到乡镇或村）';

  const tooLong = (s: string, max: number) => codePointLength(s) > max;

  const subjects: SubjectInput[] = [];
  const rawSubjects = rows(body.subjects);
  rawSubjects.forEach((r, i) => {
    const row = isRecord(r) ? r : {};
    const s = { name: cleanText(row.name), position: cleanText(row.position), unit: cleanText(row.unit) };
    if (!s.name && !s.position && !s.unit) return;
    if (!s.name) fields[`subjects[${i}].name`] = '请填写被反映人的姓名（不知道全名可写“姓+职务”，如“村会计”）';
    for (const f of ['name', 'position', 'unit'] as const) {
      if (tooLong(s[f], LIMITS.personField)) fields[`subjects[${i}].${f}`] = `不能超过 ${LIMITS.personField} 个字`;
    }
    subjects.push(s);
  });
  if (subjects.length === 0) fields.subjects = '请至少填写一名被反映人';
  else if (subjects.length > LIMITS.subjects) fields.subjects = `被反映人最多填写 ${LIMITS.subjects} 名`;

  const beneficiaries: BeneficiaryInput[] = [];
  rows(body.beneficiaries).forEach((r, i) => {
    const row = isRecord(r) ? r : {};
    const b = { name: cleanText(row.name), relation: cleanText(row.relation) };
    if (!b.name && !b.relation) return;
    if (!b.name) fields[`beneficiaries[${i}].name`] = '请填写受益人的姓名，或把这一行清空';
    for (const f of ['name', 'relation'] as const) {
      if (tooLong(b[f], LIMITS.personField)) fields[`beneficiaries[${i}].${f}`] = `不能超过 ${LIMITS.personField} 个字`;
    }
    beneficiaries.push(b);
  });
  if (beneficiaries.length > LIMITS.beneficiaries) fields.beneficiaries = `受益人最多填写 ${LIMITS.beneficiaries} 名`;

  const description = cleanText(body.description, { multiline: true });
  const dlen = codePointLength(description);
  if (dlen < LIMITS.descriptionMin) fields.description = `请把事情经过写清楚，至少 ${LIMITS.descriptionMin} 个字（现在 ${dlen} 个字）`;
  else if (dlen > LIMITS.descriptionMax) fields.description = `事情经过不能超过 ${LIMITS.descriptionMax} 个字（现在 ${dlen} 个字），可以把材料作为附件上传`;

  const happenedAt = cleanText(body.happenedAt);
  if (tooLong(happenedAt, LIMITS.happenedAt)) fields.happenedAt = `不能超过 ${LIMITS.happenedAt} 个字`;

  const anonymous = asBoolean(body.anonymous);
  if (anonymous === undefined) fields.anonymous = '请选择匿名或实名';
  let reporter: ReporterInput | null = null;
  if (anonymous === false) {
    const r = isRecord(body.reporter) ? body.reporter : {};
    const name = cleanText(r.name);
    if (!name) fields['reporter.name'] = '实名反映请填写您的真实姓名';
    else if (tooLong(name, LIMITS.personField)) fields['reporter.name'] = `不能超过 ${LIMITS.personField} 个字`;
    const idRaw = cleanText(r.idNumber);
    let idNumber = '';
    if (!idRaw) fields['reporter.idNumber'] = '实名反映请填写您的身份证号码';
    else {
      const id = normaliseIdNumber(idRaw);
      if (id.ok) idNumber = id.normalised;
      else fields['reporter.idNumber'] = id.message;
    }
    const phoneRaw = cleanText(r.phone);
    const phone = phoneRaw ? normaliseMainlandMobile(phoneRaw) : null;
    if (!phoneRaw) fields['reporter.phone'] = '实名反映请填写能联系到您的手机号码';
    else if (!phone) fields['reporter.phone'] = '手机号码应为 11 位数字，以 1 开头';
    const email = cleanText(r.email);
    if (email && (tooLong(email, LIMITS.email) || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) fields['reporter.email'] = '电子邮箱格式不正确（可以不填）';
    reporter = { name, idNumber, phone: phone ?? '', ...(email ? { email } : {}) };
  }

  const warnings = selfIdentifyingWarnings(beneficiaries, reporter?.name ?? null);
  if (Object.keys(fields).length) return { ok: false, fields, warnings };
  return {
    ok: true,
    warnings,
    value: {
      category: category as ProblemCategory,
      kind: kind as ReportKind,
      regionCode,
      subjects,
      beneficiaries,
      description,
      happenedAt,
      anonymous: anonymous!,
      reporter,
    },
  };
}

/** Fields accepted in the JSON body of `POST /api/v1/reports`, per level (anything else is `unknown_field`). */
const API_TOP = new Set(['category', 'kind', 'regionCode', 'subjects', 'beneficiaries', 'description', 'happenedAt', 'anonymous', 'reporter', 'captchaId', 'captchaAnswer']);
const API_SUBJECT = new Set(['name', 'position', 'unit']);
const API_BENEFICIARY = new Set(['name', 'relation']);
const API_REPORTER = new Set(['name', 'idNumber', 'phone', 'email']);

/** Paths of fields the API does not know (`foo`, `subjects[0].age`, `reporter.address`). Empty when none. */
export function unknownApiFields(body: unknown): string[] {
  if (!isRecord(body)) return [];
  const out: string[] = [];
  for (const k of Object.keys(body)) if (!API_TOP.has(k)) out.push(k);
  const nested = (key: string, allowed: Set<string>) => {
    const v = body[key];
    if (v === undefined || v === null) return;
    // Rows as an array, or as an object keyed "0", "1", … (the form's shape, which `rows` also reads).
    const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((row, i) => [String(i), row]) : isRecord(v) ? Object.entries(v) : [];
    for (const [i, row] of entries) {
      if (!/^\d+$/.test(i)) out.push(`${key}.${i}`);
      else if (isRecord(row)) for (const k of Object.keys(row)) if (!allowed.has(k)) out.push(`${key}[${i}].${k}`);
    }
  };
  nested('subjects', API_SUBJECT);
  nested('beneficiaries', API_BENEFICIARY);
  if (isRecord(body.reporter)) for (const k of Object.keys(body.reporter)) if (!API_REPORTER.has(k)) out.push(`reporter.${k}`);
  return out;
}

/**
 * Paths of API fields whose JSON type is wrong (the form sends strings, the API must not coerce):
 * text fields must be strings, `anonymous` a boolean, `subjects`/`beneficiaries` arrays of objects,
 * `reporter` an object. `null`/absent values are left to {@link validateSubmissionShape}.
 * @returns field path → Chinese message; empty when every type is right.
 */
export function wrongTypeApiFields(body: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!isRecord(body)) return out;
  const text = (v: unknown, path: string) => {
    if (v !== undefined && v !== null && typeof v !== 'string') out[path] = '类型错误：应为文本（JSON 字符串）';
  };
  for (const k of ['category', 'kind', 'regionCode', 'description', 'happenedAt', 'captchaId', 'captchaAnswer']) text(body[k], k);
  if (body.anonymous !== undefined && body.anonymous !== null && typeof body.anonymous !== 'boolean') out.anonymous = '类型错误：应为 true 或 false';
  const list = (key: 'subjects' | 'beneficiaries', allowed: Set<string>) => {
    const v = body[key];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) {
      out[key] = '类型错误：应为数组';
      return;
    }
    v.forEach((row, i) => {
      if (!isRecord(row)) out[`${key}[${i}]`] = '类型错误：应为对象';
      else for (const f of allowed) text(row[f], `${key}[${i}].${f}`);
    });
  };
  list('subjects', API_SUBJECT);
  list('beneficiaries', API_BENEFICIARY);
  if (body.reporter !== undefined && body.reporter !== null) {
    if (!isRecord(body.reporter)) out.reporter = '类型错误：应为对象';
    else for (const f of API_REPORTER) text(body.reporter[f], `reporter.${f}`);
  }
  return out;
}
