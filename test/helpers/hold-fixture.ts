// A small library system of each preset for the hold tests, on a throw-away schema: three
// branches, the SPEC §10 calendar (closed Mondays and 2026-12-29 … 2027-01-03), titles with
// one or more copies (a book, an audio-visual title, a reference-only title, a magazine with
// issues, a three-volume set) and resident patrons with passwords.
import type { Db } from '../../server/db/database.ts'
import type { MaterialType } from '../../server/db/schema.ts'
import { resolveSettings } from '../../server/services/library-settings.ts'
import type { Clock } from '../../server/clock.ts'
import { newRequestKey } from '../../server/services/hold-service.ts'
import type { HoldChoice, HoldLibrary, HoldService } from '../../server/services/hold-service.ts'

export interface FixtureLibrary extends HoldLibrary {
  slug: string
  branchIds: { central: number; east: number; west: number }
  records: Record<string, number>
  /** Copies of each title, in insertion order. */
  copies: Record<string, number[]>
  /** Patrons by name: p1 … pN (residents), visitor, child. */
  patrons: Record<string, number>
}

const YEAR_END = [
  '2026-12-29',
  '2026-12-30',
  '2026-12-31',
  '2027-01-01',
  '2027-01-02',
  '2027-01-03',
]

export async function holdFixture(
  db: Db,
  preset: 'A' | 'B',
  options: { patrons?: number; popularCopies?: number } = {},
): Promise<FixtureLibrary> {
  const slug = `${preset.toLowerCase()}${Math.random().toString(36).slice(2, 8)}`
  const lib = await db
    .insertInto('library')
    .values({ slug, name: `${preset}市立図書館`, rules_preset: preset, settings_json: '{}' })
    .executeTakeFirstOrThrow()
  const libraryId = Number(lib.insertId)
  const branch = async (code: string, name: string) =>
    Number(
      (
        await db
          .insertInto('branch')
          .values({ library_id: libraryId, code, name })
          .executeTakeFirstOrThrow()
      ).insertId,
    )
  const branchIds = {
    central: await branch('central', '中央館'),
    east: await branch('east', '東分館'),
    west: await branch('west', '西分館'),
  }
  for (const day of YEAR_END) {
    await db
      .insertInto('calendar_day')
      .values({ library_id: libraryId, day, is_open: 0, note: '年末年始' })
      .execute()
  }

  const records: Record<string, number> = {}
  const copies: Record<string, number[]> = {}
  let barcode = 0
  const title = async (
    key: string,
    material: MaterialType,
    copyList: {
      branch: number
      status?: 'available' | 'on_loan' | 'missing'
      reference?: boolean
      issue?: string
    }[],
  ) => {
    const r = await db
      .insertInto('record')
      .values({
        library_id: libraryId,
        title: key,
        material_type: material,
        source: 'test',
        source_id: key,
        search_text: '',
      })
      .executeTakeFirstOrThrow()
    records[key] = Number(r.insertId)
    copies[key] = []
    for (const c of copyList) {
      const inserted = await db
        .insertInto('copy')
        .values({
          library_id: libraryId,
          record_id: Number(r.insertId),
          branch_id: c.branch,
          barcode: `${slug}-${++barcode}`,
          call_number: '913/テ',
          shelf_location: 'general',
          status: c.status ?? 'on_loan',
          reference_only: c.reference ? 1 : 0,
          issue_label: c.issue ? `${c.issue.slice(0, 7)}号` : '',
          issue_date: c.issue ?? null,
          acquired_on: '2026-01-10',
        })
        .executeTakeFirstOrThrow()
      copies[key]?.push(Number(inserted.insertId))
    }
  }
  await title('book', 'book', [{ branch: branchIds.central }])
  await title(
    'popular',
    'book',
    Array.from({ length: options.popularCopies ?? 2 }, () => ({ branch: branchIds.east })),
  )
  await title('shelf', 'book', [{ branch: branchIds.central, status: 'available' }])
  await title('dvd', 'dvd', [{ branch: branchIds.central }])
  await title('reference', 'book', [
    { branch: branchIds.central, status: 'available', reference: true },
  ])
  await title('lost', 'book', [{ branch: branchIds.central, status: 'missing' }])
  await title('magazine', 'magazine', [
    { branch: branchIds.central, status: 'available', issue: '2026-09-01' },
    { branch: branchIds.central, issue: '2026-10-01' },
    { branch: branchIds.central, status: 'available', reference: true, issue: '2026-11-01' },
  ])
  for (const v of [1, 2, 3]) await title(`volume${v}`, 'book', [{ branch: branchIds.west }])

  const patrons: Record<string, number> = {}
  const patron = async (
    key: string,
    over: { residency?: 'resident' | 'non_resident'; birth?: string; email?: string | null } = {},
  ) => {
    const p = await db
      .insertInto('patron')
      .values({
        library_id: libraryId,
        card_number: String(9000000 + Object.keys(patrons).length),
        full_name: key,
        birth_date: over.birth ?? '1980-05-01',
        residency: over.residency ?? 'resident',
        email: over.email === undefined ? `${key}@example.jp` : over.email,
        password_hash: 'scrypt$test',
      })
      .executeTakeFirstOrThrow()
    patrons[key] = Number(p.insertId)
  }
  for (let i = 1; i <= (options.patrons ?? 60); i++) await patron(`p${i}`)
  await patron('visitor', { residency: 'non_resident' })
  await patron('child', { birth: '2021-06-01' })
  await patron('nomail', { email: null })

  const library = { id: libraryId }
  const settings = resolveSettings(preset, '{}')
  const branches = Object.values(branchIds).map((id) => ({ id, is_pickup: 1 }))
  return { slug, library, settings, branches, branchIds, records, copies, patrons }
}

/** A clock the test moves; times are Asia/Tokyo wall-clock times. */
export function movableTokyoClock(tokyo: string): Clock & { set(tokyo: string): void } {
  let at = new Date(`${tokyo}+09:00`)
  return {
    now: () => at,
    set(next: string) {
      at = new Date(`${next}+09:00`)
    },
  }
}

/**
 * What the hold service's tests ask of a fixture library: its holds and a copy's status as
 * stored, a hold choice, placing holds for a patron and the id of the first hold placed.
 * Both are read at each call (the database and the service are made in a before hook).
 */
export function holdTestKit(db: () => Db, holds: () => HoldService) {
  const place = (
    lib: FixtureLibrary,
    patron: string,
    items: HoldChoice[],
    options: { asSet?: boolean; channel?: 'web' | 'counter' | 'phone'; key?: string } = {},
  ) =>
    holds().place(lib, lib.patrons[patron]!, {
      key: options.key ?? newRequestKey(),
      items,
      asSet: options.asSet,
      channel: options.channel,
    })
  return {
    rows: (lib: FixtureLibrary) =>
      db()
        .selectFrom('hold')
        .selectAll()
        .where('library_id', '=', lib.library.id)
        .orderBy('id')
        .execute(),
    copyStatus: async (lib: FixtureLibrary, copyId: number) =>
      (
        await db()
          .selectFrom('copy')
          .select('status')
          .where('library_id', '=', lib.library.id)
          .where('id', '=', copyId)
          .executeTakeFirstOrThrow()
      ).status,
    choice: (lib: FixtureLibrary, record: string, over: Partial<HoldChoice> = {}): HoldChoice => ({
      recordId: lib.records[record]!,
      pickupBranchId: lib.branchIds.central,
      contact: 'email',
      ...over,
    }),
    place,
    placedId: async (p: ReturnType<typeof place>) => {
      const outcome = await p
      if (!outcome.ok) throw new Error(outcome.reason)
      const first = outcome.result.placed[0]
      if (!first) throw new Error(JSON.stringify(outcome.result.refused))
      return first.holdId
    },
  }
}
