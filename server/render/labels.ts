// The words patrons see for codes stored in the database (GLOSSARY.md, UI-WRITING.md).
import type { CopyStatus, MaterialType, ShelfLocation } from '../db/schema.ts'
import type { RankingPeriod } from '../services/browse-service.ts'

export const MATERIAL_TYPE_LABELS: Record<MaterialType, string> = {
  book: '図書',
  magazine: '雑誌',
  kamishibai: '紙芝居',
  cd: 'CD',
  dvd: 'DVD',
  video: 'ビデオ',
  cassette: 'カセットテープ',
}

export const SHELF_LOCATION_LABELS: Record<ShelfLocation, string> = {
  general: '一般書架',
  children: '児童書架',
  young_adult: 'YAコーナー',
  reference: '参考図書',
  stacks: '書庫',
  magazine: '雑誌コーナー',
  audio_visual: '視聴覚コーナー',
  kamishibai: '紙芝居コーナー',
}

const STATUS_LABELS: Record<CopyStatus, string> = {
  available: '貸出可',
  on_loan: '貸出中',
  on_hold_shelf: '予約取置中',
  in_transit: '搬送中',
  in_repair: '修理中',
  missing: '所在不明',
}

/** 貸出可 / 貸出中 / 館内のみ …: a reference-only copy on the shelf reads 館内のみ. */
export function copyStatusLabel(copy: { status: CopyStatus; reference_only: boolean }): string {
  if (copy.reference_only && copy.status === 'available') return '館内のみ'
  return STATUS_LABELS[copy.status]
}

/** 貸出:○ / 貸出:× in keitai result lists (every byte counts there). */
export function availabilityMark(available: boolean): string {
  return available ? '○' : '×'
}

/**
 * A result list's availability in words, as Japanese OPACs write it: 貸出可 when a copy can be
 * borrowed now, otherwise 貸出中; then 予約N件 when there are holds. Not a colour or a sign alone.
 */
export function availabilityText(hit: { available: boolean; holds: number }): string {
  const holds = Number(hit.holds)
  return `${hit.available ? '貸出可' : '貸出中'}${holds > 0 ? `（予約${holds}件）` : ''}`
}

/** The ranking periods (services/browse-service.ts RANKING_PERIODS) as patrons read them. */
export const RANKING_PERIOD_LABELS: Record<RankingPeriod, { label: string }> = {
  '1m': { label: '最近1か月' },
  '6m': { label: '最近6か月' },
  '1y': { label: '最近1年' },
}
