// Writes a plain OCI image layout (https://github.com/opencontainers/image-spec/blob/main/image-layout.md)
// from layer tarballs, without a container daemon: each layer is gzipped deterministically (no name, mtime
// 0), the config records the layers' diff_ids, and a manifest and index.json point at them. Same layer
// bytes and options → the same digests, bit for bit. scripts/build-image.sh packs the folder as an archive.
//
//   node scripts/oci-layout.ts --out <dir> --ref <name:tag> [--user 65532:65532] [--workdir /opt/interlace]
//        [--env K=V ...] [--entrypoint '["interlace"]'] [--cmd '["--help"]'] [--label k=v ...]
//        [--created 2024-01-01T00:00:00Z] <layer.tar> [<layer.tar> ...]
//
// Prints the manifest digest and sizes as JSON on stdout.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { constants, createGzip } from 'node:zlib';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A pass-through stream that hashes and counts what flows through it. */
function hashing(): Transform & { digest: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.assign(stream, { digest: () => `sha256:${hash.digest('hex')}`, bytes: () => bytes });
}

/** Gzips one layer into the blob store; returns its descriptor and its diff_id (digest of the uncompressed tar). */
async function addLayer(blobs: string, tarPath: string): Promise<{ descriptor: Descriptor; diffId: string; uncompressed: number }> {
  const raw = hashing();
  const compressed = hashing();
  const tmp = join(blobs, `.layer-${process.pid}`);
  // Node's gzip header carries no name and mtime 0: the compressed bytes depend only on the input and level.
  await pipeline(
    createReadStream(tarPath),
    raw,
    createGzip({ level: 6, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY }),
    compressed,
    createWriteStream(tmp),
  );
  const digest = compressed.digest();
  renameSync(tmp, join(blobs, digest.slice('sha256:'.length)));
  return {
    descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: compressed.bytes() },
    diffId: raw.digest(),
    uncompressed: raw.bytes(),
  };
}

/** Writes a JSON blob (canonical: keys in the order given, no whitespace) and returns its descriptor. */
function addJson(blobs: string, mediaType: string, value: unknown): Descriptor {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  writeFileSync(join(blobs, digest.slice('sha256:'.length)), bytes);
  return { mediaType, digest, size: bytes.length };
}

function keyValues(list: string[] | undefined, flag: string): Array<[string, string]> {
  return (list ?? []).map((entry) => {
    const at = entry.indexOf('=');
    if (at <= 0) throw new Error(`${flag} takes key=value, got ${JSON.stringify(entry)}`);
    return [entry.slice(0, at), entry.slice(at + 1)];
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      ref: { type: 'string' },
      user: { type: 'string', default: '65532:65532' },
      workdir: { type: 'string', default: '/' },
      env: { type: 'string', multiple: true },
      entrypoint: { type: 'string' },
      cmd: { type: 'string' },
      label: { type: 'string', multiple: true },
      created: { type: 'string', default: '1970-01-01T00:00:00Z' },
    },
  });
  if (!values.out || !values.ref || positionals.length === 0) {
    throw new Error('usage: oci-layout.ts --out <dir> --ref <name:tag> [options] <layer.tar>...');
  }
  const blobs = join(values.out, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });

  const layers = [];
  for (const tar of positionals) layers.push(await addLayer(blobs, tar));

  const labels = Object.fromEntries(keyValues(values.label, '--label'));
  const config = {
    created: values.created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: values.user,
      Env: values.env ?? [],
      ...(values.entrypoint ? { Entrypoint: JSON.parse(values.entrypoint) as string[] } : {}),
      ...(values.cmd ? { Cmd: JSON.parse(values.cmd) as string[] } : {}),
      WorkingDir: values.workdir,
      ...(Object.keys(labels).length > 0 ? { Labels: labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: positionals.map((tar) => ({ created: values.created, created_by: `layer ${tar.split('/').pop()}` })),
  };
  const configDescriptor = addJson(blobs, 'application/vnd.oci.image.config.v1+json', config);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: configDescriptor,
    layers: layers.map((l) => l.descriptor),
    ...(Object.keys(labels).length > 0 ? { annotations: labels } : {}),
  };
  const manifestDescriptor = addJson(blobs, 'application/vnd.oci.image.manifest.v1+json', manifest);
  writeFileSync(join(values.out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...manifestDescriptor, annotations: { 'org.opencontainers.image.ref.name': values.ref } }],
  };
  writeFileSync(join(values.out, 'index.json'), JSON.stringify(index));

  const compressed = layers.reduce((sum, l) => sum + l.descriptor.size, 0);
  const uncompressed = layers.reduce((sum, l) => sum + l.uncompressed, 0);
  process.stdout.write(
    `${JSON.stringify({
      manifestDigest: manifestDescriptor.digest,
      configDigest: configDescriptor.digest,
      layers: layers.map((l, i) => ({
        tar: positionals[i],
        uncompressed: l.uncompressed,
        compressed: l.descriptor.size,
        digest: l.descriptor.digest,
      })),
      uncompressed,
      compressed,
    })}\n`,
  );
}

await main();
