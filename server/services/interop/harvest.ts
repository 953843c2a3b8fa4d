// What the protocol layer (api/oai-api.ts, api/sru-api.ts) knows of the harvest's storage:
// its types, through the service layer, since api/ never imports server/db/ itself.
export type {
  HarvestSet,
  InteropRecord,
  InteropRepository as HarvestSource,
} from '../../db/interop-repository.ts'
