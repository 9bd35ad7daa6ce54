// The payload key the test suites encrypt with. Not a secret: it protects fake test data only,
// and the committed replay histories were recorded with it (replaying needs the same key).
import { payloadKeyFromBase64 } from '../../src/temporal/codec.ts';

export const TEST_PAYLOAD_KEYS = {
  current: payloadKeyFromBase64('cGhvbmVmbGVldC10ZXN0LWtleS1ub3QtYS1zZWNyZXQ='),
  previous: [],
};
