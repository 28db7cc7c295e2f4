// A double of an S3-compatible object store (issue 13: tenant backups to a bucket), for tests only:
// no S3-compatible server can be installed on this machine, so the S3 destination is tested
// against this in-memory double, which answers the calls Tenantry makes as S3 does (path-style
// addressing, S3's XML bodies and errors). What it follows and what it leaves out: README.md here.
// It checks the access key id of each request's SigV4 Authorization header (403
// InvalidAccessKeyId otherwise); it does not recompute signatures.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface S3DoubleObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

interface PendingUpload {
  bucket: string;
  key: string;
  parts: Map<number, { body: Buffer; etag: string }>;
}

export interface S3Double {
  /** http://127.0.0.1:<port> — the endpoint (path-style: /<bucket>/<key>). */
  url: string;
  /** The objects of a bucket by key (a live view: tests read and damage objects through it). */
  bucket(name: string): Map<string, S3DoubleObject>;
  /** Multipart uploads begun and neither completed nor aborted. */
  pendingUploads(): number;
  /** Every request the double answered: method, path and the S3 operation it was. */
  calls: { method: string; path: string; operation: string }[];
  close(): Promise<void>;
}

export interface S3DoubleOptions {
  buckets: string[];
  accessKeyId: string;
  port?: number;
}

/** S3's minimum part size (all parts but the last): 5 MiB. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

const noSuchKey = (key: string) => new S3Error(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
const noSuchUpload = (id: string) =>
  new S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", { UploadId: id });

function xmlEscape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function xml(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}

const tag = (name: string, value: string | number) => `<${name}>${xmlEscape(String(value))}</${name}>`;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return (request.headers["content-encoding"] ?? "").includes("aws-chunked") ? decodeAwsChunked(raw) : raw;
}

/** The aws-chunked body the SDK sends with trailing checksums: "<hex size>[;ext]\r\n<data>\r\n" … "0\r\n<trailers>\r\n\r\n". */
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", at);
    if (lineEnd < 0) throw new S3Error(400, "IncompleteBody", "The aws-chunked body ended before its last chunk.");
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, "InvalidRequest", "An aws-chunked chunk size is not hexadecimal.");
    if (size === 0) return Buffer.concat(out);
    out.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const md5Etag = (body: Buffer) => `"${createHash("md5").update(body).digest("hex")}"`;

/** The access key id of a SigV4 Authorization header: "AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/s3/aws4_request, …". */
function accessKeyOf(request: IncomingMessage): string | null {
  const header = request.headers.authorization ?? "";
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/[^/]+\/s3\/aws4_request,/.exec(header);
  return match ? match[1]! : null;
}

export async function startS3Double(options: S3DoubleOptions): Promise<S3Double> {
  const buckets = new Map<string, Map<string, S3DoubleObject>>(options.buckets.map((name) => [name, new Map()]));
  const uploads = new Map<string, PendingUpload>();
  const calls: S3Double["calls"] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://double");
    const method = request.method ?? "GET";
    const [bucketName = "", ...keyParts] = url.pathname.slice(1).split("/");
    const key = keyParts.map((part) => decodeURIComponent(part)).join("/");
    const query = url.searchParams;
    const operation = operationOf(method, key, query);
    calls.push({ method, path: url.pathname, operation });
    const keyId = accessKeyOf(request);
    if (keyId === null) throw new S3Error(403, "AccessDenied", "Access Denied: the request carries no AWS Signature Version 4 Authorization header.");
    if (keyId !== options.accessKeyId) throw new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: keyId });
    const bucket = buckets.get(bucketName);
    if (!bucket) throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist.", { BucketName: bucketName });
    const send = (status: number, body: string | Buffer = "", headers: Record<string, string> = {}) => {
      response.writeHead(status, { "x-amz-request-id": randomUUID(), ...(body.length > 0 && typeof body === "string" ? { "content-type": "application/xml" } : {}), ...headers });
      response.end(body);
    };

    switch (operation) {
      case "ListObjectsV2": {
        const prefix = query.get("prefix") ?? "";
        const max = Math.min(Number(query.get("max-keys") ?? 1000), 1000);
        const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix)).sort();
        const after = query.get("continuation-token") ?? query.get("start-after") ?? "";
        const page = keys.filter((k) => k > after).slice(0, max);
        const truncated = keys.filter((k) => k > after).length > page.length;
        const contents = page
          .map((k) => {
            const object = bucket.get(k)!;
            return `<Contents>${tag("Key", k)}${tag("LastModified", object.lastModified.toISOString())}${tag("ETag", object.etag)}${tag("Size", object.body.length)}${tag("StorageClass", "STANDARD")}</Contents>`;
          })
          .join("");
        const next = truncated ? tag("NextContinuationToken", page[page.length - 1]!) : "";
        send(200, xml("ListBucketResult", `${tag("Name", bucketName)}${tag("Prefix", prefix)}${tag("KeyCount", page.length)}${tag("MaxKeys", max)}${tag("IsTruncated", String(truncated))}${contents}${next}`));
        return;
      }
      case "PutObject": {
        const body = await readBody(request);
        const object = { body, etag: md5Etag(body), lastModified: new Date(), contentType: request.headers["content-type"] ?? "binary/octet-stream" };
        bucket.set(key, object);
        send(200, "", { etag: object.etag });
        return;
      }
      case "HeadObject":
      case "GetObject": {
        const object = bucket.get(key);
        if (!object) {
          if (operation === "HeadObject") return send(404); // HEAD has no body: S3 answers 404 alone
          throw noSuchKey(key);
        }
        const headers = { "content-length": String(object.body.length), etag: object.etag, "last-modified": object.lastModified.toUTCString(), "content-type": object.contentType };
        response.writeHead(200, { "x-amz-request-id": randomUUID(), ...headers });
        response.end(operation === "GetObject" ? object.body : undefined);
        return;
      }
      case "DeleteObject":
        // S3 answers 204 whether or not the key existed.
        bucket.delete(key);
        return send(204);
      case "CreateMultipartUpload": {
        const uploadId = randomUUID().replace(/-/g, "");
        uploads.set(uploadId, { bucket: bucketName, key, parts: new Map() });
        send(200, xml("InitiateMultipartUploadResult", `${tag("Bucket", bucketName)}${tag("Key", key)}${tag("UploadId", uploadId)}`));
        return;
      }
      case "UploadPart": {
        const upload = uploadOf(query.get("uploadId") ?? "", bucketName, key);
        const partNumber = Number(query.get("partNumber"));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new S3Error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
        const body = await readBody(request);
        const part = { body, etag: md5Etag(body) };
        upload.parts.set(partNumber, part);
        return send(200, "", { etag: part.etag });
      }
      case "CompleteMultipartUpload": {
        const uploadId = query.get("uploadId") ?? "";
        const upload = uploadOf(uploadId, bucketName, key);
        const listed = [...(await readBody(request)).toString("utf8").matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((match) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(match[1]!)?.[1]),
          etag: /<ETag>([^<]*)<\/ETag>/.exec(match[1]!)?.[1]?.replace(/&quot;/g, '"') ?? "",
        }));
        if (listed.length === 0) throw new S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
        const bodies: Buffer[] = [];
        listed.forEach((entry, index) => {
          const part = upload.parts.get(entry.number);
          if (!part || part.etag !== entry.etag) {
            throw new S3Error(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
          }
          if (index > 0 && entry.number <= listed[index - 1]!.number) throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
          if (index < listed.length - 1 && part.body.length < MIN_PART_BYTES) throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
          bodies.push(part.body);
        });
        const body = Buffer.concat(bodies);
        const etagOfParts = createHash("md5").update(Buffer.concat(listed.map((entry) => Buffer.from(entry.etag.replace(/"/g, ""), "hex")))).digest("hex");
        const object = { body, etag: `"${etagOfParts}-${listed.length}"`, lastModified: new Date(), contentType: "binary/octet-stream" };
        bucket.set(key, object);
        uploads.delete(uploadId);
        send(200, xml("CompleteMultipartUploadResult", `${tag("Location", `${double.url}/${bucketName}/${key}`)}${tag("Bucket", bucketName)}${tag("Key", key)}${tag("ETag", object.etag)}`));
        return;
      }
      case "AbortMultipartUpload": {
        const uploadId = query.get("uploadId") ?? "";
        uploadOf(uploadId, bucketName, key);
        uploads.delete(uploadId);
        return send(204);
      }
      default:
        throw new S3Error(501, "NotImplemented", `The S3 double does not implement ${method} ${url.pathname}${url.search} (see tests/s3-double/README.md).`);
    }
  }

  function uploadOf(uploadId: string, bucket: string, key: string): PendingUpload {
    const upload = uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const failure = error instanceof S3Error ? error : new S3Error(500, "InternalError", `We encountered an internal error. Please try again. (${(error as Error).message})`);
      const requestId = randomUUID();
      const extra = Object.entries(failure.extra).map(([name, value]) => tag(name, value)).join("");
      const body =
        request.method === "HEAD"
          ? ""
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${tag("Code", failure.code)}${tag("Message", failure.message)}${extra}${tag("RequestId", requestId)}</Error>`;
      if (!response.headersSent) response.writeHead(failure.status, { "x-amz-request-id": requestId, ...(body ? { "content-type": "application/xml" } : {}) });
      response.end(body);
      request.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const double: S3Double = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bucket(name) {
      const found = buckets.get(name);
      if (!found) throw new Error(`The S3 double has no bucket ${name}`);
      return found;
    },
    pendingUploads: () => uploads.size,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return double;
}

function operationOf(method: string, key: string, query: URLSearchParams): string {
  if (key === "") return method === "GET" && query.get("list-type") === "2" ? "ListObjectsV2" : `${method} bucket`;
  if (method === "POST" && query.has("uploads")) return "CreateMultipartUpload";
  if (method === "PUT" && query.has("uploadId") && query.has("partNumber")) return "UploadPart";
  if (method === "POST" && query.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "DELETE" && query.has("uploadId")) return "AbortMultipartUpload";
  if (method === "PUT" && !query.has("uploadId")) return "PutObject";
  if (method === "HEAD") return "HeadObject";
  if (method === "GET") return "GetObject";
  if (method === "DELETE") return "DeleteObject";
  return `${method} object`;
}
