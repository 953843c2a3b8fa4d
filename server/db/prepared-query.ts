// Queries whose SQL Kysely builds once. Building a query (an immutable tree of nodes) and
// compiling it to SQL costs more CPU than sending it and reading its rows: for the pages every
// visitor asks for (a record's detail page), the statements are built on their first use and
// then sent again with each call's own values in the placeholders.
//
// Only for queries whose shape never depends on the values: the builder must pass each
// argument to Kysely as a value (`where(col, '=', arg)`), not branch on it, spread it into an
// `in` list or put it into raw SQL — it is checked when the template is made.
import { createQueryId } from 'kysely'
import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type { Database } from './schema.ts'

type Value = string | number

/** What an argument is replaced with while the template is built. */
const MARKER = '\u0000prepared-argument-'
const marker = (index: number) => `${MARKER}${index}`

interface Template {
  query: CompiledQuery['query']
  sql: string
  /** Per placeholder: the index of the argument that fills it, or the constant it always has. */
  slots: ({ arg: number } | { constant: unknown })[]
}

function makeTemplate(compiled: CompiledQuery, arity: number): Template {
  if (compiled.sql.includes('\u0000')) {
    throw new Error(`preparedQuery: an argument went into the SQL text: ${compiled.sql}`)
  }
  const slots = compiled.parameters.map((value) => {
    return typeof value === 'string' && value.startsWith(MARKER)
      ? { arg: Number(value.slice(MARKER.length)) }
      : { constant: value }
  })
  for (let i = 0; i < arity; i++) {
    if (!slots.some((s) => 'arg' in s && s.arg === i)) {
      throw new Error(`preparedQuery: argument ${i} is not a value of the query: ${compiled.sql}`)
    }
  }
  return { query: compiled.query, sql: compiled.sql, slots }
}

/**
 * A query built once: `build(db, ...args)` is run the first time with markers in place of the
 * arguments, and every call sends that SQL with its arguments as the placeholders' values, on
 * the database or transaction it is given. Resolves to the rows.
 */
export function preparedQuery<A extends Value[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  let template: Template | undefined
  return async (db, ...args) => {
    template ??= makeTemplate(
      build(db, ...(args.map((_, i) => marker(i)) as A)).compile(),
      args.length,
    )
    const parameters = template.slots.map((s) => ('arg' in s ? args[s.arg] : s.constant))
    const compiled: CompiledQuery<R> = {
      query: template.query,
      queryId: createQueryId(),
      sql: template.sql,
      parameters,
    }
    return (await db.executeQuery(compiled)).rows
  }
}
