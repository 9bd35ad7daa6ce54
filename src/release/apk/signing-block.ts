// APK Signature Scheme v2 and v3, verified as Android verifies them
// (https://source.android.com/docs/security/features/apksigning/v2 and /v3): the APK Signing
// Block sits just before the ZIP central directory; each signer signs a digest of the whole
// file but that block, computed over 1 MiB chunks; v3 signers may carry a proof-of-rotation
// lineage, each certificate signed by the one before it. No npm package does this, and Debian's
// apksigner needs a JRE, so it is here, with node:crypto for the signatures.
import crypto from 'node:crypto';
import { ApkRejected } from './rejections.ts';
import type { ZipLayout } from './zip.ts';

const BLOCK_MAGIC = Buffer.from('APK Sig Block 42', 'latin1');
export const V2_BLOCK_ID = 0x7109871a;
export const V3_BLOCK_ID = 0xf05368c0;
const PROOF_OF_ROTATION_ATTRIBUTE = 0x3ba06f8c;
const CHUNK_SIZE = 1 << 20;

type Digest = 'sha256' | 'sha512';
interface SignatureAlgorithm {
  digest: Digest;
  key: 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'dsa';
}

/** The content signature algorithms (the verity ones, 0x04xx, are for fs-verity and v4, not the content digest). */
const ALGORITHMS: Record<number, SignatureAlgorithm> = {
  0x0101: { digest: 'sha256', key: 'rsa-pss' },
  0x0102: { digest: 'sha512', key: 'rsa-pss' },
  0x0103: { digest: 'sha256', key: 'rsa-pkcs1' },
  0x0104: { digest: 'sha512', key: 'rsa-pkcs1' },
  0x0201: { digest: 'sha256', key: 'ecdsa' },
  0x0202: { digest: 'sha512', key: 'ecdsa' },
  0x0301: { digest: 'sha256', key: 'dsa' },
};
const VERITY_ALGORITHMS = new Set([0x0421, 0x0423, 0x0425]);

export interface VerifiedSigner {
  /** SHA-256 of the signing certificate (DER), lower-case hex: what apksigner prints and apps pin. */
  certSha256: string;
  subject: string;
  /** v3 only: the SDK range this signer is for. */
  minSdk?: number;
  maxSdk?: number;
  /** v3 key rotation: the lineage's certificates' SHA-256, oldest first (the last is this signer's). */
  lineage?: string[];
}

export interface SigningBlock {
  /** Offset of the block: the digests cover the file before it. */
  offset: number;
  /** ID-value pairs. */
  pairs: Map<number, Buffer>;
}

/** The APK Signing Block, or undefined when the APK has none (unsigned or v1 only). */
export function findSigningBlock(apk: Buffer, zip: ZipLayout): SigningBlock | undefined {
  const footer = zip.centralDirectoryOffset - 24;
  if (footer < 8 || !apk.subarray(footer + 8, footer + 24).equals(BLOCK_MAGIC)) return undefined;
  const size = Number(apk.readBigUInt64LE(footer));
  const offset = zip.centralDirectoryOffset - size - 8;
  if (size < 24 || offset < 0 || Number(apk.readBigUInt64LE(offset)) !== size) throw new ApkRejected('signature-invalid', 'the APK Signing Block’s two sizes disagree');
  const pairs = new Map<number, Buffer>();
  for (let at = offset + 8; at < footer;) {
    const length = Number(apk.readBigUInt64LE(at));
    if (length < 4 || at + 8 + length > footer) throw new ApkRejected('signature-invalid', 'an APK Signing Block entry overruns the block');
    pairs.set(apk.readUInt32LE(at + 8), apk.subarray(at + 12, at + 8 + length));
    at += 8 + length;
  }
  return { offset, pairs };
}

/**
 * Verifies the scheme block `id` (v2 or v3) of `apk`: each signer's signatures over its signed
 * data, its public key against its first certificate, and its content digests against the file.
 */
export function verifySchemeBlock(apk: Buffer, zip: ZipLayout, block: SigningBlock, id: typeof V2_BLOCK_ID | typeof V3_BLOCK_ID): VerifiedSigner[] {
  const scheme = id === V3_BLOCK_ID ? 'v3' : 'v2';
  const value = block.pairs.get(id);
  if (!value) throw new Error(`no ${scheme} block`);
  // The value is one length-prefixed sequence of length-prefixed signers.
  const signers = lengthPrefixedSequence(new Reader(value, `${scheme} block`).lengthPrefixed(), `${scheme} signers`);
  if (signers.length === 0) throw new ApkRejected('signature-invalid', `the ${scheme} block has no signers`);
  const digests = new ContentDigests(apk, zip, block.offset);
  return signers.map((signer, i) => verifySigner(signer, `${scheme} signer #${i + 1}`, scheme, digests));
}

function verifySigner(signer: Buffer, where: string, scheme: 'v2' | 'v3', digests: ContentDigests): VerifiedSigner {
  const r = new Reader(signer, where);
  const signedData = r.lengthPrefixed();
  const outerSdk = scheme === 'v3' ? { min: r.u32(), max: r.u32() } : undefined;
  const signatures = lengthPrefixedSequence(r.lengthPrefixed(), `${where} signatures`).map((s) => {
    const sr = new Reader(s, `${where} signature`);
    return { algorithm: sr.u32(), signature: sr.lengthPrefixed() };
  });
  const publicKeyDer = r.lengthPrefixed();

  const sd = new Reader(signedData, `${where} signed data`);
  const signedDigests = lengthPrefixedSequence(sd.lengthPrefixed(), `${where} digests`).map((d) => {
    const dr = new Reader(d, `${where} digest`);
    return { algorithm: dr.u32(), digest: dr.lengthPrefixed() };
  });
  const certificates = lengthPrefixedSequence(sd.lengthPrefixed(), `${where} certificates`);
  const innerSdk = scheme === 'v3' ? { min: sd.u32(), max: sd.u32() } : undefined;
  const attributes = lengthPrefixedSequence(sd.lengthPrefixed(), `${where} attributes`).map((a) => ({ id: a.readUInt32LE(0), value: a.subarray(4) }));

  if (outerSdk && innerSdk && (outerSdk.min !== innerSdk.min || outerSdk.max !== innerSdk.max)) {
    throw new ApkRejected('signature-invalid', `${where}: the SDK range outside its signed data differs from the one inside`);
  }
  const publicKey = publicKeyOf(publicKeyDer, where);
  const supported = signatures.filter((s) => ALGORITHMS[s.algorithm]);
  if (supported.length === 0) throw new ApkRejected('signature-invalid', `${where} has no signature with an algorithm Android verifies`);
  for (const s of supported) {
    if (!verifySignature(ALGORITHMS[s.algorithm]!, publicKey, signedData, s.signature)) {
      throw new ApkRejected('signature-invalid', `${where}: the signature (algorithm 0x${s.algorithm.toString(16)}) over its signed data does not verify`);
    }
  }
  const signedAlgorithms = signatures.map((s) => s.algorithm).join(',');
  if (signedDigests.map((d) => d.algorithm).join(',') !== signedAlgorithms) {
    throw new ApkRejected('signature-invalid', `${where}: its digests’ algorithms differ from its signatures’`);
  }
  if (certificates.length === 0) throw new ApkRejected('signature-invalid', `${where} has no certificate`);
  const certificate = x509(certificates[0]!, where);
  if (!certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(publicKeyDer)) {
    throw new ApkRejected('signature-invalid', `${where}: its public key is not its certificate’s`);
  }
  for (const d of signedDigests) {
    const algorithm = ALGORITHMS[d.algorithm];
    if (!algorithm) {
      if (VERITY_ALGORITHMS.has(d.algorithm)) continue;
      throw new ApkRejected('signature-invalid', `${where}: digest algorithm 0x${d.algorithm.toString(16)} is unknown`);
    }
    if (!digests.of(algorithm.digest).equals(d.digest)) {
      throw new ApkRejected(
        'content-changed',
        `${where}: the ${algorithm.digest.toUpperCase()} content digest of the APK differs from the signed one (an entry changed after signing)`,
      );
    }
  }
  const verified: VerifiedSigner = { certSha256: sha256Hex(certificates[0]!), subject: certificate.subject.replace(/\n/g, ', ') };
  if (innerSdk) Object.assign(verified, { minSdk: innerSdk.min, maxSdk: innerSdk.max });
  const rotation = attributes.find((a) => a.id === PROOF_OF_ROTATION_ATTRIBUTE);
  if (rotation) {
    const lineage = verifyLineage(rotation.value, `${where} proof-of-rotation`);
    if (lineage.at(-1) !== verified.certSha256) throw new ApkRejected('signature-invalid', `${where}: its proof-of-rotation lineage does not end with its own certificate`);
    verified.lineage = lineage;
  }
  return verified;
}

/**
 * A v3 proof-of-rotation: version 1, then nodes of (signed data: certificate + the parent's
 * algorithm; flags; this node's algorithm for the next; the parent's signature over the signed
 * data). Every node after the first must be signed by the node before it.
 */
function verifyLineage(value: Buffer, where: string): string[] {
  const r = new Reader(value, where);
  const version = r.u32();
  if (version !== 1) throw new ApkRejected('signature-invalid', `${where}: version ${version} is unknown`);
  const nodes = lengthPrefixedSequence(r.rest(), `${where} nodes`);
  const lineage: string[] = [];
  let parent: { key: crypto.KeyObject; algorithm: number } | undefined;
  for (const [i, node] of nodes.entries()) {
    const nr = new Reader(node, `${where} node #${i + 1}`);
    const signedData = nr.lengthPrefixed();
    nr.u32(); // flags: what the platform may do with the older certificate (not needed to verify)
    const algorithm = nr.u32();
    const signature = nr.lengthPrefixed();
    const sd = new Reader(signedData, `${where} node #${i + 1} signed data`);
    const certificate = sd.lengthPrefixed();
    const parentAlgorithm = sd.u32();
    if (parent) {
      const spec = ALGORITHMS[parent.algorithm];
      if (!spec || parentAlgorithm !== parent.algorithm || !verifySignature(spec, parent.key, signedData, signature)) {
        throw new ApkRejected('signature-invalid', `${where}: certificate #${i + 1} is not signed by certificate #${i}`);
      }
    }
    parent = { key: x509(certificate, where).publicKey, algorithm };
    lineage.push(sha256Hex(certificate));
  }
  return lineage;
}

/** The chunked content digests of an APK, computed once per digest algorithm. */
class ContentDigests {
  private readonly cache = new Map<Digest, Buffer>();
  constructor(
    private readonly apk: Buffer,
    private readonly zip: ZipLayout,
    private readonly blockOffset: number,
  ) {}

  of(digest: Digest): Buffer {
    let value = this.cache.get(digest);
    if (!value) this.cache.set(digest, (value = this.compute(digest)));
    return value;
  }

  private compute(digest: Digest): Buffer {
    // The EOCD as if the signing block were not there: its central directory offset is the block's.
    const eocd = Buffer.from(this.apk.subarray(this.zip.eocdOffset));
    eocd.writeUInt32LE(this.blockOffset, 16);
    const sections = [this.apk.subarray(0, this.blockOffset), this.apk.subarray(this.zip.centralDirectoryOffset, this.zip.eocdOffset), eocd];
    const chunkDigests: Buffer[] = [];
    for (const section of sections) {
      for (let at = 0; at < section.length; at += CHUNK_SIZE) {
        const chunk = section.subarray(at, at + CHUNK_SIZE);
        const prefix = Buffer.alloc(5);
        prefix[0] = 0xa5;
        prefix.writeUInt32LE(chunk.length, 1);
        chunkDigests.push(crypto.createHash(digest).update(prefix).update(chunk).digest());
      }
    }
    const top = Buffer.alloc(5);
    top[0] = 0x5a;
    top.writeUInt32LE(chunkDigests.length, 1);
    const hash = crypto.createHash(digest).update(top);
    for (const d of chunkDigests) hash.update(d);
    return hash.digest();
  }
}

function verifySignature(algorithm: SignatureAlgorithm, key: crypto.KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (algorithm.key === 'rsa-pss') {
      return crypto.verify(algorithm.digest, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.digest === 'sha256' ? 32 : 64 }, signature);
    }
    return crypto.verify(algorithm.digest, data, key, signature);
  } catch {
    return false;
  }
}

function publicKeyOf(der: Buffer, where: string): crypto.KeyObject {
  try {
    return crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new ApkRejected('signature-invalid', `${where}: its public key does not parse`);
  }
}

function x509(der: Buffer, where: string): crypto.X509Certificate {
  try {
    return new crypto.X509Certificate(der);
  } catch {
    throw new ApkRejected('signature-invalid', `${where}: a certificate does not parse`);
  }
}

export const sha256Hex = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** The elements of a sequence of uint32-length-prefixed elements filling `value`. */
function lengthPrefixedSequence(value: Buffer, where: string): Buffer[] {
  const r = new Reader(value, where);
  const items: Buffer[] = [];
  while (!r.done()) items.push(r.lengthPrefixed());
  return items;
}

/** Little-endian reads that refuse to run past the end (a malformed block is a refusal, not a crash). */
class Reader {
  private at = 0;
  constructor(
    private readonly buffer: Buffer,
    private readonly where: string,
  ) {}
  done(): boolean {
    return this.at >= this.buffer.length;
  }
  u32(): number {
    this.need(4);
    const v = this.buffer.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  lengthPrefixed(): Buffer {
    const length = this.u32();
    this.need(length);
    const v = this.buffer.subarray(this.at, this.at + length);
    this.at += length;
    return v;
  }
  rest(): Buffer {
    const v = this.buffer.subarray(this.at);
    this.at = this.buffer.length;
    return v;
  }
  private need(n: number): void {
    if (this.at + n > this.buffer.length) throw new ApkRejected('signature-invalid', `${this.where} is truncated`);
  }
}
