// A search in words: the heading of its result page (「こころ」の検索結果) and the list of its
// criteria shown above the results, for both channels and the Atom feed of a search.
import type { SearchRequest } from '../services/catalogue-service.ts'
import { ndcLabel } from '../services/ndc.ts'
import { MATERIAL_TYPE_LABELS } from './labels.ts'
import { TITLE_MODE_LABELS } from './search-words.ts'

/** The page heading of a search: 「こころ」の検索結果, or the first criterion of a detailed one. */
export function searchHeading(r: SearchRequest): string {
  const first = criteriaSummary(r, [])[0]
  if (r.q) return `「${r.q}」の検索結果`
  return first ? `${first.label}「${first.value}」の検索結果` : '検索結果'
}

/** The criteria of a search as label/value pairs, for the summary above the results. */
export function criteriaSummary(
  r: SearchRequest,
  branches: readonly { code: string; name: string }[],
): { label: string; value: string }[] {
  const items: { label: string; value: string }[] = []
  const add = (label: string, value: string) => {
    if (value) items.push({ label, value })
  }
  add('キーワード', r.q)
  add('タイトル', r.title ? `${r.title}（${TITLE_MODE_LABELS[r.titleMode]}）` : '')
  add('著者名', r.author)
  add('出版者', r.publisher)
  add('件名', r.subject)
  add('ISBN', r.isbn)
  add('出版年', r.from || r.to ? `${r.from || '…'}〜${r.to || '…'}` : '')
  add('資料種別', r.type.map((t) => MATERIAL_TYPE_LABELS[t]).join('・'))
  add('所蔵館', branches.find((b) => b.code === r.branch)?.name ?? r.branch)
  add('分類', r.ndc ? `${r.ndc}${ndcLabel(r.ndc) ? ` ${ndcLabel(r.ndc)}` : ''}` : '')
  add('請求記号', r.call)
  add('貸出', r.avail ? 'いま借りられるものだけ' : '')
  return items
}
