// The catalogue's enumerations as the staff API validates them (the tables' own lists).
export { MATERIAL_TYPES, SHELF_LOCATIONS } from '../db/schema.ts'
