// The arguments of an SRU or OAI-PMH request, from its query string (GET) or its form body
// (POST, application/x-www-form-urlencoded): each name with every value it was given, so the
// protocols can refuse a repeated argument.
export type InteropParams = Map<string, string[]>

export function readParams(search: string): InteropParams {
  const params: InteropParams = new Map()
  for (const [name, value] of new URLSearchParams(search)) {
    const values = params.get(name) ?? []
    values.push(value)
    params.set(name, values)
  }
  return params
}
