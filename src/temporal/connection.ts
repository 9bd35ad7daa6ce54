// One place that knows how phonefleet talks to Temporal: every client and worker uses the
// encrypting codec, so nothing readable reaches the server.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, type PayloadKey } from './codec.ts';

export function dataConverter(keys: { current: PayloadKey; previous: PayloadKey[] }): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys.current, keys.previous)] };
}

export async function connectClient(opts: { address: string; namespace: string; keys: { current: PayloadKey; previous: PayloadKey[] } }) {
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace, dataConverter: dataConverter(opts.keys) });
  return { client, connection };
}
