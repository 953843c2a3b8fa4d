// Machine interfaces for other systems: an OpenSearch description (which also names the SRU
// endpoint, api/sru-api.ts), Atom feeds of any search and of new arrivals, so aggregators and
// feed readers can follow the catalogue without scraping. (Stable record URLs and
// /isbn/<ISBN> are in browse-routes.)
import type { RequestHandler, Response } from 'express'
import { fromUtcDateTime } from '../clock.ts'
import type { Clock } from '../clock.ts'
import { HttpError } from '../errors.ts'
import { libraryOf } from '../middleware/library.ts'
import { queryOf } from '../middleware/query.ts'
import { urlFor } from '../paths.ts'
import { searchHeading } from '../render/search-summary.ts'
import type { BrowseService } from '../services/browse-service.ts'
import type { CatalogueService, RecordHit } from '../services/catalogue-service.ts'
import { publicUrlOf } from '../web.ts'
import { readSearchPage, readSearchRequest, searchParams } from './search-params.ts'

const FEED_SIZE = 20

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function send(res: Response, type: string, body: string): void {
  res.setHeader('Content-Type', `${type}; charset=utf-8`)
  res.setHeader('Cache-Control', 'public, max-age=300')
  res.send(body)
}

function atom(
  res: Response,
  feed: { title: string; selfPath: string; htmlPath: string; updated: string },
  hits: RecordHit[],
): void {
  const base = publicUrlOf(res)
  const slug = libraryOf(res).library.slug
  const stamps = hits.map((h) => fromUtcDateTime(h.updated_at).toISOString())
  // The feed changed when its newest entry did; an empty feed is as of now.
  const updated = [...stamps].sort().pop() ?? feed.updated
  const entries = hits.map((h, i) => {
    const link = `${base}${urlFor('pc', 'record', { lib: slug, id: h.id })}`
    const summary = [h.author, h.publisher, h.pub_year ? `${h.pub_year}年` : '']
      .filter(Boolean)
      .join(' ／ ')
    return `<entry>
<title>${xml(h.subtitle ? `${h.title} ${h.subtitle}` : h.title)}</title>
<id>${xml(link)}</id>
<link rel="alternate" type="text/html" href="${xml(link)}"/>
<updated>${stamps[i]}</updated>
${h.author ? `<author><name>${xml(h.author)}</name></author>` : ''}
<summary>${xml(`${summary}${summary ? ' ／ ' : ''}${h.available ? '貸出できる資料があります' : 'いま貸出できる資料はありません'}`)}</summary>
</entry>`
  })
  send(
    res,
    'application/atom+xml',
    `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">
<title>${xml(feed.title)}</title>
<id>${xml(base + feed.selfPath)}</id>
<link rel="self" type="application/atom+xml" href="${xml(base + feed.selfPath)}"/>
<link rel="alternate" type="text/html" href="${xml(base + feed.htmlPath)}"/>
<updated>${updated}</updated>
<author><name>${xml(libraryOf(res).library.name)}</name></author>
${entries.join('\n')}
</feed>
`,
  )
}

export function openSearchGet(): RequestHandler {
  return (_req, res) => {
    const { library } = libraryOf(res)
    const base = publicUrlOf(res)
    const search = `${base}${urlFor('pc', 'search', { lib: library.slug })}`
    const feed = `${base}${urlFor('pc', 'searchFeed', { lib: library.slug })}`
    const sru = `${base}${urlFor('pc', 'sru', { lib: library.slug })}`
    send(
      res,
      'application/opensearchdescription+xml',
      `<?xml version="1.0" encoding="utf-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
<ShortName>${xml(library.name.slice(0, 16))}</ShortName>
<Description>${xml(`${library.name}の蔵書検索`)}</Description>
<InputEncoding>UTF-8</InputEncoding>
<Language>ja</Language>
<Url type="text/html" template="${xml(search)}?q={searchTerms}&amp;page={startPage?}"/>
<Url type="application/atom+xml" template="${xml(feed)}?q={searchTerms}&amp;page={startPage?}"/>
<Url type="application/sru+xml" template="${xml(sru)}?operation=searchRetrieve&amp;version=1.2&amp;query=%22{searchTerms}%22&amp;startRecord={startIndex?}&amp;maximumRecords={count?}"/>
</OpenSearchDescription>
`,
    )
  }
}

export function searchFeedGet(deps: { catalogue: CatalogueService; clock: Clock }): RequestHandler {
  return async (_req, res) => {
    const { library, branches } = libraryOf(res)
    const query = queryOf(res)
    const outcome = await deps.catalogue.search(library.id, branches, readSearchRequest(query), {
      page: readSearchPage(query),
      perPage: FEED_SIZE,
    })
    if (!outcome.ok) throw new HttpError(400, '検索の条件とページを正しく指定してください。')
    const q = {
      ...searchParams(outcome.request),
      page: outcome.page > 1 ? outcome.page : undefined,
    }
    atom(
      res,
      {
        title: `${searchHeading(outcome.request)}｜${library.name}`,
        selfPath: urlFor('pc', 'searchFeed', { lib: library.slug }, q),
        htmlPath: urlFor('pc', 'search', { lib: library.slug }, q),
        updated: deps.clock.now().toISOString(),
      },
      outcome.hits,
    )
  }
}

export function newArrivalsFeedGet(deps: { browse: BrowseService; clock: Clock }): RequestHandler {
  return async (_req, res) => {
    const { library, settings } = libraryOf(res)
    const { hits } = await deps.browse.newArrivals(library.id, settings, null, 0, FEED_SIZE)
    atom(
      res,
      {
        title: `新着資料｜${library.name}`,
        selfPath: urlFor('pc', 'newArrivalsFeed', { lib: library.slug }),
        htmlPath: urlFor('pc', 'newArrivals', { lib: library.slug }),
        updated: deps.clock.now().toISOString(),
      },
      hits,
    )
  }
}
