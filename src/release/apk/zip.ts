// The few parts of the ZIP format an APK verifier needs: where the central directory and its end
// record are (APK Signature Scheme v2/v3 sign the bytes around them), the entries it lists, and
// one entry's content. Only what Android's own parser accepts: no ZIP64 (an APK that large is
// refused by size first), no encryption, STORED or DEFLATED entries.
import { inflateRawSync } from 'node:zlib';
import { ApkRejected } from './rejections.ts';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** An APK's ZIP layout: the offsets the signature schemes digest around. */
export interface ZipLayout {
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Offset of the End of Central Directory record. */
  eocdOffset: number;
  entries: ZipEntry[];
}

export function readZipLayout(apk: Buffer): ZipLayout {
  const eocdOffset = findEocd(apk);
  if (eocdOffset < 0) throw new ApkRejected('not-an-apk', 'the file is not a ZIP archive (no end of central directory record)');
  const entriesCount = apk.readUInt16LE(eocdOffset + 10);
  const centralDirectorySize = apk.readUInt32LE(eocdOffset + 12);
  const centralDirectoryOffset = apk.readUInt32LE(eocdOffset + 16);
  if (centralDirectoryOffset === 0xffffffff || entriesCount === 0xffff) throw new ApkRejected('not-an-apk', 'ZIP64 archives are not APKs Android installs');
  if (centralDirectoryOffset + centralDirectorySize !== eocdOffset) {
    throw new ApkRejected('not-an-apk', 'the ZIP central directory does not end where its end record begins');
  }
  const entries: ZipEntry[] = [];
  let at = centralDirectoryOffset;
  for (let i = 0; i < entriesCount; i++) {
    if (at + 46 > eocdOffset || apk.readUInt32LE(at) !== CENTRAL_ENTRY_SIGNATURE) throw new ApkRejected('not-an-apk', `ZIP central directory entry ${i} is malformed`);
    const flags = apk.readUInt16LE(at + 8);
    const nameLength = apk.readUInt16LE(at + 28);
    const extraLength = apk.readUInt16LE(at + 30);
    const commentLength = apk.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: apk.toString('utf8', at + 46, at + 46 + nameLength),
      method: apk.readUInt16LE(at + 10),
      crc32: apk.readUInt32LE(at + 16),
      compressedSize: apk.readUInt32LE(at + 20),
      uncompressedSize: apk.readUInt32LE(at + 24),
      localHeaderOffset: apk.readUInt32LE(at + 42),
    };
    if (flags & 0x1) throw new ApkRejected('not-an-apk', `ZIP entry ${entry.name} is encrypted`);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { centralDirectoryOffset, centralDirectorySize, eocdOffset, entries };
}

/** The uncompressed content of `entry`. */
export function readEntry(apk: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > apk.length || apk.readUInt32LE(at) !== LOCAL_HEADER_SIGNATURE) throw new ApkRejected('not-an-apk', `ZIP entry ${entry.name} has no local header`);
  const start = at + 30 + apk.readUInt16LE(at + 26) + apk.readUInt16LE(at + 28);
  const data = apk.subarray(start, start + entry.compressedSize);
  if (data.length !== entry.compressedSize) throw new ApkRejected('not-an-apk', `ZIP entry ${entry.name} is truncated`);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new ApkRejected('not-an-apk', `ZIP entry ${entry.name} uses compression method ${entry.method} (Android reads STORED and DEFLATED only)`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
  } catch {
    throw new ApkRejected('not-an-apk', `ZIP entry ${entry.name} does not inflate`);
  }
}

/** The EOCD record's offset: scanning back from the end over a comment of up to 64 KiB. */
function findEocd(apk: Buffer): number {
  const lowest = Math.max(0, apk.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = apk.length - EOCD_SIZE; at >= lowest; at--) {
    if (apk.readUInt32LE(at) === EOCD_SIGNATURE && at + EOCD_SIZE + apk.readUInt16LE(at + 20) === apk.length) return at;
  }
  return -1;
}
