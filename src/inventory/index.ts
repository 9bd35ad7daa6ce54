// The inventory: phonefleet's records of employees, phones and SIMs, and the only code that
// writes them for the processes. Each transition is one function that writes its rows and its
// audit entry in one transaction and refuses an illegal move with a typed error (errors.ts);
// the lookups are the questions several activities ask.
export * from './audit.ts';
export * from './errors.ts';
export * from './lookups.ts';
export { activeFreeze } from './freezes.ts';
export * as stock from './stock.ts';
export type { StockReservation } from './stock.ts';
export * as devices from './devices.ts';
export * as sims from './sims.ts';
export * as employees from './employees.ts';
export * as fleetSync from './fleet-sync.ts';
export * as directory from './directory.ts';
export * as anomalies from './anomalies.ts';
