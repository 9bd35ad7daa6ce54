// Every payload of every committed history is encrypted by phonefleet's codec, and decrypting it
// yields a value. Looks at the payload bytes and metadata themselves: the earlier check searched a
// stringified history for a name, where payload bytes are base64, and passed without encryption.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { HISTORIES_DIR } from '../support/histories.ts';
import { isOnlyPatchData, isPatchMarkerData, isSearchAttribute, payloadsOf } from '../support/history-payloads.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

const files = fs
  .readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const codec = new EncryptionCodec(TEST_PAYLOAD_KEYS.current);
const encoding = (p: { metadata?: Record<string, Uint8Array> | null }) => Buffer.from(p.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();

describe('committed histories hold only encrypted payloads', () => {
  it.each(files)('%s: every payload is binary/encrypted and decrypts to a value', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    const payloads = payloadsOf(history).filter((p) => !isSearchAttribute(p.path));
    expect(payloads.length).toBeGreaterThan(0); // at least the workflow input
    for (const { path: where, payload } of payloads) {
      if (isPatchMarkerData(where)) {
        expect(isOnlyPatchData(defaultPayloadConverter.fromPayload(payload)), where).toBe(true);
        continue;
      }
      expect(encoding(payload), where).toBe('binary/encrypted');
      const [plain] = await codec.decode([payload]);
      expect(encoding(plain), where).not.toBe('binary/encrypted');
      expect(() => defaultPayloadConverter.fromPayload(plain), where).not.toThrow();
    }
  });

  it('the walk finds payloads wherever they are (a plain one would be caught)', () => {
    const plain = defaultPayloadConverter.toPayload({ name: 'Olga' });
    const history = { events: [{ someNewEventAttributes: { deep: { payloads: [plain] } } }] };
    const found = payloadsOf(history);
    expect(found.map((p) => p.path)).toEqual(['events[0].someNewEventAttributes.deep.payloads[0]']);
    expect(encoding(found[0].payload)).toBe('json/plain');
  });
});
