// One place that knows how phonefleet talks to Temporal: every client and worker uses the
// encrypting codec, so nothing readable reaches the server.
import { Client, Connection } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, type PayloadKey } from './codec.ts';

/** The failure converter's module (./failure-converter.cjs), which the workflow bundle loads too. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** Payloads encrypted, and failures' messages and stack traces moved into encrypted payloads. */
export function dataConverter(keys: { current: PayloadKey; previous: PayloadKey[] }): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys.current, keys.previous)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

export async function connectClient(opts: { address: string; namespace: string; keys: { current: PayloadKey; previous: PayloadKey[] } }) {
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace, dataConverter: dataConverter(opts.keys) });
  return { client, connection };
}
