import type hbsModule from 'hbs';

const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** Handlebars helpers shared by every page. `{{x}}` escapes; triple-stash is never used on user content. */
export function registerViewHelpers(hbs: typeof hbsModule): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));
  /** UTC instant → "2026-02-13 09:05" in Asia/Shanghai. */
  hbs.registerHelper('shanghaiTime', (d: unknown) => {
    if (!d) return '';
    const date = d instanceof Date ? d : new Date(String(d));
    return Number.isNaN(date.getTime()) ? '' : SHANGHAI.format(date).replace(/\//g, '-');
  });
  hbs.registerHelper('json', (v: unknown) => JSON.stringify(v));
}
