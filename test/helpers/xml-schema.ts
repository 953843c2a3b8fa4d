// Validates SRU and OAI-PMH responses against the schemas shipped in schemas/ with libxml2
// (xmllint-wasm: no network, every imported schema handed over beforehand).
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { validateXML } from 'xmllint-wasm'

const SCHEMA_DIR = join(import.meta.dirname, '..', '..', 'schemas')

const files = () =>
  readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.xsd'))
    .map((fileName) => ({ fileName, contents: readFileSync(join(SCHEMA_DIR, fileName), 'utf8') }))

/** The validation errors of a document against a schema in schemas/ ([] when valid). */
export async function schemaErrors(
  xml: string,
  schema: 'sru-responses.xsd' | 'oai-responses.xsd',
): Promise<string[]> {
  const all = files()
  const main = all.find((f) => f.fileName === schema)
  if (!main) throw new Error(`no schema ${schema}`)
  const result = await validateXML({
    xml: [{ fileName: 'response.xml', contents: xml }],
    schema: [main],
    preload: all.filter((f) => f !== main),
  })
  return result.valid ? [] : result.errors.map((e) => e.rawMessage)
}
