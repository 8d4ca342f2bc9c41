import { Region } from '../../src/regions/entities/region.entity.js';
import type { TestApp } from '../utils/create-test-app.js';

/**
 * The few Hunan division codes these suites use as scopes. The portal loads province 43 into every
 * test database; this only fills them in when run before/without the loader, so the suites do not
 * depend on the order in which features land.
 */
export async function ensureScopeRegions(t: TestApp): Promise<void> {
  const rows: Array<Pick<Region, 'code' | 'name' | 'level' | 'parentCode'>> = [
    { code: '430000000000', name: '湖南省', level: 1, parentCode: null },
    { code: '430400000000', name: '衡阳市', level: 2, parentCode: '430000000000' },
    { code: '430421000000', name: '衡阳县', level: 3, parentCode: '430400000000' },
    { code: '430421100000', name: '西渡镇', level: 4, parentCode: '430421000000' },
    { code: '430422000000', name: '衡南县', level: 3, parentCode: '430400000000' },
  ];
  const repo = t.ds.getRepository(Region);
  for (const r of rows) if (!(await repo.existsBy({ code: r.code }))) await repo.insert(r);
}

/** All Set-Cookie headers of a response, joined (empty when none). */
export function setCookies(res: { headers: Record<string, unknown> }): string {
  const v = res.headers['set-cookie'];
  return Array.isArray(v) ? v.join('; ') : typeof v === 'string' ? v : '';
}
