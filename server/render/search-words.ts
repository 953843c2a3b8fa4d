// The words of the catalogue search on both channels: the sorts and title modes as the forms
// offer them (in this order), and the sentences for the catalogue service's error codes.
import { MAX_CALL_NUMBER_LENGTH, MAX_QUERY_LENGTH } from '../services/catalogue-service.ts'
import type {
  SearchErrorField,
  SearchErrors,
  SearchSort,
  TitleMode,
} from '../services/catalogue-service.ts'

export const SORT_LABELS: Record<SearchSort, string> = {
  relevance: '適合順',
  title: 'タイトル順（50音）',
  author: '著者名順（50音）',
  year_desc: '出版年の新しい順',
  year_asc: '出版年の古い順',
}

export const TITLE_MODE_LABELS: Record<TitleMode, string> = {
  contains: '部分一致',
  prefix: '前方一致',
  exact: '完全一致',
}

/** The fields whose length is limited, as the forms name them. */
const FIELD_NAMES = {
  q: '検索語',
  title: 'タイトル',
  author: '著者名',
  publisher: '出版者',
  subject: '件名',
  call: '請求記号',
} as const

type Sentences = { [F in SearchErrorField]-?: Record<NonNullable<SearchErrors[F]>, string> }

const SENTENCES: Sentences = {
  q: {
    too_long: `${FIELD_NAMES.q}は${MAX_QUERY_LENGTH}文字以内で入力してください。`,
    empty: '検索語を入力してください。',
  },
  title: { too_long: `${FIELD_NAMES.title}は${MAX_QUERY_LENGTH}文字以内で入力してください。` },
  author: { too_long: `${FIELD_NAMES.author}は${MAX_QUERY_LENGTH}文字以内で入力してください。` },
  publisher: {
    too_long: `${FIELD_NAMES.publisher}は${MAX_QUERY_LENGTH}文字以内で入力してください。`,
  },
  subject: { too_long: `${FIELD_NAMES.subject}は${MAX_QUERY_LENGTH}文字以内で入力してください。` },
  isbn: {
    isbn_invalid:
      'ISBNは10桁または13桁の数字で入力してください（ハイフンはあってもなくてもかまいません）。',
  },
  from: { year_format: '出版年は西暦4桁で入力してください（例：1990）。' },
  to: {
    year_format: '出版年は西暦4桁で入力してください（例：1990）。',
    year_order: '出版年の範囲は、はじめの年を終わりの年より前にしてください。',
  },
  branch: { unknown_branch: '所蔵館の指定が正しくありません。' },
  ndc: { ndc_invalid: '分類は数字（例：913）か、紙芝居なら C で入力してください。' },
  call: {
    too_long: `${FIELD_NAMES.call}は${MAX_CALL_NUMBER_LENGTH}文字以内で入力してください。`,
  },
  page: {
    bad_page: 'ページの指定が正しくありません。',
    page_out_of_range: 'このページはありません。',
  },
}

/** The sentence for each field's error, in the order the service found them. */
export function searchErrorMessages(errors: SearchErrors): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, code] of Object.entries(errors) as [SearchErrorField, string][]) {
    const sentences: Record<string, string> = SENTENCES[field]
    const sentence = sentences[code]
    if (sentence) out[field] = sentence
  }
  return out
}
