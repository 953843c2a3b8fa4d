// Readings for catalogue rows that came without one: an author's reading is taken from
// another row of the same author when the data has it (夏目漱石 → なつめそうせき from Aozora),
// and generated with kuromoji + IPADIC otherwise; generated readings are marked as such.
import {
  createReadingGenerator,
  fillReading,
  releaseReadingGenerator,
} from '../services/search/readings.ts'
import { fold } from '../services/search/fold.ts'
import type { CatalogueRow } from './demo-loader.ts'

export interface ReadingFlags {
  title_reading_generated: boolean
  author_reading_generated: boolean
}

export async function fillCatalogueReadings(
  rows: CatalogueRow[],
): Promise<(CatalogueRow & ReadingFlags)[]> {
  const known = new Map<string, string>()
  for (const row of rows) {
    if (row.author && row.author_reading) known.set(fold(row.author), row.author_reading)
  }
  const generator = await createReadingGenerator()
  try {
    return rows.map((row) => {
      const title = fillReading(generator, row.title, row.title_reading)
      const borrowed = row.author_reading || known.get(fold(row.author)) || ''
      const author = fillReading(generator, row.author, borrowed)
      return {
        ...row,
        title_reading: title.reading,
        author_reading: author.reading,
        title_reading_generated: title.generated,
        author_reading_generated: author.generated,
      }
    })
  } finally {
    // The dictionary costs ~250 MB; the web server does not keep it.
    releaseReadingGenerator()
  }
}
