// The judged query set of the catalogue search: what people type into the simple search box
// of the demo catalogue (sql/demo/catalogue.tsv.gz, library "minato"), and the records they
// mean. Records are named by what identifies them in any catalogue — an ISBN, or a title
// (compared folded, whole) with its author (a folded part of the author field) — never by a
// database id, so the set survives reloads and catalogue changes. `grade` 2 marks the record
// the query is after (a known item: the work everyone borrows), 1 another record that is a
// right answer too (the author's other works, the same title by someone else). Records not
// listed count as not relevant.
//
// Used by `npm run eval:search` (test/eval/search-eval.ts), which prints success@1,
// success@5 and nDCG@10, and by test/integration/search/search-quality.test.ts, which fails
// when they fall below a floor.

/** A record that answers a query: by ISBN, or by title and/or author. */
export interface Judged {
  isbn?: string
  title?: string
  author?: string
  /** 2: the record meant; 1: also right. Default 2. */
  grade?: 1 | 2
}

export type QueryKind =
  'title' | 'author' | 'reading' | 'partial' | 'title+author' | 'isbn' | 'variant' | 'typo'

export interface JudgedQuery {
  q: string
  kind: QueryKind
  relevant: Judged[]
}

const natsume: Judged[] = [
  { title: 'こころ', author: '夏目漱石' },
  { title: '坊っちゃん', author: '夏目漱石' },
  { title: '吾輩は猫である', author: '夏目漱石' },
  { title: '三四郎', author: '夏目漱石', grade: 1 },
  { title: '草枕', author: '夏目漱石', grade: 1 },
  { title: 'それから', author: '夏目漱石', grade: 1 },
]
const miyazawa: Judged[] = [
  { title: '銀河鉄道の夜', author: '宮沢賢治' },
  { title: '注文の多い料理店', author: '宮沢賢治' },
  { title: '風の又三郎', author: '宮沢賢治', grade: 1 },
  { title: 'セロ弾きのゴーシュ', author: '宮沢賢治', grade: 1 },
  { title: 'よだかの星', author: '宮沢賢治', grade: 1 },
]
const akutagawa: Judged[] = [
  { title: '羅生門', author: '芥川竜之介' },
  { title: '蜘蛛の糸', author: '芥川竜之介' },
  { title: '鼻', author: '芥川竜之介', grade: 1 },
  { title: '杜子春', author: '芥川竜之介', grade: 1 },
  { title: '河童', author: '芥川竜之介', grade: 1 },
]
const dazai: Judged[] = [
  { title: '人間失格', author: '太宰治' },
  { title: '走れメロス', author: '太宰治' },
  { title: '斜陽', author: '太宰治', grade: 1 },
  { title: 'ヴィヨンの妻', author: '太宰治', grade: 1 },
]
const ogai: Judged[] = [
  { title: '舞姫', author: '森鴎外' },
  { title: '高瀬舟', author: '森鴎外' },
  { title: '雁', author: '森鴎外', grade: 1 },
  { title: '山椒大夫', author: '森鴎外', grade: 1 },
]
const one = (title: string, author: string): Judged[] => [{ title, author }]

export const JUDGED_QUERIES: readonly JudgedQuery[] = [
  // whole titles
  { q: 'こころ', kind: 'title', relevant: one('こころ', '夏目漱石') },
  { q: '坊っちゃん', kind: 'title', relevant: one('坊っちゃん', '夏目漱石') },
  { q: '人間失格', kind: 'title', relevant: one('人間失格', '太宰治') },
  { q: '走れメロス', kind: 'title', relevant: one('走れメロス', '太宰治') },
  { q: '吾輩は猫である', kind: 'title', relevant: one('吾輩は猫である', '夏目漱石') },
  {
    q: '羅生門',
    kind: 'title',
    relevant: [
      { title: '羅生門', author: '芥川竜之介' },
      { title: '羅生門', author: '楠山正雄', grade: 1 },
    ],
  },
  { q: '山月記', kind: 'title', relevant: one('山月記', '中島敦') },
  { q: '檸檬', kind: 'title', relevant: one('檸檬', '梶井基次郎') },
  { q: '注文の多い料理店', kind: 'title', relevant: one('注文の多い料理店', '宮沢賢治') },
  { q: '銀河鉄道の夜', kind: 'title', relevant: one('銀河鉄道の夜', '宮沢賢治') },
  { q: '濹東綺譚', kind: 'title', relevant: one('濹東綺譚', '永井荷風') },
  { q: '蜘蛛の糸', kind: 'title', relevant: one('蜘蛛の糸', '芥川竜之介') },
  { q: '斜陽', kind: 'title', relevant: one('斜陽', '太宰治') },
  { q: '三四郎', kind: 'title', relevant: one('三四郎', '夏目漱石') },
  { q: '蟹工船', kind: 'title', relevant: one('蟹工船', '小林多喜二') },
  {
    q: '鼻',
    kind: 'title',
    relevant: [
      { title: '鼻', author: '芥川竜之介' },
      { title: '鼻', author: 'ゴーゴリ', grade: 1 },
    ],
  },
  { q: '杜子春', kind: 'title', relevant: one('杜子春', '芥川竜之介') },
  // authors: their best-known works first
  { q: '宮沢賢治', kind: 'author', relevant: miyazawa },
  { q: '芥川竜之介', kind: 'author', relevant: akutagawa },
  { q: '夏目漱石', kind: 'author', relevant: natsume },
  { q: '太宰治', kind: 'author', relevant: dazai },
  { q: '森鴎外', kind: 'author', relevant: ogai },
  { q: '中島敦', kind: 'author', relevant: one('山月記', '中島敦') },
  { q: '梶井基次郎', kind: 'author', relevant: one('檸檬', '梶井基次郎') },
  { q: '新美南吉', kind: 'author', relevant: one('ごん狐', '新美南吉') },
  { q: '永井荷風', kind: 'author', relevant: one('濹東綺譚', '永井荷風') },
  // variant kanji (旧字体・異体字) as an input method may give them
  { q: '芥川龍之介', kind: 'variant', relevant: akutagawa },
  { q: '森鷗外', kind: 'variant', relevant: ogai },
  { q: '墨東綺譚', kind: 'variant', relevant: one('濹東綺譚', '永井荷風') },
  { q: '齋藤茂吉', kind: 'variant', relevant: [{ author: '斎藤茂吉' }] },
  { q: '渡邊温', kind: 'variant', relevant: [{ author: '渡辺温' }] },
  { q: '渡邉温', kind: 'variant', relevant: [{ author: '渡辺温' }] },
  // readings typed in kana
  { q: 'なつめそうせき', kind: 'reading', relevant: natsume },
  { q: 'みやざわけんじ', kind: 'reading', relevant: miyazawa },
  { q: 'らしょうもん', kind: 'reading', relevant: one('羅生門', '芥川竜之介') },
  { q: 'にんげんしっかく', kind: 'reading', relevant: one('人間失格', '太宰治') },
  { q: 'ぎんがてつどうのよる', kind: 'reading', relevant: one('銀河鉄道の夜', '宮沢賢治') },
  { q: 'ごんぎつね', kind: 'reading', relevant: one('ごん狐', '新美南吉') },
  { q: 'ハシレメロス', kind: 'reading', relevant: one('走れメロス', '太宰治') },
  {
    q: 'ちゅうもんのおおいりょうりてん',
    kind: 'reading',
    relevant: one('注文の多い料理店', '宮沢賢治'),
  },
  // the start or a part of a title
  { q: '銀河鉄道', kind: 'partial', relevant: one('銀河鉄道の夜', '宮沢賢治') },
  { q: '吾輩は猫', kind: 'partial', relevant: one('吾輩は猫である', '夏目漱石') },
  { q: '注文の多い', kind: 'partial', relevant: one('注文の多い料理店', '宮沢賢治') },
  { q: 'メロス', kind: 'partial', relevant: one('走れメロス', '太宰治') },
  { q: '猫である', kind: 'partial', relevant: one('吾輩は猫である', '夏目漱石') },
  { q: 'サンジの満腹', kind: 'partial', relevant: [{ isbn: '9784087806588' }] },
  { q: 'アーカイブ立国', kind: 'partial', relevant: [{ isbn: '9784780802139' }] },
  // title and author words together
  { q: 'こころ 漱石', kind: 'title+author', relevant: one('こころ', '夏目漱石') },
  { q: '羅生門 芥川', kind: 'title+author', relevant: one('羅生門', '芥川竜之介') },
  { q: '宮沢 銀河鉄道の夜', kind: 'title+author', relevant: one('銀河鉄道の夜', '宮沢賢治') },
  { q: '舞姫 鴎外', kind: 'title+author', relevant: one('舞姫', '森鴎外') },
  // ISBNs, as printed
  { q: '9784335356919', kind: 'isbn', relevant: [{ isbn: '9784335356919' }] },
  { q: '978-4-622-07012-2', kind: 'isbn', relevant: [{ isbn: '9784622070122' }] },
  { q: '4092966350', kind: 'isbn', relevant: [{ isbn: '9784092966352' }] },
  { q: '９７８４５８４１２１０９２', kind: 'isbn', relevant: [{ isbn: '9784584121092' }] },
  // kana spelled another way, or one kana too short
  { q: 'こゝろ', kind: 'typo', relevant: one('こころ', '夏目漱石') },
  { q: 'ワガハイハネコデアル', kind: 'typo', relevant: one('吾輩は猫である', '夏目漱石') },
  { q: 'せろひきのごーしゅ', kind: 'typo', relevant: one('セロ弾きのゴーシュ', '宮沢賢治') },
  { q: 'ぼちゃん', kind: 'typo', relevant: one('坊っちゃん', '夏目漱石') },
  { q: 'ぎんがてつどのよる', kind: 'typo', relevant: one('銀河鉄道の夜', '宮沢賢治') },
  { q: 'らしょもん', kind: 'typo', relevant: one('羅生門', '芥川竜之介') },
  { q: 'なつめそせき', kind: 'typo', relevant: natsume },
  { q: 'にんげんしかく', kind: 'typo', relevant: one('人間失格', '太宰治') },
  { q: 'せろひきのごしゅ', kind: 'typo', relevant: one('セロ弾きのゴーシュ', '宮沢賢治') },
  {
    q: 'ちゅもんのおおいりょりてん',
    kind: 'typo',
    relevant: one('注文の多い料理店', '宮沢賢治'),
  },
]
