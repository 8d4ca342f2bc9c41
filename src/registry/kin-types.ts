/**
 * Kinship edge types of the graph (DESIGN.md §6) and the Chinese labels that offices use for them.
 *
 * An edge `person → relative` of type T reads "relative is the T of person": a declaration row
 * 刘建国 · 刘小军 · 子女 becomes `刘建国 → 刘小军 : child`.
 */

export const KIN_TYPES = [
  'spouse',
  'parent',
  'child',
  'sibling',
  'grandparent',
  'grandchild',
  'parent_in_law',
  'child_in_law',
  'sibling_in_law',
  'parent_sibling',
  'sibling_child',
  'step_parent',
  'step_child',
  'step_sibling',
  'adoptive_parent',
  'adoptive_child',
  'guardian',
] as const;
export type KinType = (typeof KIN_TYPES)[number];

export const KIN_SOURCES = ['declared', 'household_register', 'inferred'] as const;
export type KinSource = (typeof KIN_SOURCES)[number];

/**
 * The default 近亲属 set (DESIGN.md §5): 民法典 art. 1045 — spouse, parents, children, siblings,
 * grandparents and grandchildren (both sides). Wider sets (in-laws, parents' siblings, step and
 * adoptive ties) are a per-province configuration of the access-control work.
 */
export const DEFAULT_CLOSE_KIN_TYPES: readonly KinType[] = ['spouse', 'parent', 'child', 'sibling', 'grandparent', 'grandchild'];

/** The type of the reverse edge (A→B parent ⇒ B→A child). `guardian` has no typed reverse. */
export const INVERSE_KIN_TYPE: Readonly<Partial<Record<KinType, KinType>>> = {
  spouse: 'spouse',
  parent: 'child',
  child: 'parent',
  sibling: 'sibling',
  grandparent: 'grandchild',
  grandchild: 'grandparent',
  parent_in_law: 'child_in_law',
  child_in_law: 'parent_in_law',
  sibling_in_law: 'sibling_in_law',
  parent_sibling: 'sibling_child',
  sibling_child: 'parent_sibling',
  step_parent: 'step_child',
  step_child: 'step_parent',
  step_sibling: 'step_sibling',
  adoptive_parent: 'adoptive_child',
  adoptive_child: 'adoptive_parent',
};

/** Chinese display label of each type (for explanations). */
export const KIN_TYPE_LABELS: Readonly<Record<KinType, string>> = {
  spouse: '配偶',
  parent: '父母',
  child: '子女',
  sibling: '兄弟姐妹',
  grandparent: '祖父母/外祖父母',
  grandchild: '孙子女/外孙子女',
  parent_in_law: '配偶的父母',
  child_in_law: '子女的配偶',
  sibling_in_law: '兄弟姐妹的配偶/配偶的兄弟姐妹',
  parent_sibling: '父母的兄弟姐妹',
  sibling_child: '兄弟姐妹的子女',
  step_parent: '继父母',
  step_child: '继子女',
  step_sibling: '继兄弟姐妹',
  adoptive_parent: '养父母',
  adoptive_child: '养子女',
  guardian: '监护人',
};

const LABELS: ReadonlyArray<[KinType, string[]]> = [
  ['spouse', ['配偶', '夫妻', '丈夫', '妻子', '夫', '妻', '爱人', '老伴']],
  ['parent', ['父母', '父亲', '母亲', '父', '母', '爸爸', '妈妈']],
  ['child', ['子女', '儿子', '女儿', '子', '女', '长子', '次子', '长女', '次女']],
  ['sibling', ['兄弟姐妹', '兄弟', '姐妹', '兄', '弟', '姐', '妹', '哥哥', '弟弟', '姐姐', '妹妹']],
  ['grandparent', ['祖父母', '外祖父母', '祖父', '祖母', '外祖父', '外祖母', '爷爷', '奶奶', '外公', '外婆']],
  ['grandchild', ['孙子女', '外孙子女', '孙子', '孙女', '外孙', '外孙女']],
  ['parent_in_law', ['配偶的父母', '岳父母', '公婆', '岳父', '岳母', '公公', '婆婆']],
  ['child_in_law', ['子女的配偶', '儿媳', '女婿', '媳妇']],
  [
    'sibling_in_law',
    ['兄弟姐妹的配偶', '配偶的兄弟姐妹', '嫂子', '嫂', '弟媳', '姐夫', '妹夫', '大伯', '小叔', '大姑', '小姑', '内兄', '内弟', '大舅子', '小舅子', '大姨子', '小姨子', '连襟', '妯娌'],
  ],
  ['parent_sibling', ['父母的兄弟姐妹', '伯叔姑舅姨', '伯父', '叔父', '叔叔', '伯伯', '姑母', '姑姑', '舅舅', '舅父', '姨母', '姨妈', '阿姨']],
  ['sibling_child', ['兄弟姐妹的子女', '侄子', '侄女', '外甥', '外甥女', '侄儿']],
  ['step_parent', ['继父母', '继父', '继母']],
  ['step_child', ['继子女', '继子', '继女']],
  ['step_sibling', ['继兄弟姐妹', '继兄弟', '继姐妹']],
  ['adoptive_parent', ['养父母', '养父', '养母']],
  ['adoptive_child', ['养子女', '养子', '养女']],
  ['guardian', ['监护人']],
];

const LABEL_TO_TYPE = new Map<string, KinType>();
for (const [type, labels] of LABELS) for (const l of labels) LABEL_TO_TYPE.set(l, type);
for (const t of KIN_TYPES) LABEL_TO_TYPE.set(t, t);

/**
 * The type of a relation label as written in a declaration or roster: a Chinese label (`配偶`,
 * `子女`, `舅舅(父母的兄弟姐妹)` — a bracketed explanation is tried too) or a type code. Full-width
 * brackets and spaces are tolerated. Returns null for an unknown label.
 */
export function kinTypeOfLabel(label: string): KinType | null {
  const s = label.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  if (!s) return null;
  const direct = LABEL_TO_TYPE.get(s);
  if (direct) return direct;
  const m = /^([^()]*)\(([^()]*)\)$/.exec(s);
  if (m) return LABEL_TO_TYPE.get(m[1]) ?? LABEL_TO_TYPE.get(m[2]) ?? null;
  return null;
}
