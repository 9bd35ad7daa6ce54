// How failures travel: an error's message and stack trace (which can name a person, or echo what
// an external system answered about them) are moved into an encrypted payload
// (`encodeCommonAttributes`), so history shows only "Encoded failure" to whoever lacks the key.
// Plain CommonJS because the SDK require()s it by path (failureConverterPath) in the worker and
// the client, and bundles it into the workflow code; failures recorded before this decode as they
// were (their plain message).
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
